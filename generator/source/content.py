"""Load the archive's sources: reports and pages (Markdown with front matter) and links."""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TypeVar, cast

from ..errors import Problem, SiteError, error
from .dates import DateError, PartialDate, parse_date
from .fields import FieldReader, as_mapping
from .refs import FILES, relative_refs
from .textfile import decode_source, read_source_bytes
from .yamlnodes import Scalar, Seq, parse_yaml

REPORTS_DIR = Path("content/reports")
PAGES_DIR = Path("content/pages")
LINKS_FILE = Path("content/links.yaml")
# Attached files (refs.FILES) are published as they are: content/reports/files/ at
# reports/files/, content/pages/files/ at files/.
PUBLISHED_FILES = ((REPORTS_DIR / FILES, PurePosixPath("reports", FILES)),
                   (PAGES_DIR / FILES, PurePosixPath(FILES)))
# Saved web pages, byte for byte, each named in its report's `source.capture`.
CAPTURES_DIR = Path("content/captures")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Tags and regions name directories of the output, so they must be safe path segments.
# On Windows a `:` makes a drive letter (`C:`) or a hidden stream of the name, and device
# names such as CON or NUL are not files at all.
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f?#%:]|^\.+$|^\s|\s$"
                          r"|^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)", re.IGNORECASE)
_WEB_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)

# Limits that keep one file from multiplying into a huge site: a title or summary is
# repeated on every list that shows the report, and every tag makes pages of its own.
TEXT_LIMITS = {"title": 300, "place": 100, "summary": 1000, "description": 1000}
MAX_TAGS = 50

# The widest run of indentation and list or quote marks a body line may start with (about
# 64 levels deep): far beyond any report, far below the depth at which the sanitiser's time
# grows with its square (50,000 nested quotes take it 17 s).
MAX_NESTING_PREFIX = 256
# The longest body: 1 MiB, some 350,000 Chinese characters, twenty times the longest report
# seen. Any body within it renders in under 2 s of CPU, whatever it holds.
MAX_BODY_BYTES = 1024 * 1024
_NESTING_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]{64,}", re.MULTILINE)  # candidates, cheaply
_NESTING_MARKS = re.compile(r"(?:[ \t>]|[-*+](?=[ \t]|$)|[0-9]{1,9}[.)](?=[ \t]|$))*")

REPORT_FIELDS = ("title", "date", "slug", "place", "region", "tags", "summary", "source", "draft",
                 "as_found")
PAGE_FIELDS = ("title", "slug", "description", "draft")
SOURCE_FIELDS = ("site", "page_title", "section", "url", "retrieved", "capture",
                 "capture_sha256")
LINK_FIELDS = ("title", "url", "source")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an archived text was found."""

    site: str | None = None
    page_title: str | None = None
    section: str | None = None
    url: str | None = None
    retrieved: PartialDate | None = None
    # The saved web page the text was imported from, kept in the archive (a path from the
    # site root, under content/captures/), and the SHA-256 of its bytes.
    capture: str | None = None
    capture_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    src_path: Path
    slug: str
    title: str
    date: PartialDate
    body: str | None  # Markdown after the front matter; None if loaded from the cache
    place: str | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    source: Source | None = None
    draft: bool = False
    field_lines: tuple[tuple[str, int], ...] = ()  # (field, line) as written in the file
    digest: str = ""  # of the file's bytes: what caches and page plans key on
    # SHA-256 of the body as archived (UTF-8, LF line ends, no blank lines at either end),
    # published so that anyone can check a copy of the text against this archive.
    body_sha256: str = ""
    # Excerpts of the body that keep a source's slip on purpose (`据统计,,`): shown on the
    # report page, and `check` does not warn about slips inside them.
    as_found: tuple[str, ...] = ()
    # Relative links in the body, with their file lines (see refs.py).
    refs: tuple[tuple[str, int], ...] = ()

    def line_of(self, field: str) -> int:
        """The file line of a front-matter field, or 1 when the field is not written."""
        return dict(self.field_lines).get(field, 1)


@dataclass(frozen=True, slots=True)
class Page:
    """A standalone page such as 关于 (about)."""

    src_path: Path
    slug: str
    title: str
    body: str | None  # None if loaded from the cache: see body_text()
    description: str | None = None
    draft: bool = False
    digest: str = ""  # of the file's bytes
    refs: tuple[tuple[str, int], ...] = ()  # relative links in the body (see refs.py)


@dataclass(frozen=True)
class Link:
    """A related article's title, as listed by a source page; it may or may not be archived."""

    src_path: Path
    line: int
    title: str
    url: str | None = None
    source: Source | None = None


