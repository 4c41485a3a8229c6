"""New report files: a slug made from the title, and complete front matter.

Used by `ipr-archive new` and by `import`. Everything here is pure except the two
functions at the end, which look at and write the site's files.
"""
from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from ..source.content import REPORTS_DIR, SLUG, Source, parse_source
from ..source.dates import DateError, parse_date
from ..source.yamlnodes import Mapping, Scalar, Seq, parse_yaml
from .lint import PLACEHOLDER

MAX_SLUG = 60
FALLBACK_SLUG = "report"


class ScaffoldError(Exception):
    """A report that cannot be written as asked; the messages say what to do."""

    def __init__(self, messages: list[str]):
        self.messages = tuple(messages)
        super().__init__("\n".join(messages))


@dataclass(frozen=True)
class NewReport:
    title: str
    date: str  # as written in the front matter: 2024-05-10, XXXX-05-10, …
    slug: str
    place: str | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    source: Source | None = None
    body: str = PLACEHOLDER


def slug_of(title: str, max_length: int = MAX_SLUG) -> str:
    """A stable ASCII slug: Chinese as toneless pinyin, one syllable a word; other text
    folded to ASCII; cut at a word boundary so that it stays under `max_length`."""
    words: list[str] = []
    for piece in lazy_pinyin(unicodedata.normalize("NFKC", title), style=Style.NORMAL,
                             errors="default"):
        ascii_piece = unicodedata.normalize("NFKD", piece).encode("ascii", "ignore").decode()
        words.extend(re.findall(r"[a-z0-9]+", ascii_piece.lower()))
    return _join_words(words, max_length) or FALLBACK_SLUG


def _join_words(words: list[str], max_length: int) -> str:
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length:
            break
        slug = longer
    if not slug and words:  # one word longer than the limit: cut inside it
        slug = words[0][:max_length]
    return slug


def unique_slug(base: str, taken: set[str], max_length: int = MAX_SLUG) -> str:
    """`base`, or `base-2`, `base-3`, … whichever is not taken, within the length limit."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        stem = _join_words(base.split("-"), max_length - len(suffix))
        slug = stem + suffix
    return slug


def report_text(report: NewReport) -> str:
    """The file of a new report: every front-matter field, filled in or left empty."""
    lines = ["---", f"title: {yaml_scalar(report.title)}", f"date: {_date(report.date)}",
             f"slug: {yaml_scalar(report.slug)}", f"place: {yaml_scalar(report.place)}",
             f"region: {yaml_scalar(report.region)}",
             f"tags: [{', '.join(yaml_scalar(tag, in_list=True) for tag in report.tags)}]",
             f"summary: {yaml_scalar(report.summary)}"]
    source = report.source
    if source is None:
        lines += ["# source:  # where the text was found, as indented fields:",
                  "#   site: ", "#   page_title: ", "#   section: ", "#   url: "]
    else:
        lines.append("source:")
        for name in ("site", "page_title", "section", "url", "capture", "capture_sha256"):
            value = getattr(source, name)
            if value is not None:
                lines.append(f"  {name}: {yaml_scalar(value)}")
    lines += ["---", "", report.body.strip("\n"), ""]
    return "\n".join(line.rstrip() for line in lines)


def _date(value: str) -> str:
    # Written plain as the README shows it; YAML's own reading of it does not matter.
    return value if re.fullmatch(r"[0-9X]{4}(?:-[0-9]{2}){0,2}\??", value) else yaml_scalar(value)


def yaml_scalar(value: str | None, in_list: bool = False) -> str:
    """`value` as YAML reads it back as the same text: plain where that is safe, else in
    double quotes (JSON's string syntax is YAML's)."""
    if value is None:
        return ""
    probe = f"k: [{value}]" if in_list else f"k: {value}"
    node, problems = parse_yaml(probe, Path("-"))
    if not problems and isinstance(node, Mapping):
        found = node.get("k")
        if in_list and isinstance(found, Seq) and len(found.items) == 1:
            found = found.items[0]
        if isinstance(found, Scalar) and found.kind == "text" and found.text == value \
                and value == value.strip():
            return value
    return json.dumps(value, ensure_ascii=False)


def check_report(report: NewReport, path: Path) -> list[str]:
    """Everything the build would refuse in this report, as messages without a file
    position (the file does not exist yet)."""
    messages = []
    try:
        parse_date(report.date)
    except DateError as exc:
        messages.append(f"--date {exc.problem} — write `--date {exc.instead}`" if exc.instead
                        else f"--date {exc}")
        report = replace(report, date="2000-01-01")  # to check the other fields still
    if not SLUG.match(report.slug):
        messages.append(f"slug {report.slug!r} may hold only a-z, 0-9 and single hyphens "
                        "between them — e.g. `--slug dafeng-ip-meeting`")
        report = replace(report, slug="report")
    _, problems = parse_source("report", path, report_text(report).encode("utf-8"))
    return messages + [p.message for p in problems if not p.warning]


@dataclass(frozen=True)
class NewRequest:
    """What the editor asked `ipr-archive new` for; None: make one up."""

    title: str
    date: str | None = None  # None: today
    slug: str | None = None  # None: from the title
    region: str | None = None
    tags: tuple[str, ...] = ()


def plan_new_report(site_root: Path, request: NewRequest, today: datetime.date | None = None
                    ) -> tuple[NewReport, Path]:
    """The report `ipr-archive new` would write, and where; ScaffoldError if it cannot."""
    title, date, slug, region, tags = (request.title.strip(), request.date, request.slug,
                                       request.region, request.tags)
    if not title:
        raise ScaffoldError(["the title is empty — give the report's title, e.g. "
                             "`ipr-archive new 盐城市大丰区召开知识产权联席会议`"])
    taken = taken_slugs(site_root)
    if slug is None:
        slug = unique_slug(slug_of(title), taken)
    elif slug in taken:
        raise ScaffoldError([f"slug {slug!r} is already used by a report in "
                             f"{site_root / REPORTS_DIR} — choose another --slug, or leave it "
                             "out to have one made from the title"])
    report = NewReport(title, (date or (today or datetime.date.today()).isoformat()).strip(),
                       slug, region=region.strip() if region else None,
                       tags=tuple(dict.fromkeys(t.strip() for t in tags if t.strip())))
    path = site_root / REPORTS_DIR / f"{slug}.md"
    messages = check_report(report, path)
    if messages:
        raise ScaffoldError(messages)
    return report, path


def taken_slugs(site_root: Path) -> set[str]:
    """Slugs the site's reports use: their file names and any `slug:` they declare."""
    folder = site_root / REPORTS_DIR
    taken: set[str] = set()
    if not folder.is_dir():
        return taken
    declared = re.compile(r"^slug:[ \t]*[\"']?([a-z0-9-]+)", re.MULTILINE)
    for path in folder.glob("*.md"):
        taken.add(path.stem)
        try:
            head = path.read_text("utf-8", errors="replace")[:4000]
        except OSError:
            continue
        match = declared.search(head)
        if match:
            taken.add(match[1])
    return taken


def write_new_report(site_root: Path, report: NewReport) -> Path:
    """Create content/reports/<slug>.md; never replaces an existing file."""
    path = site_root / REPORTS_DIR / f"{report.slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(report_text(report))
    return path
