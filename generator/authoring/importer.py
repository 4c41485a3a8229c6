"""Import a scraped page: its sections become reports, its related titles links.

The page is shaped like the archive's seed: a page title, an update line (`更新时间:…`,
which on such pages often names the site instead of a time), sections headed by a common
stem and a number (`…总结一`, `…总结二`), or `一、…` / `（一）…`, and a tail of
related-article titles. Parsing and planning are pure; `write_import` is the only code
that touches the site, and it only creates files and appends to the links file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, SiteError, error
from ..source.content import LINKS_FILE, REPORTS_DIR, Content, Source, load_content, load_links
from ..source.dates import DateError, parse_date
from ..source.textfile import read_source_text
from ..source.yamlnodes import Seq, parse_yaml
from .new import (
    NewReport,
    check_report,
    report_text,
    slug_of,
    taken_slugs,
    unique_slug,
    yaml_scalar,
)

_NUMERALS = "一二三四五六七八九十"
_NUMBER = rf"[{_NUMERALS}]{{1,3}}|[0-9]{{1,2}}"
_HEADINGS = (  # (style, pattern): a heading is short, and numbered in one of these ways
    ("suffix", re.compile(rf"^(?P<stem>\S.*?)第?(?P<num>{_NUMBER})(?:篇|部分|则)?$")),
    ("prefix", re.compile(rf"^第?(?P<num>{_NUMBER})(?:篇|部分|则)?[、.．]\s*(?P<stem>\S.*)$")),
    ("paren", re.compile(rf"^[（(](?P<num>{_NUMBER})[)）]\s*(?P<stem>\S.*)$")),
)
_SENTENCE_PUNCTUATION = re.compile(r"[，,。；;！!？?]")
_UPDATE_LINE = re.compile(r"^(?:更新时间|更新日期|发布时间|发布日期|时间|日期)\s*[:：]"
                          r"\s*(?P<value>.*)$")
_DATE_TIME = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
                        r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
_TAIL_MARKERS = {"相关文章", "相关阅读", "相关推荐", "推荐阅读", "延伸阅读", "猜你喜欢", "热门文章"}
_MAX_TITLE_LINE = 60
_DAY = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日")
_MONTH = re.compile(r"(?P<year>\d{4})年(?P<month>\d{1,2})月")
_LEADING_DATE = re.compile(r"^(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:上午|下午|晚上|晚)?[,，、\s]*")
_INDENT = " \t\u3000\u00a0"  # scraped paragraphs are often indented with ideographic spaces
_MIN_TITLE = 6  # a first clause shorter than this (据悉) is extended to the next one


@dataclass(frozen=True)
class Section:
    label: str  # the heading as written: 知识产权联席会议总结一
    line: int
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ScrapedPage:
    title: str
    site: str | None  # what the update line names besides a time, if anything
    sections: tuple[Section, ...]
    related: tuple[str, ...]  # related-article titles, in page order, without repeats


@dataclass(frozen=True)
class ImportPlan:
    reports: tuple[tuple[Path, str], ...]  # (file to create, its text)
    kept: tuple[tuple[str, Path], ...]  # (section, the report that already holds it)
    links_path: Path
    links_added: tuple[str, ...]
    links_known: tuple[str, ...]  # related titles the links file already lists
    links_text: str  # text to append to the links file ("" if nothing)


def parse_page(text: str, path: Path) -> ScrapedPage:
    """Read a scraped page; SiteError with every reason it cannot be read as one."""
    lines = [(number, line.strip(_INDENT)) for number, line in
             enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)]
    entries = [(number, line) for number, line in lines if line]
    if not entries:
        raise SiteError([error(path, 0, "the file is empty — give a scraped page: its title, "
                                        "its sections, and any related titles")])
    title_line, title = entries[0]
    problems = []
    if len(title) > _MAX_TITLE_LINE or "。" in title:
        problems.append(error(path, title_line, "the first line should be the page's title, but "
                                                "it reads like a paragraph — put the title first"))
    rest = entries[1:]
    site = None
    if rest and (update := _UPDATE_LINE.match(rest[0][1])):
        site = _DATE_TIME.sub("", update["value"]).strip(" \t\u3000:：|") or None
        rest = rest[1:]
    headings = _headings(rest)
    if not headings:
        problems.append(error(path, title_line, "no section headings found — the importer "
                                                "expects headings numbered in order, such as "
                                                "`…总结一` `…总结二`, `一、…` or `（一）…`, "
                                                "each on a line of its own"))
        raise SiteError(problems)
    first = rest.index(headings[0])
    for number, line in rest[:first]:
        problems.append(error(path, number, f"text before the first section heading "
                                            f"({line[:20]!r}) is not part of any section — "
                                            "remove it, or make it a section of its own"))
    body_end, related = _tail(rest, rest.index(headings[-1]))
    sections = []
    for index, (number, label) in enumerate(headings):
        start = rest.index((number, label)) + 1
        end = rest.index(headings[index + 1]) if index + 1 < len(headings) else body_end
        paragraphs = tuple(line for _, line in rest[start:end])
        if not paragraphs:
            problems.append(error(path, number, f"section {label!r} has no text — remove the "
                                                "heading, or add the section's text below it"))
        sections.append(Section(label, number, paragraphs))
    if problems:
        raise SiteError(problems)
    return ScrapedPage(title, site, tuple(sections), tuple(dict.fromkeys(related)))


def _headings(entries: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The longest run of lines numbered 1, 2, 3, … in one style (and, for `…总结一`, with
    one stem): a paragraph that happens to end in a numeral does not start a run at 1."""
    chains: list[list[tuple[int, str]]] = []
    open_chains: dict[tuple, tuple[int, list]] = {}  # style key -> (last number, chain)
    for entry in entries:
        line = entry[1]
        if len(line) > 40 or _SENTENCE_PUNCTUATION.search(line):
            continue
        for style, pattern in _HEADINGS:
            match = pattern.match(line)
            if not match:
                continue
            number = _number(match["num"])
            key = (style, match["stem"] if style == "suffix" else "")
            last = open_chains.get(key)
            if number == 1:
                chain = [entry]
                chains.append(chain)
                open_chains[key] = (1, chain)
            elif last and number == last[0] + 1:
                last[1].append(entry)
                open_chains[key] = (number, last[1])
            break
    return max(chains, key=len, default=[])


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate(_NUMERALS[:9], 1)}
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return digits.get(tens, 1) * 10 + digits.get(ones, 0)
    return digits.get(text, 0)


