"""Where a body links to other files of the site: found when the file is parsed.

A body's links to Markdown files and attached files (`[见另一篇](other-report.md)`,
`![图](files/x.png)`), relative to the body's own file, are resolved
when its page is planned, against where every report, page and attached file is published
(pages/links.py). Finding them here, once per parse, keeps that step from reading every
body again; the finder errs on the side of finding more, never fewer, of the destinations
Markdown gives: a destination found but not linked costs nothing.
"""
from __future__ import annotations

import html
import re

# `](destination` of an inline link or image: <…>, or a run without spaces in which
# parentheses are balanced one deep.
_INLINE = re.compile(r"\]\(\s*(<[^<>\n]*>|(?:[^\s()\\]|\\.|\([^\s()]*\))+)")
# `[label]: destination` of a link reference definition, up to three spaces in.
_DEFINITION = re.compile(r"^ {0,3}\[(?:[^\[\]\\]|\\.)+\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+)",
                         re.MULTILINE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Files a report or page links to (images, the PDF of a plan) live in a folder of this name
# beside it.
FILES = "files"


def relative_refs(body: str, first_line: int) -> tuple[tuple[str, int], ...]:
    """(destination, file line) of every link to a Markdown file or an attached file in a
    body that starts at
    `first_line` of its file; destinations as Markdown reads them (escapes and entities
    undone), in order, each once."""
    if "](" not in body and "]:" not in body:
        return ()
    found: dict[str, int] = {}
    for pattern in (_INLINE, _DEFINITION):
        for match in pattern.finditer(body):
            destination = match.group(1)
            if destination.startswith("<"):
                destination = destination[1:-1]
            destination = html.unescape(_ESCAPED.sub(r"\1", destination))
            if not is_site_link(destination):
                continue
            line = first_line + body.count("\n", 0, match.start(1))
            if destination not in found or line < found[destination]:
                found[destination] = line
    return tuple(sorted(found.items(), key=lambda item: (item[1], item[0])))


def is_site_link(url: str) -> bool:
    """A link, relative to the Markdown file, to a Markdown file or into a `files/` folder:
    one the build resolves (other relative links, such as `../archive/2020.html`, are left
    as written)."""
    if not url or url.startswith(("#", "/", "?")) or _SCHEME.match(url):
        return False
    path = url.partition("#")[0].partition("?")[0]
    return path.lower().endswith(".md") or FILES in path.split("/")