@dataclass(frozen=True)
class Content:
    reports: tuple[Report, ...]
    pages: tuple[Page, ...]
    links: tuple[Link, ...]


def load_content(site_root: Path) -> tuple[Content, list[Problem]]:
    """Read and parse every source under content/ (no cache); drafts are kept here."""
    problems: list[Problem] = []
    parsed = {}
    for kind, folder in (("report", REPORTS_DIR), ("page", PAGES_DIR)):
        for path in markdown_files(site_root, folder, problems):
            data, read_problems = read_source_bytes(path)
            problems.extend(read_problems)
            if data is not None:
                source, parse_problems = parse_source(kind, path, data)
                problems.extend(parse_problems)
                parsed[path] = source
    links = load_links(site_root / LINKS_FILE, problems)
    return content_of(parsed.values(), links), problems


def content_of(sources, links) -> Content:
    """Reports and pages in path order, whatever order they were parsed in."""
    ordered = sorted((s for s in sources if s is not None), key=lambda s: str(s.src_path))
    return Content(tuple(s for s in ordered if isinstance(s, Report)),
                   tuple(s for s in ordered if isinstance(s, Page)), tuple(links))


def parse_source(kind: str, path: Path, data: bytes) -> tuple[Report | Page | None,
                                                               list[Problem]]:
    """Parse one report or page from its bytes: a pure function of its arguments, and so
    done once per path and bytes within parsed_once()."""
    def parse() -> tuple[Report | Page | None, list[Problem]]:
        problems: list[Problem] = []
        return (load_report if kind == "report" else load_page)(path, data, problems), problems

    return _once(kind, path, data, parse)


T = TypeVar("T")
# What parsed_once() has parsed: (kind, path, digest of the bytes) -> (result, problems).
# A context variable, so a build in another thread parses as before; workers forked by
# a build inside the block inherit it with the rest of the process.
_parsed: ContextVar[dict[tuple[str, Path, str], tuple[object, tuple[Problem, ...]]] | None] = \
    ContextVar("_parsed", default=None)


@contextmanager
def parsed_once() -> Iterator[None]:
    """Within the block, a source (or links file) is parsed once: parsing the same path
    with the same bytes again returns the first result. `check` loads the content it
    reports on and then builds it; the build's parsing takes the load's results."""
    outer = _parsed.get()
    token = _parsed.set({} if outer is None else outer)  # a block inside one shares it
    try:
        yield
    finally:
        _parsed.reset(token)


def _once(kind: str, path: Path, data: bytes,
          parse: Callable[[], tuple[T, list[Problem]]]) -> tuple[T, list[Problem]]:
    """parse(), or within parsed_once() the result it gave for these bytes before."""
    memo = _parsed.get()
    if memo is None:
        return parse()
    key = (kind, path, digest_of(data))
    earlier = memo.get(key)
    if earlier is None:
        found, problems = parse()
        memo[key] = (found, tuple(problems))  # a tuple: no caller's list is shared
        return found, problems
    return cast(T, earlier[0]), list(earlier[1])  # stored by this kind's parse


def body_text(source: Report | Page) -> str:
    """The Markdown body of a report or page, read again from its file if the record came
    from the cache (most rebuilds never need the bodies of unchanged reports)."""
    if source.body is not None:
        return source.body
    data, problems = read_source_bytes(source.src_path)
    if data is not None and digest_of(data) != source.digest:
        # Saved again since the build read it: this body would not match the rest of the
        # page (its front matter, its digest) nor the cache key it is stored under.
        problems, data = [error(source.src_path, 0, "the file changed while the site was "
                                                    "being built — build again")], None
    text, problems = (None, problems) if data is None else decode_source(source.src_path, data)
    if text is None:
        raise SiteError(problems)
    return split_front_matter(text, source.src_path)[1]


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def markdown_files(site_root: Path, folder: Path, problems: list[Problem]) -> list[Path]:
    return [Path(entry.path) for entry in markdown_entries(site_root, folder, problems)]


