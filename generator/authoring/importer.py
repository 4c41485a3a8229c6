"""Import a scraped page: its sections become reports, its related titles links.

The page is shaped like the archive's seed: a page title, an update line (`更新时间:…`,
which on such pages often names the site instead of a time, or `发布时间：… 来源：…
浏览次数：…`, each part to its field), sections headed by a common stem and a number
(`…总结一`, `…总结二`), or `一、…` / `（一）…`, and a tail of related-article titles. A
page without section headings is one article: the page's title is the report's.
Parsing and planning are pure; `write_import` is the only code
that touches the site, and it only creates files and appends to the links file.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, SiteError, error
from ..source.content import (
    CAPTURES_DIR,
    LINKS_FILE,
    REPORTS_DIR,
    Content,
    Source,
    load_content,
    load_links,
)
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
# The parts of an update line, by label: a time, the site, or noise that is dropped.
_TIME_LABELS = ("更新时间", "更新日期", "发布时间", "发布日期", "发表时间", "成文日期",
                "时间", "日期")
_SITE_LABELS = ("信息来源", "文章来源", "来源网站", "来源单位", "来源")
_NOISE_LABELS = ("浏览次数", "浏览量", "阅读次数", "阅读量", "点击次数", "点击数", "点击量",
                 "访问量", "访问次数", "浏览", "阅读", "点击", "作者", "责任编辑", "编辑",
                 "字号", "字体")
_LABEL = re.compile("(?P<label>" + "|".join(_TIME_LABELS + _SITE_LABELS + _NOISE_LABELS)
                    + r")\s*[:：]")
_UPDATE_LINE = re.compile(r"^[【\[]?(?:" + "|".join(_TIME_LABELS + _SITE_LABELS) + r")\s*[:：]")
_DATE_TIME = re.compile(r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*"
                        r"(?P<day>\d{1,2})\s*日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?")
_PART_EDGES = " \t\u3000\u00a0|｜丨/【】[]()（）:："
_TAIL_MARKERS = {"相关文章", "相关阅读", "相关推荐", "推荐阅读", "延伸阅读", "猜你喜欢", "热门文章"}
_MAX_TITLE_LINE = 60
_DAY = re.compile(r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日")
_MONTH = re.compile(r"(?P<year>\d{4})年(?P<month>\d{1,2})月")
# A year alone dates a section only where it opens the sentence: `2022年，…`, not `2022年以来`.
_YEAR = re.compile(r"^(?P<year>\d{4})年(?=[,，、\s])")
_LEADING_DATE = re.compile(r"^(?:(?:\d{4}年)?\d{1,2}月\d{1,2}日|\d{4}年(?=[,，、\s]))"
                           r"(?:上午|下午|晚上|晚)?[,，、\s]*")
_INDENT = " \t\u3000\u00a0"  # scraped paragraphs are often indented with ideographic spaces
_MIN_TITLE = 6  # a first clause shorter than this (据悉) is extended to the next one


@dataclass(frozen=True)
class Section:
    label: str  # the heading as written: 知识产权联席会议总结一; "" for a one-article page
    line: int
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ScrapedPage:
    title: str
    site: str | None  # the update line's 来源, or what it names besides a time
    sections: tuple[Section, ...]
    related: tuple[str, ...]  # related-article titles, in page order, without repeats
    date: str | None = None  # the update line's time, as a front-matter date
    url: str | None = None  # where the page was published, when known
    capture: Capture | None = None  # the saved web page the text was extracted from

    @property
    def single(self) -> bool:
        """One article, without section headings: the page's title is the report's."""
        return len(self.sections) == 1 and not self.sections[0].label


@dataclass(frozen=True)
class Capture:
    """A saved web page, kept byte for byte in the archive beside its report."""

    data: bytes
    sha256: str


@dataclass(frozen=True)
class UpdateLine:
    """What an update line says: the site, the time as a front-matter date."""

    site: str | None
    date: str | None


def read_update_line(line: str) -> UpdateLine | None:
    """`发布时间：2023年4月26日 10:30　来源：某市市场监督管理局　浏览次数：1024` into its
    parts, the noise dropped; a time label naming no time names the site (`更新时间:高考猫`).
    None if the line is no update line."""
    line = line.strip(_INDENT)
    if not _UPDATE_LINE.match(line):
        return None
    labels = list(_LABEL.finditer(line))
    site = date = leftover = None
    for index, match in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(line)
        value = line[match.end():end].strip(_PART_EDGES)
        label = match["label"]
        if label in _TIME_LABELS:
            found = _DATE_TIME.search(value)
            if found and date is None:
                date = _iso(found)
            rest = _DATE_TIME.sub("", value).strip(_PART_EDGES)
            leftover = leftover or rest or None
        elif label in _SITE_LABELS and site is None:
            site = value or None
    return UpdateLine(site or leftover, date)


def _iso(match: re.Match) -> str | None:
    written = f"{match['year']}-{int(match['month']):02d}-{int(match['day']):02d}"
    try:
        parse_date(written)
    except DateError:
        return None
    return written


@dataclass(frozen=True)
class ImportPlan:
    reports: tuple[tuple[Path, str], ...]  # (file to create, its text)
    captures: tuple[tuple[Path, bytes], ...]  # (saved web page to keep, its bytes)
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
    update = read_update_line(rest[0][1]) if rest else None
    if update is not None:
        rest = rest[1:]
    site, date = (update.site, update.date) if update else (None, None)
    headings = _headings(rest)
    if not headings:
        return _one_article(title, title_line, rest, path, problems, site, date)
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
    return ScrapedPage(title, site, tuple(sections), tuple(dict.fromkeys(related)), date)


def _one_article(title: str, title_line: int, rest: list[tuple[int, str]], path: Path,
                 problems: list[Problem], site: str | None, date: str | None) -> ScrapedPage:
    """A page without section headings: one article. Only lines after a marker such as
    相关文章 are related titles; an article's last lines (a signature, a date) stay its own."""
    body_end, related = len(rest), []
    for index, (_, line) in enumerate(rest):
        if line.rstrip("：:") in _TAIL_MARKERS:
            body_end = index
            related = [text for _, text in rest[index + 1:]
                       if text.rstrip("：:") not in _TAIL_MARKERS]
            break
    paragraphs = tuple(line for _, line in rest[:body_end])
    if not paragraphs:
        problems.append(error(path, title_line, "the page has no text besides its title — give "
                                                "the article's paragraphs after the title, or "
                                                "sections headed `…一` `…二`, `一、…` or "
                                                "`（一）…`"))
    if problems:
        raise SiteError(problems)
    return ScrapedPage(title, site, (Section("", rest[0][0], paragraphs),),
                       tuple(dict.fromkeys(related)), date)


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
    problems = []
    if page.single:  # the page's own title and date, else its first sentence's date
        title = page.title
        date = page.date or _date_in(sentence) or _date_in(first)
        if date is None and page.capture is not None:
            problems.append(error(path, section.line, (
                "the page gives no date: no line such as `发布时间：2023-04-26` or "
                "`日期：2023年4月26日`, and none in the article's first sentence — import "
                "the article as text instead: its title, a line `发布时间：…` with the date "
                "the source gives, then its paragraphs")))
        elif date is None:
            problems.append(error(path, section.line, (
                "the article gives no date: no `发布时间：` or `日期：` line under its title, "
                "and none in its first sentence (such as 2023年4月26日 or 2022年，…) — add "
                "the update line the source shows, such as `发布时间：2023-04-26`, under the "
                "title, then import again")))
    else:
        date = _date_in(sentence) or _date_in(first)
        if date is None:
            problems.append(error(path, section.line, (
                f"section {section.label!r} gives no date in its first paragraph (such as "
                "5月10日, 2015年6月18日 or 2022年，…) — give the date as the source does, in "
                "the update line under the page's title or in the section's text, then "
                "import again")))
        title = _title_of(sentence)
        if not title:
            problems.append(error(path, section.line, f"section {section.label!r} has no first "
                                                      "sentence to make a title of — check the "
                                                      "section's first paragraph"))
    if problems:
        return None, problems
    assert date is not None  # else a problem above
    capture = page.capture
    source = Source(site=page.site, page_title=page.title, section=section.label or None,
                    url=page.url, capture=capture_path(slug) if capture else None,
                    capture_sha256=capture.sha256 if capture else None)
    return NewReport(title, date, slug or slug_of(title), source=source,
                     body=body_of(section)), []


