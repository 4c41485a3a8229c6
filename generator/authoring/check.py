"""`ipr-archive check`: build into a temporary folder and report what is wrong.

Reported, each at the source file and line it comes from where there is one: every
problem the build finds; every internal link or `#anchor` in the built pages that leads
nowhere; pages no other page links to; and scraping artifacts in the reports' text
(lint.py), less those a report keeps on purpose in `as_found`. The site's own files,
its output and its build cache are not touched.
"""
from __future__ import annotations

import hashlib
import posixpath
import tempfile
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import urls
from ..build.pipeline import BuildOptions, build
from ..build.workers import default_jobs, map_in_order
from ..errors import Problem, SiteError, error, warning
from ..source.content import (
    CAPTURES_DIR,
    Content,
    Page,
    Report,
    load_content,
    parsed_once,
    split_front_matter,
)
from ..source.fields import is_unknown_field
from ..source.textfile import read_source_text
from .lint import lint_body

# Elements whose address attribute must lead to a file of the site.
# A form's action leads a reader to a page too (the header's search box to search/).
_LINKING = {"a": "href", "area": "href", "form": "action", "link": "href", "img": "src",
            "script": "src", "source": "src", "iframe": "src", "audio": "src", "video": "src"}
# Pages a reader reaches without a link: the home page, and the server's not-found page.
_ENTRY_PAGES = {str(urls.HOME), str(urls.NOT_FOUND)}


@dataclass(frozen=True)
class CheckResult:
    problems: tuple[Problem, ...]  # errors and warnings, sorted by file and line
    acknowledged: int  # lint findings a report keeps on purpose (as_found)
    built: bool  # False: the build failed, so links and pages were not checked
    pages: int  # HTML pages checked
    reports: int  # reports linted

    @property
    def errors(self) -> int:
        return sum(not p.warning for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.warning for p in self.problems)


def check_site(site_root: Path, *, strict: bool = False, jobs: int | None = None) -> CheckResult:
    """Check the site at `site_root`. With `strict`, the check's own warnings (text lint,
    unlinked pages, links that work only on a server) and unknown fields count as errors;
    the build's other warnings (a setting left unset) stay warnings."""
    problems: list[Problem] = []  # the build's own: its warnings stay warnings
    findings: list[Problem] = []  # this check's: errors with `strict`
    pages = 0
    with tempfile.TemporaryDirectory(prefix="ipr-archive-check-") as temp, parsed_once():
        # Loaded first, in this process: the build's parsing, here or in the workers it
        # forks, then takes these results instead of parsing each file a second time.
        content, _ = load_content(site_root)  # its problems are the build's, reported below
        out = Path(temp) / "site"
        try:
            result = build(site_root, out, BuildOptions(jobs=jobs, use_cache=False))
        except SiteError as exc:
            problems += exc.problems
            built = False
        else:
            problems += result.warnings
            built = True
            found, pages = check_output(out, content, jobs)
            findings += found
    problems += check_captures(site_root, content)
    acknowledged = 0
    for report in content.reports:
        found, count = lint_report(report)
        findings += found
        acknowledged += count
    if strict:
        findings = [replace(p, warning=False) for p in findings]
        problems = [replace(p, warning=False) if is_unknown_field(p) else p for p in problems]
    return CheckResult(tuple(sorted(set(problems + findings))), acknowledged, built, pages,
                       len(content.reports))


def check_captures(site_root: Path, content: Content) -> list[Problem]:
    """Every saved web page a report names is in the archive, with the SHA-256 it names;
    a saved page no report names is a warning."""
    problems = []
    named = {report.source.capture for report in content.reports
             if report.source is not None and report.source.capture is not None}
    folder = site_root / CAPTURES_DIR
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if (CAPTURES_DIR / path.name).as_posix() not in named and not path.name.startswith("."):
            problems.append(warning(path, 0, (
                "no report names this saved page in source.capture — name it in the report "
                "imported from it, or remove it")))
    for report in content.reports:
        source = report.source
        if source is None or source.capture is None:
            continue
        path = site_root / source.capture
        try:
            found = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            problems.append(error(report.src_path, report.line_of("source"), (
                f"the saved page {source.capture} cannot be read ({exc.strerror}) — put the "
                "page as it was captured back at that path, or remove source.capture and "
                "source.capture_sha256")))
            continue
        if found != source.capture_sha256:
            problems.append(error(report.src_path, report.line_of("source"), (
                f"the saved page {source.capture} has the SHA-256 {found}, not the "
                f"{source.capture_sha256} the report gives: it is not the page that was "
                "captured — put the captured page back (from a copy of the archive), or, "
                "if this file is the capture, write its SHA-256 in source.capture_sha256")))
    return problems


def lint_report(report: Report) -> tuple[list[Problem], int]:
    """A report's lint findings as warnings at their file lines, and how many it keeps."""
    text, problems = read_source_text(report.src_path)
    if text is None:
        return problems, 0
    _, body, _ = split_front_matter(text, report.src_path)
    result = lint_body(body, body_first_line(text), report.as_found)
    return [warning(report.src_path, f.line, f.message) for f in result.findings], \
        result.acknowledged