def markdown_entries(site_root: Path, folder: Path,
                     problems: list[Problem]) -> list[os.DirEntry]:
    """The Markdown files in a content folder, by name; anything else there is reported."""
    directory = site_root / folder
    if not directory.is_dir():
        return []
    root = site_root.resolve()
    if not directory.resolve().is_relative_to(root):  # content/ or its folder is a link
        problems.append(error(directory, 0, "this folder is a link pointing outside the site — "
                                            "copy the files into the site instead"))
        return []
    files = []
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith((".", "#")) or entry.name.endswith("~"):
                continue  # editors' backup and lock files
            if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                problems.append(error(Path(entry.path), 0, "this link points outside the site "
                                                           "— copy the file into the site "
                                                           "instead of linking to it"))
            elif entry.name == FILES and entry.is_dir():
                continue  # the files its reports or pages link to
            elif not entry.name.endswith(".md") or not entry.is_file():
                problems.append(Problem(Path(entry.path), 0, "not a .md file; ignored",
                                        warning=True))
            else:
                files.append(entry)
    return files


def split_front_matter(text: str, path: Path) -> tuple[str, str, list[Problem]]:
    """Split `---` front matter from the body. Returns (yaml, body, problems)."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return "", "", [error(path, 1, "no front matter — start the file with a line `---`, "
                                       "then fields such as `title:` and `date:`, then `---`")]
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            body = "\n".join(lines[index + 1:]).strip("\n")
            return "\n".join(lines[1:index]), body, []
    return "", "", [error(path, 1, "the front matter opened here is never closed — add a line "
                                   "`---` after the last field")]


def _check_body_depth(text: str, body: str, path: Path) -> list[Problem]:
    """Refuse a body longer than any report, or Markdown nested deeper than any report:
    thousands of nested quotes or lists take the sanitiser seconds to minutes. Nesting is
    spelled at the start of a line, so a bounded line prefix bounds it."""
    problems: list[Problem] = []
    if len(body) > MAX_BODY_BYTES // 4 and len(body.encode("utf-8")) > MAX_BODY_BYTES:
        start = len(text.rstrip("\n")) - len(body)
        problems.append(error(path, text.count("\n", 0, start) + 1, (
            f"the text is {len(body.encode('utf-8')):,} bytes long; the limit is "
            f"{MAX_BODY_BYTES:,} — split it into several reports")))
    for match in _NESTING_PREFIX.finditer(body):
        marks = _NESTING_MARKS.match(match.group())
        assert marks is not None  # the pattern matches the empty string too
        prefix = marks.group()
        width = len(prefix.expandtabs(4))
        if width > MAX_NESTING_PREFIX:
            # The body is the end of the file, less the blank lines after it.
            start = len(text.rstrip("\n")) - len(body) + match.start()
            problems.append(error(path, text.count("\n", 0, start) + 1, (
                f"this line starts with {width:,} columns of indentation and list or quote "
                f"marks; the limit is {MAX_NESTING_PREFIX} — nest lists and quotes less deeply")))
            if len(problems) >= 10:  # enough to see the pattern
                break
    return problems


def _read_front_matter(path: Path, data: bytes,
                       problems: list[Problem]) -> tuple[FieldReader, str, int] | None:
    """The front matter's fields, the body, and the file line the body starts on."""
    text, read_problems = decode_source(path, data)
    problems.extend(read_problems)
    if text is None:
        return None
    yaml_text, body, split_problems = split_front_matter(text, path)
    problems.extend(split_problems)
    if split_problems:
        return None
    problems.extend(_check_body_depth(text, body, path))
    root, yaml_problems = parse_yaml(yaml_text, path, first_line=2)
    problems.extend(yaml_problems)
    if root is None and yaml_problems:
        return None  # unparseable; duplicate keys and bad tags still let us check the rest
    mapping = as_mapping(root, path, problems, "the front matter", 1)
    if mapping is None:
        return None
    # The body is the end of the file, less the blank lines after it.
    first_line = text.count("\n", 0, len(text.rstrip("\n")) - len(body)) + 1
    return FieldReader(mapping, path, problems), body, first_line


