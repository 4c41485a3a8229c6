"""Which output file a request names, reading it whole, and the type it is served as.

Pages come only from finished builds: the build swaps its output folder in whole, and a
request resolves its file once, opens it once and reads it to the end from that open
file, so it gets the old page or the new one, never a mix.
"""
from __future__ import annotations

import mimetypes
import os
import re
import stat
import urllib.parse
from pathlib import Path

IS_FOLDER = "folder"  # read_output_file's answer for a folder (the URL lacks its slash)

_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".json": "application/json",
          ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
          ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
          ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
          ".ico": "image/x-icon", ".woff2": "font/woff2", ".pdf": "application/pdf",
          # the data downloads and each report's citations
          ".csv": "text/csv; charset=utf-8", ".ris": "application/x-research-info-systems",
          ".bib": "application/x-bibtex; charset=utf-8"}


def resolve_request_path(target: str) -> str | None:
    """The output file a request target names ("reports/a.html"), or None for anything
    that could leave the output folder or is not a plain path.

    `target` is the request line's target as http.server gives it (its bytes as Latin-1).
    Percent-escapes are decoded exactly once; `..`, hidden names, backslashes, encoded
    slashes, empty segments, NUL and other control characters are refused outright rather
    than cleaned up. A folder URL ("…/") names its index.html.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or path.startswith("//"):
        return None  # "*", absolute-form "http://…", or a network-path "//host/…"
    if "\\" in path or _ENCODED_SEPARATOR.search(path):
        return None
    try:
        decoded = urllib.parse.unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "\\" in decoded or _CONTROL.search(decoded):
        return None
    parts = decoded[1:].split("/")
    folder = decoded.endswith("/")
    if folder:
        parts.pop()
    if any(part == "" or part.startswith(".") for part in parts):
        return None  # "a//b", ".", "..", and the manifest or any other hidden file
    if folder:
        parts.append("index.html")
    return "/".join(parts)


def read_output_file(root: Path, out_path: str) -> bytes | str | None:
    """The bytes of root/out_path, IS_FOLDER for a folder, or None if there is no such file
    inside root (a link pointing outside counts as none).

    The file is opened once and read to its end from that open file: a build swapping
    in a new site meanwhile cannot mix two versions into one answer.
    """
    base = os.path.realpath(root)
    full = os.path.realpath(os.path.join(base, *out_path.split("/")))
    if full == base or os.path.commonpath([base, full]) != base:
        return None
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return IS_FOLDER
        if not stat.S_ISREG(mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def content_type(out_path: str) -> str:
    """The Content-Type an output file is served with."""
    suffix = os.path.splitext(out_path)[1].lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(out_path)[0] or "application/octet-stream"