def _tail(entries: list[tuple[int, str]], last_heading: int) -> tuple[int, list[str]]:
    """Where the last section's text ends, and the related titles after it: short lines
    that are not sentences, from the end of the page back (the section keeps at least
    one paragraph), or everything after a marker such as 相关文章."""
    for index in range(last_heading + 1, len(entries)):
        if entries[index][1].rstrip("：:") in _TAIL_MARKERS:
            return index, [line for _, line in entries[index + 1:]
                           if line.rstrip("：:") not in _TAIL_MARKERS]
    start = len(entries)
    while start - 1 > last_heading + 1 and _title_like(entries[start - 1][1]):
        start -= 1
    return start, [line for _, line in entries[start:]]


def _title_like(line: str) -> bool:
    return (len(line) <= _MAX_TITLE_LINE and "。" not in line
            and not re.search(r"[。！？!?；;，,：:…”」）)]$", line))


def report_of(section: Section, page: ScrapedPage, path: Path,
              slug: str) -> tuple[NewReport | None, list[Problem]]:
    """A section as a report: title and date from its first sentence, the page as source."""
    first = section.paragraphs[0]
    sentence = re.split(r"(?<=[。！？!?])", first, maxsplit=1)[0]
    date = _date_in(sentence) or _date_in(first)
    problems = []
    if date is None:
        problems.append(error(path, section.line, f"section {section.label!r} gives no date "
                                                  "in its first paragraph (such as 5月10日 or "
                                                  "2015年6月18日) — add the date the source "
                                                  "gives to the text, then import again"))
    title = _title_of(sentence)
    if not title:
        problems.append(error(path, section.line, f"section {section.label!r} has no first "
                                                  "sentence to make a title of — check the "
                                                  "section's first paragraph"))
    if problems:
        return None, problems
    assert date is not None  # else a problem above
    source = Source(site=page.site, page_title=page.title, section=section.label)
    return NewReport(title, date, slug or slug_of(title), source=source,
                     body="\n\n".join(section.paragraphs)), []


def _date_in(text: str) -> str | None:
    """`XXXX-MM-DD` for a month and day (the year is unknown, never guessed), else the
    full date, else a year and month."""
    for pattern in (_DAY, _MONTH):
        for match in pattern.finditer(text):
            year = match["year"] or "XXXX"
            day = f"-{int(match['day']):02d}" if "day" in match.groupdict() else ""
            written = f"{year}-{int(match['month']):02d}{day}"
            try:
                parse_date(written)
            except DateError:
                continue  # 13月40日 is not a date; look further
            return written
    return None


def _title_of(sentence: str) -> str:
    text = _LEADING_DATE.sub("", sentence).strip().rstrip("。！？!?")
    clauses = re.split(r"(?<=[,，;；])", text)
    title = ""
    for clause in clauses:
        title += clause
        if len(title.rstrip(",，;；")) >= _MIN_TITLE:
            break
    return title.rstrip(",，;；").strip()