def load_report(path: Path, data: bytes, problems: list[Problem]) -> Report | None:
    found = _read_front_matter(path, data, problems)
    if found is None:
        return None
    fields, body, first_line = found
    fields.warn_unknown(REPORT_FIELDS, "the front matter")
    title = fields.text("title", required=True, example="盐城市大丰区召开知识产权联席会议")
    date = _read_date(fields, "date", required=True)
    slug = _read_slug(fields, path)
    place = fields.text("place")
    region = _safe_name(fields, "region", fields.text("region"))
    tags = tuple(t for t in fields.text_list("tags", "专利, 知识产权联席会议", names=True)
                 if _safe_name(fields, "tags", t))
    summary = fields.text("summary")
    source = _read_source(fields.mapping_of("source"))
    draft = fields.boolean("draft", False)
    as_found = _read_as_found(fields, body)
    _check_limits(fields, {"title": title, "place": place, "summary": summary}, tags)
    if _has_errors(problems, path):
        return None
    assert slug is not None and title is not None and date is not None  # else an error above
    field_lines = tuple((key.text, key.line) for key, _ in fields.mapping.entries)
    return Report(path, slug, title, date, body, place, region, tags, summary, source, draft,
                  field_lines, digest_of(data), body_sha256(body), as_found=as_found,
                  refs=relative_refs(body, first_line))


def load_page(path: Path, data: bytes, problems: list[Problem]) -> Page | None:
    found = _read_front_matter(path, data, problems)
    if found is None:
        return None
    fields, body, first_line = found
    fields.warn_unknown(PAGE_FIELDS, "the front matter")
    title = fields.text("title", required=True, example="关于本站")
    slug = _read_slug(fields, path)
    description = fields.text("description")
    draft = fields.boolean("draft", False)
    _check_limits(fields, {"title": title, "description": description}, ())
    if _has_errors(problems, path):
        return None
    assert slug is not None and title is not None  # else an error above
    return Page(path, slug, title, body, description, draft, digest_of(data),
                relative_refs(body, first_line))


def load_links(path: Path, problems: list[Problem]) -> list[Link]:
    if not path.is_file():
        return []
    data, read_problems = read_source_bytes(path)
    problems.extend(read_problems)
    if data is None:
        return []
    links, parse_problems = _once("links", path, data, lambda: _parse_links(path, data))
    problems.extend(parse_problems)
    return list(links)


def _parse_links(path: Path, data: bytes) -> tuple[tuple[Link, ...], list[Problem]]:
    """The entries of the links file, from its bytes."""
    problems: list[Problem] = []
    text, decode_problems = decode_source(path, data)
    problems.extend(decode_problems)
    if text is None:
        return (), problems
    root, yaml_problems = parse_yaml(text, path)
    problems.extend(yaml_problems)
    if root is None:
        return (), problems
    if not isinstance(root, Seq):
        problems.append(error(path, root.line, "the links file must be a list of entries, each "
                                               "starting with `- title: …`"))
        return (), problems
    links = []
    for item in root.items:
        mapping = as_mapping(item, path, problems, "a link entry", item.line)
        if mapping is None:
            continue
        fields = FieldReader(mapping, path, problems)
        fields.warn_unknown(LINK_FIELDS, "a link entry")
        title = fields.text("title", required=True, example="关于第17个世界知识产权日活动方案")
        url = _read_url(fields, "url")
        source = _read_source(fields.mapping_of("source"))
        if title:
            links.append(Link(path, mapping.line, title, url, source))
    return tuple(links), problems


def _has_errors(problems: list[Problem], path: Path) -> bool:
    return any(not p.warning and p.path == path for p in problems)


def _read_date(fields: FieldReader, name: str, required: bool = False) -> PartialDate | None:
    node = fields.raw(name)
    if node is None:
        if required:
            fields.missing(name, "XXXX-05-10")
        return None
    try:
        return parse_date(node.text)
    except DateError as exc:
        fields.problems.append(error(fields.path, node.line, exc.for_field(name)))
        return None


def _read_slug(fields: FieldReader, path: Path) -> str | None:
    slug = fields.text("slug")
    if slug is None:
        if SLUG.match(path.stem):
            return path.stem
        fields.problems.append(error(path, 1, f"the file name gives no usable slug ({path.stem!r})"
                                              " — add `slug: ` with lowercase ASCII letters, "
                                              "digits and hyphens, e.g. `slug: dafeng-ip-meeting`"))
        return None
    if not SLUG.match(slug):
        fields.problems.append(error(path, fields.line_of("slug"),
                                     f"slug {slug!r} may hold only a-z, 0-9 and single hyphens "
                                     "between them — e.g. `slug: dafeng-ip-meeting`"))
        return None
    return slug