# What Markdown would read as markup in a line of plain text: inline marks anywhere, an
# entity, and at the start of a line a heading, quote, list item, rule or definition.
_INLINE_MARKS = re.compile(r"([\\`*_\[\]<~]|&(?=#?[A-Za-z0-9]+;))")
_LINE_START_MARK = re.compile(r"^[ \t]*(?:([#>:=+-])|(\d{1,9})([.)]))?", re.MULTILINE)


def body_of(section: Section) -> str:
    """A section's paragraphs as Markdown that shows exactly their text: `1. 第一项`,
    `# 注` or `<TRIPS协议>` in a source are text, never a list, a heading or a tag."""
    return "\n\n".join(markdown_text(paragraph) for paragraph in section.paragraphs)


def markdown_text(text: str) -> str:
    """Plain text as Markdown that renders to the same text: each mark backslash-escaped,
    and the spaces a line starts with (which a page does not show, and four of which make
    code) left out."""
    text = _INLINE_MARKS.sub(r"\\\1", text)
    return _LINE_START_MARK.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match) -> str:
    mark, number, after = match.groups()
    if mark:
        return "\\" + mark
    return f"{number}\\{after}" if number else ""


def capture_path(slug: str) -> str:
    """Where the saved web page of a report is kept, from the site root."""
    return f"{CAPTURES_DIR.as_posix()}/{slug}.html"


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
    year = _YEAR.match(text)
    return year["year"] if year and year["year"] != "0000" else None


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
    reports, kept, captures = [], [], []
    for section in page.sections:
        existing = _archived(section, page, content)
        if existing is not None:
            kept.append((section.label or page.title, existing))
            continue
        report, found = report_of(section, page, page_path, "")
        problems.extend(found)
        if report is None:
            continue
        slug = unique_slug(report.slug, taken)
        if page.capture is not None:  # a slug whose capture name is free, too
            while (site_root / capture_path(slug)).exists():
                taken.add(slug)
                slug = unique_slug(report.slug, taken)
            captures.append((site_root / capture_path(slug), page.capture.data))
        taken.add(slug)
        source = report.source
        if source is not None and source.capture is not None:
            source = dataclasses.replace(source, capture=capture_path(slug))
        report = NewReport(report.title, report.date, slug, source=source, body=report.body)
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
    return ImportPlan(tuple(reports), tuple(captures), tuple(kept), links_path, added,
                      tuple(t for t in page.related if t not in added), text)


def _archived(section: Section, page: ScrapedPage, content: Content) -> Path | None:
    """The report that already holds this section: same source section, same address, or
    same text."""
    body = body_of(section)
    for report in content.reports:
        source = report.source
        if report.body == body or (source is not None and source.page_title == page.title
                                   and source.section == (section.label or None)
                                   and source.site == page.site) or (
                source is not None and page.url is not None and source.url == page.url):
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
    """Create the planned captures and reports (never replacing a file) and append the new
    titles. If anything fails, the files this call created are removed again."""
    created: list[Path] = []
    try:
        for path, data in plan.captures:  # before its report, which names it
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as binary:
                created.append(path)
                binary.write(data)
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