def plan_import(page: ScrapedPage, page_path: Path, site_root: Path) -> ImportPlan:
    """What importing `page` into the site would create; SiteError if it cannot."""
    content, _ = load_content(site_root)
    problems: list[Problem] = []
    links_path = site_root / LINKS_FILE
    links = load_links(links_path, problems)
    if any(not p.warning for p in problems):
        raise SiteError([*problems, error(links_path, 0, "the links file has errors, so no "
                                                         "titles can be added to it — fix "
                                                         "them first (`ipr-archive check`)")])
    taken = taken_slugs(site_root)
    reports, kept = [], []
    for section in page.sections:
        existing = _archived(section, page, content)
        if existing is not None:
            kept.append((section.label, existing))
            continue
        report, found = report_of(section, page, page_path, "")
        problems.extend(found)
        if report is None:
            continue
        slug = unique_slug(report.slug, taken)
        taken.add(slug)
        report = NewReport(report.title, report.date, slug, source=report.source,
                           body=report.body)
        out = site_root / REPORTS_DIR / f"{slug}.md"
        problems.extend(error(page_path, section.line, f"section {section.label!r}: {message}")
                        for message in check_report(report, out))
        reports.append((out, report_text(report)))
    if problems:
        raise SiteError(problems)
    known = {(link.title, _page_of(link.source)) for link in links}
    here = (page.site, page.title)
    added = tuple(t for t in page.related if (t, here) not in known and (t, None) not in known)
    text = _links_text(added, page, links_path.exists() and links_path.stat().st_size > 0)
    _check_links_text(links_path, text, len(links) + len(added))
    return ImportPlan(tuple(reports), tuple(kept), links_path, added,
                      tuple(t for t in page.related if t not in added), text)


def _archived(section: Section, page: ScrapedPage, content: Content) -> Path | None:
    """The report that already holds this section: same source section, or same text."""
    body = "\n\n".join(section.paragraphs)
    for report in content.reports:
        source = report.source
        if report.body == body or (source is not None and source.page_title == page.title
                                   and source.section == section.label
                                   and source.site == page.site):
            return report.src_path
    return None


def _page_of(source: Source | None) -> tuple[str | None, str | None] | None:
    return None if source is None else (source.site, source.page_title)


def _links_text(titles: tuple[str, ...], page: ScrapedPage, file_has_text: bool) -> str:
    """Entries written as README shows them, to be appended: the file's own text and
    comments are never rewritten."""
    if not titles:
        return ""
    parts = [] if file_has_text else [
        "# Related-article titles listed at the foot of source pages, verbatim and in page "
        "order.\n"]
    for title in titles:
        entry = f"\n- title: {yaml_scalar(title)}\n  source:\n"
        if page.site:
            entry += f"    site: {yaml_scalar(page.site)}\n"
        entry += f"    page_title: {yaml_scalar(page.title)}\n"
        parts.append(entry)
    return "".join(parts)


def _check_links_text(links_path: Path, text: str, expected: int) -> None:
    """The links file as it would be after appending must still be one list of entries."""
    if not text:
        return
    old = links_path.read_text("utf-8-sig") if links_path.exists() else ""
    joined = old + ("" if not old or old.endswith("\n") else "\n") + text
    root, problems = parse_yaml(joined, links_path)
    if problems or not isinstance(root, Seq) or len(root.items) != expected:
        raise SiteError([error(links_path, 0, "new titles cannot be appended to this file as "
                                              "`- title: …` entries — write it as a list of "
                                              "such entries (see README), then import again")])


def write_import(plan: ImportPlan) -> list[Path]:
    """Create the planned reports (never replacing a file) and append the new titles.
    If anything fails, the reports this call created are removed again."""
    created: list[Path] = []
    try:
        for path, text in plan.reports:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                created.append(path)
                handle.write(text)
        if plan.links_text:
            plan.links_path.parent.mkdir(parents=True, exist_ok=True)
            old = plan.links_path.read_bytes() if plan.links_path.exists() else b""
            with open(plan.links_path, "a", encoding="utf-8", newline="\n") as handle:
                handle.write(("\n" if old and not old.endswith(b"\n") else "") + plan.links_text)
    except OSError:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


def import_page(page_path: Path, site_root: Path) -> ImportPlan:
    """Read and plan the import of one scraped page file."""
    text, problems = read_source_text(page_path)
    if text is None:
        raise SiteError(problems)
    return plan_import(parse_page(text, page_path), page_path, site_root)