def _safe_name(fields: FieldReader, name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if _UNSAFE_NAME.search(value) or len(value) > 60:
        fields.problems.append(error(fields.path, fields.line_of(name),
                                     f"{name} {value!r} cannot name a page — keep it under 60 "
                                     "characters, without / \\ : ? # % or control characters, "
                                     "and not a name Windows reserves (CON, NUL, …)"))
        return None
    return value


def _check_limits(fields: FieldReader, texts: dict[str, str | None],
                  tags: tuple[str, ...]) -> None:
    for name, value in texts.items():
        if value is not None and len(value) > TEXT_LIMITS[name]:
            fields.problems.append(error(
                fields.path, fields.line_of(name),
                f"'{name}' is {len(value):,} characters long; the limit is "
                f"{TEXT_LIMITS[name]:,} — shorten it (the full text belongs in the body)"))
    if len(tags) > MAX_TAGS:
        fields.problems.append(error(
            fields.path, fields.line_of("tags"),
            f"{len(tags):,} tags; a report may have at most {MAX_TAGS} — keep the subjects "
            "a reader would browse by"))


def _read_as_found(fields: FieldReader, body: str) -> tuple[str, ...]:
    """The body excerpts a report keeps as found; each must be in the body, or it would
    acknowledge nothing (and a slip corrected later would leave a stale note on the page)."""
    excerpts = fields.text_list("as_found", '"据统计,,", "2015?2020年"')
    node = fields.mapping.get("as_found")
    lines = {item.text.strip(): item.line for item in getattr(node, "items", ())
             if isinstance(item, Scalar)}
    for excerpt in excerpts:
        if excerpt not in body:
            fields.problems.append(error(
                fields.path, lines.get(excerpt, fields.line_of("as_found")),
                f"as_found excerpt {excerpt!r} is not in the body — copy it exactly from the "
                "text, or remove it if the slip was corrected"))
    return excerpts


def _read_url(fields: FieldReader, name: str) -> str | None:
    url = fields.text(name)
    if url is not None and not _WEB_URL.match(url):
        fields.problems.append(error(fields.path, fields.line_of(name),
                                     f"{name} {url!r} is not an http(s) address — write the full "
                                     "address, starting with https:// or http://"))
        return None
    return url


def _read_source(fields: FieldReader | None) -> Source | None:
    if fields is None:
        return None
    fields.warn_unknown(SOURCE_FIELDS, "source")
    capture = _read_capture(fields)
    capture_sha256 = fields.sha256("capture_sha256")
    if (capture is None) != (capture_sha256 is None) and \
            not _has_errors(fields.problems, fields.path):
        given, other = ("capture", "capture_sha256") if capture else \
            ("capture_sha256", "capture")
        fields.problems.append(error(fields.path, fields.line_of(given), (
            f"source.{given} is given without source.{other} — give both (as `ipr-archive "
            f"import` writes them), or neither")))
    return Source(
        site=fields.text("site"),
        page_title=fields.text("page_title"),
        section=fields.text("section"),
        url=_read_url(fields, "url"),
        retrieved=_read_date(fields, "retrieved"),
        capture=capture,
        capture_sha256=capture_sha256,
    )


def _read_capture(fields: FieldReader) -> str | None:
    """A saved page's place: a relative path under content/captures/, to an .html file."""
    path = fields.text("capture")
    if path is None:
        return None
    parts = path.split("/")
    if path.startswith(CAPTURES_DIR.as_posix() + "/") and len(parts) == 3 and \
            parts[2] not in (".html", ".htm") and parts[2].endswith((".html", ".htm")) and \
            "\\" not in path and not parts[2].startswith("."):
        return path
    fields.problems.append(error(fields.path, fields.line_of("capture"), (
        f"source.capture {path!r} must name a saved page in {CAPTURES_DIR.as_posix()}/, "
        f"from the site root — write e.g. `capture: {CAPTURES_DIR.as_posix()}/<slug>.html`")))
    return None