def body_first_line(text: str) -> int:
    """The file line a report's body starts on, as split_front_matter cuts it."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            line = index + 2  # the line after the closing `---`, counted from 1
            while line <= len(lines) and lines[line - 1] == "":
                line += 1
            return line
    return 1


# --- the built pages ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Anchor:
    href: str
    line: int  # in the HTML file
    navigates: bool  # an <a>/<area> a reader follows (images and styles do not link pages)


class _PageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[_Anchor] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("id",) + (("name",) if tag == "a" else ()):
            if attributes.get(name):
                self.ids.add(attributes[name])
        wanted = _LINKING.get(tag)
        if wanted and attributes.get(wanted) is not None:
            self.links.append(_Anchor(attributes[wanted], self.getpos()[0],
                                      tag in ("a", "area", "form")))

    handle_startendtag = handle_starttag


@dataclass(frozen=True)
class _Scanned:
    ids: frozenset[str]
    links: tuple[_Anchor, ...]


def _scan_page(path: Path) -> _Scanned:
    reader = _PageReader()
    reader.feed(path.read_text("utf-8", errors="replace"))
    reader.close()
    return _Scanned(frozenset(reader.ids), tuple(reader.links))


def check_output(out: Path, content: Content,
                 jobs: int | None = None) -> tuple[list[Problem], int]:
    """Broken links and anchors, and pages nothing links to, in a built site at `out`."""
    # Output paths as posix text: a site has tens of thousands of links to resolve.
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    pages = sorted(f for f in files if f.endswith(".html"))
    # Parsing the HTML is most of a check's own time: spread it over the cores.
    read = dict(zip(pages, map_in_order(_scan_page, [out / rel for rel in pages],
                                        jobs or default_jobs()), strict=True))
    locate = _Locator(content)
    problems: list[Problem] = []
    linked: set[str] = set()
    followed: dict[tuple[str, str], tuple[str | None, str | None, bool]] = {}
    for rel, page in read.items():
        folder = posixpath.dirname(rel)
        for anchor in page.links:
            href = anchor.href.strip()
            parts = urlsplit(href)
            if not href or parts.scheme or href.startswith("//"):
                continue  # an address elsewhere: not this site's to check
            target: str | None
            if not parts.path:
                target, message, is_error = rel, None, False
            else:
                key = (folder, parts.path)
                if key not in followed:  # pages in one folder share most of their links
                    followed[key] = _follow(folder, parts.path, files)
                target, message, is_error = followed[key]
            if message is None and parts.fragment:
                fragment = unquote(parts.fragment)
                if target in read and fragment not in read[target].ids:
                    message = (f"link {href!r} points to an anchor #{fragment} that "
                               f"{target} does not have — link to one of the page's headings "
                               "or remove the #part")
                    is_error = True
            if message is not None:
                path, line = locate(rel, href, anchor.line)
                problems.append(Problem(path, line, message, warning=not is_error))
            if anchor.navigates and target is not None and target != rel:
                linked.add(target)
    for rel in pages:
        if rel not in linked and rel not in _ENTRY_PAGES:
            path, line = locate.page(rel)
            problems.append(warning(path, line, f"no other page links to {rel} — link to it "
                                                "from another page, or remove it"))
    return problems, len(pages)


def _follow(folder: str, path: str, files: set[str]) -> tuple[str | None, str | None, bool]:
    """(the output file a link's path leads from `folder`, a message if it leads nowhere
    good, whether that is an error)."""
    shown = unquote(path)
    root_relative = shown.startswith("/")
    joined = posixpath.normpath(shown.lstrip("/") if root_relative
                                else posixpath.join(folder, shown))
    if joined == ".." or joined.startswith("../"):
        return None, (f"link {path!r} leads outside the site — link to a page of the site, "
                      "or give a full https:// address"), True
    if joined not in files and f"{joined}/index.html" in files:
        return f"{joined}/index.html", (f"link {path!r} names a folder: it works on a web "
                                        f"server but not opened from disk — link to "
                                        f"{joined}/index.html instead"), False
    if joined not in files:
        return None, (f"link {path!r} leads to {joined}, which the site does not have — "
                      "correct the address or remove the link"), True
    if root_relative:
        return joined, (f"link {path!r} starts with / and breaks when the site is published "
                        "under a subpath or opened from disk — write it relative to this "
                        "page"), False
    return joined, None, False


class _Locator:
    """Where in the sources a built page, and a link on it, come from."""

    def __init__(self, content: Content):
        self.sources: dict[str, Report | Page] = {}
        for report in content.reports:
            self.sources.setdefault(str(urls.report_path(report.slug)), report)
        for page in content.pages:
            self.sources.setdefault(str(urls.page_path(page.slug)), page)
        self._texts: dict[Path, list[str]] = {}

    def page(self, rel: str) -> tuple[Path, int]:
        source = self.sources.get(rel)
        if source is None:  # a page the generator makes itself
            return Path(rel), 0
        return source.src_path, 1

    def __call__(self, rel: str, href: str, html_line: int) -> tuple[Path, int]:
        """The source line a link was written on; a link not written in a source comes
        from a template, and is placed at its line in the built page."""
        source = self.sources.get(rel)
        if source is not None:
            lines = self._lines(source.src_path)
            start = body_first_line("\n".join(lines))
            for spelling in dict.fromkeys((href, unquote(href))):
                for number in range(start, len(lines) + 1):
                    if spelling in lines[number - 1]:
                        return source.src_path, number
        return Path(f"{rel} (built page; the link comes from its template)"), html_line

    def _lines(self, path: Path) -> list[str]:
        if path not in self._texts:
            text, _ = read_source_text(path)
            self._texts[path] = (text or "").split("\n")
        return self._texts[path]
