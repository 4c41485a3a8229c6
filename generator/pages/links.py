"""Links from a body to other reports, pages and attached files, resolved for its page.

Editors link as on GitHub, relative to the Markdown file: `[见另一篇](other-report.md)`,
`[关于](../pages/about.md)`, `![图](files/x.png)`. Each becomes a relative link from the
page that shows the body to the page or file it names, with its `#anchor` kept, so it
works at a domain root, under a subpath and from disk alike. A link to a Markdown file the
site does not have, or into a `files/` folder at a file that is not there, is an error at
its line. Any other relative link (`../archive/2020.html`) is left as written.
"""
from __future__ import annotations

import dataclasses
import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from .. import urls
from ..errors import Problem, error
from .markup import REF_SCHEME
from .site import Site

# Attached files live in a folder of this name beside the Markdown files that link them.
FILES = "files"
_PLACEHOLDER = re.compile(rf'(href|src)="{REF_SCHEME}:([^"]*)"')


@dataclass(frozen=True)
class Targets:
    """Where each report, page and attached file of the site is published, by its path
    from the site root (`content/reports/a.md` → `reports/a.html`)."""

    site_root: Path
    by_source: Mapping[str, PurePosixPath]

    def key_of(self, src_path: Path) -> str:
        return src_path.relative_to(self.site_root).as_posix()


def link_site(site: Site, site_root: Path, attachments: Mapping[str, PurePosixPath],
              problems: list[Problem]) -> Site:
    """The site with every body's links resolved; `attachments`: the published path of
    each file in a `files/` folder, by its path from the site root."""
    by_source: dict[str, PurePosixPath] = dict(attachments)
    for source, out_path in ([(e.report, e.out_path) for e in site.reports]
                             + [(e.page, e.out_path) for e in site.pages]):
        by_source[source.src_path.relative_to(site_root).as_posix()] = out_path
    targets = Targets(site_root, by_source)
    reports = tuple(
        dataclasses.replace(entry, links=links_of(targets, entry.report.src_path,
                                                  entry.out_path, entry.report.refs, problems))
        if entry.report.refs else entry for entry in site.reports)
    pages = tuple(
        dataclasses.replace(entry, links=links_of(targets, entry.page.src_path,
                                                  entry.out_path, entry.page.refs, problems))
        if entry.page.refs else entry for entry in site.pages)
    return dataclasses.replace(site, reports=reports, pages=pages)


def links_of(targets: Targets, src_path: Path, out_path: PurePosixPath,
             refs: tuple[tuple[str, int], ...], problems: list[Problem]
             ) -> tuple[tuple[str, str], ...]:
    """(destination, href from `out_path`) for each relative link of a body that leads to
    a report, a page or an attached file; a broken one is a problem at its line."""
    if not refs:
        return ()
    folder = posixpath.dirname(targets.key_of(src_path))
    found = []
    for destination, line in refs:
        path, hash_mark, anchor = destination.partition("#")
        path = path.partition("?")[0]
        joined = posixpath.normpath(posixpath.join(folder, unquote(path)))
        target = targets.by_source.get(joined)
        if target is not None:
            found.append((_key(destination),
                          urls.relative_url(out_path, target) + hash_mark
                          + quote(unquote(anchor), safe="")))
        elif path.lower().endswith(".md"):
            problems.append(error(src_path, line, (
                f"the link to {destination!r} leads to {joined}, which is not a report or "
                "page of this site — correct the file name, or link to the page's address "
                "(https://…)")))
        elif f"/{FILES}/" in f"/{joined}":
            problems.append(error(src_path, line, (
                f"the link to {destination!r} leads to {joined}, which is not there — put "
                f"the file in {posixpath.dirname(joined)}/ or correct the link")))
    return tuple(found)


def resolve(body_html: str, links: tuple[tuple[str, str], ...]) -> str:
    """The body as its page shows it: each relative link to where it leads from the page;
    the rest as written."""
    if REF_SCHEME not in body_html:
        return body_html
    hrefs = dict(links)

    def replace(match: re.Match) -> str:
        written = match.group(2)
        href = hrefs.get(_key(html.unescape(written)))
        return f'{match.group(1)}="{written if href is None else html.escape(href)}"'

    return _PLACEHOLDER.sub(replace, body_html)


def _key(destination: str) -> str:
    # Markdown percent-encodes what it links; the file finder gives it as written.
    return unquote(destination)
