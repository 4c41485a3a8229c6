"""Where pages live in the output, and relative links between them.

Every internal link is relative and names its file explicitly, so one output works at a
domain root, under a subpath, and opened from disk, where a folder URL would show a file
listing instead of the page. Reports, tags and regions are files of their own
(`reports/<slug>.html`), not folders: an archive of 100,000 reports then needs no 100,000
folders, which keeps copying and swapping the output cheap.
"""
from __future__ import annotations

import functools
import posixpath
from pathlib import PurePosixPath
from urllib.parse import quote

HOME = PurePosixPath("index.html")
ARCHIVE = PurePosixPath("archive/index.html")
TAGS = PurePosixPath("tags/index.html")
REGIONS = PurePosixPath("regions/index.html")
WORLD_IP_DAY = PurePosixPath("world-ip-day/index.html")
NOT_FOUND = PurePosixPath("404.html")
SEARCH = PurePosixPath("search/index.html")
# Written by search/index.py: the search index's first file; the others are beside it.
SEARCH_META = PurePosixPath("search/meta.js")
STATIC = PurePosixPath("static")
# Machine-readable outputs. The feed and the sitemap need absolute URLs, so they are only
# written when the site has a base_url.
FEED = PurePosixPath("feed.xml")
SITEMAP = PurePosixPath("sitemap.xml")
ROBOTS = PurePosixPath("robots.txt")
REPORTS_JSON = PurePosixPath("reports.json")
# The data downloads: the same rows as CSV, a Frictionless description of both, the page
# that explains them, and the OAI-PMH static repository (with base_url and contact_email).
REPORTS_CSV = PurePosixPath("reports.csv")
DATAPACKAGE = PurePosixPath("datapackage.json")
DATA = PurePosixPath("data/index.html")
OAI = PurePosixPath("oai.xml")
# A report's citation in each format a reference manager imports, beside its page.
CITATION_FORMATS = ("ris", "bib", "csl.json")

# Pages every site has, whatever its content.
FIXED = (HOME, ARCHIVE, TAGS, REGIONS, WORLD_IP_DAY, NOT_FOUND, SEARCH, DATA)
# First path segments that generated pages own; a page slug may not take one.
RESERVED = frozenset({"archive", "tags", "regions", "reports", "world-ip-day", "static", "files",
                      "index.html", "404.html", "search", "data"})


def report_path(slug: str) -> PurePosixPath:
    # Keep in step with validate.py, which spells this path as text for speed.
    return PurePosixPath(f"reports/{slug}.html")


def citation_path(slug: str, extension: str) -> PurePosixPath:
    """reports/<slug>.ris, .bib or .csl.json: one report's citation to take away."""
    return PurePosixPath(f"reports/{slug}.{extension}")


# Templates ask for a tag's or a region's path on every page that shows it; paths are
# immutable, so the same object serves them all (and keeps its cached string and hash).
@functools.lru_cache(maxsize=16384)
def tag_path(tag: str) -> PurePosixPath:
    return PurePosixPath("tags", f"{tag}.html")


@functools.lru_cache(maxsize=16384)
def region_path(region: str) -> PurePosixPath:
    return PurePosixPath("regions", f"{region}.html")


def year_path(year: int | None) -> PurePosixPath:
    return PurePosixPath("archive", f"{year}.html" if year else "unknown-year.html")


def page_path(slug: str) -> PurePosixPath:
    return PurePosixPath(slug, "index.html")


def numbered_path(first: PurePosixPath, number: int) -> PurePosixPath:
    """Page `number` of a list whose first page is `first`: tags/专利.html, then
    tags/专利/2.html, … Numbers count from the newest reports, and page 1 keeps the list's
    own address, so a link to a tag or a year never changes."""
    if number == 1:
        return first
    return first.parent / first.stem / f"{number}.html"


def relative_url(from_path: PurePosixPath, to_path: PurePosixPath, anchor: str = "") -> str:
    """The href that leads from the page at `from_path` to `to_path`, both output paths."""
    # Every page makes tens of these, mostly to the same targets as its neighbours: an
    # href cached per (folder, target) makes each a lookup, and keeps posixpath.relpath out
    # of the loop.
    href = _href_from_folder(_folder(from_path), to_path)
    if anchor:
        href += "#" + quote(anchor, safe="")
    return href


@functools.lru_cache(maxsize=256)
def _folder(path: PurePosixPath) -> str:
    # A page asks for tens of links in a row, all from its own folder.
    return str(path.parent)


# Neighbouring pages link to neighbouring reports, so a small cache keeps nearly every hit.
@functools.lru_cache(maxsize=4096)
def _href_from_folder(from_dir: str, to_path: PurePosixPath) -> str:
    to_dir, _, name = str(to_path).rpartition("/")
    return _folder_prefix(from_dir, to_dir) + quote(name, safe="")


@functools.lru_cache(maxsize=4096)
def _folder_prefix(from_dir: str, to_dir: str) -> str:
    """The relative path from one output folder to another, ending in / unless empty."""
    rel = posixpath.relpath(to_dir or ".", from_dir or ".")
    return "" if rel == "." else quote(rel, safe="/") + "/"


def absolute_url(base_url: str, to_path: PurePosixPath) -> str:
    """The permanent URL of an output path; `index.html` is left off folder pages."""
    path = str(to_path)
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + quote(path, safe="/")
