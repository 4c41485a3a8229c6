"""Where pages live in the output, and relative links between them.

Every internal link is relative and names its file explicitly, so one output works at a
domain root, under a subpath, and opened from disk, where a folder URL would show a file
listing instead of the page. Reports, tags and regions are files of their own
(`reports/<slug>.html`), not folders: an archive of 100,000 reports then needs no 100,000
folders, which keeps copying and swapping the output cheap.
"""
from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from urllib.parse import quote

HOME = PurePosixPath("index.html")
ARCHIVE = PurePosixPath("archive/index.html")
TAGS = PurePosixPath("tags/index.html")
REGIONS = PurePosixPath("regions/index.html")
WORLD_IP_DAY = PurePosixPath("world-ip-day/index.html")
NOT_FOUND = PurePosixPath("404.html")
STATIC = PurePosixPath("static")

# Pages every site has, whatever its content.
FIXED = (HOME, ARCHIVE, TAGS, REGIONS, WORLD_IP_DAY, NOT_FOUND)
# First path segments that generated pages own; a page slug may not take one.
RESERVED = frozenset({"archive", "tags", "regions", "reports", "world-ip-day", "static",
                      "index.html", "404.html"})


def report_path(slug: str) -> PurePosixPath:
    # Keep in step with validate.py, which spells this path as text for speed.
    return PurePosixPath(f"reports/{slug}.html")


def tag_path(tag: str) -> PurePosixPath:
    return PurePosixPath("tags", f"{tag}.html")


def region_path(region: str) -> PurePosixPath:
    return PurePosixPath("regions", f"{region}.html")


def page_path(slug: str) -> PurePosixPath:
    return PurePosixPath(slug, "index.html")


def relative_url(from_path: PurePosixPath, to_path: PurePosixPath, anchor: str = "") -> str:
    """The href that leads from the page at `from_path` to `to_path`, both output paths."""
    rel = posixpath.relpath(str(to_path), str(from_path.parent))
    href = quote(rel, safe="/")
    if anchor:
        href += "#" + quote(anchor, safe="")
    return href


def absolute_url(base_url: str, to_path: PurePosixPath) -> str:
    """The permanent URL of an output path; `index.html` is left off folder pages."""
    path = str(to_path)
    if path == "index.html":
        path = ""
    elif path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url + quote(path, safe="/")
