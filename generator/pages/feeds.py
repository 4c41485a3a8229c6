"""Machine-readable outputs: the Atom feed, the sitemap, robots.txt and reports.json.

They are built with code rather than templates: an XML or JSON writer escapes every value
by construction, and no theme needs to change them. Each function is pure and is given
exactly the values its page plan names.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import PurePosixPath

from .. import urls
from ..source.content import Report
from ..source.settings import SiteConfig
from . import plan
from .site import ReportCard

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Characters XML 1.0 cannot hold at all; YAML escapes such as "\x01" can put them in a title.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def atom_feed(config: SiteConfig, entries: tuple[ReportCard, ...]) -> bytes:
    """The newest reports as an Atom 1.0 feed. A partial date stands for its earliest
    possible day, so a report whose year is unknown sorts below every dated one."""
    base = config.base_url
    assert base is not None  # planned only with a base_url
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    _text(feed, "title", config.title)
    _text(feed, "subtitle", config.description)
    _text(feed, "id", base)
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml",
                                 "href": urls.absolute_url(base, urls.FEED)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": base})
    newest = max((card.date.earliest for card in entries), default=None)
    _text(feed, "updated", _timestamp(newest) if newest else "1970-01-01T00:00:00Z")
    author = ET.SubElement(feed, "author")
    _text(author, "name", config.title)
    _text(feed, "generator", "ipr-archive")
    for card in entries:
        url = urls.absolute_url(base, card.out_path)
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", card.title)
        _text(entry, "id", url)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": url})
        _text(entry, "updated", _timestamp(card.date.earliest))
        for tag in card.tags:
            ET.SubElement(entry, "category", {"term": _clean(tag)})
        _text(entry, "summary", _summary(card))
    return _xml(feed)


def sitemap(config: SiteConfig, pages: tuple[str, ...]) -> bytes:
    base = config.base_url
    assert base is not None  # planned only with a base_url
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for page in pages:
        url = ET.SubElement(urlset, "url")
        _text(url, "loc", urls.absolute_url(base, PurePosixPath(page)))
    return _xml(urlset)


def robots(config: SiteConfig) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines.append(f"Sitemap: {urls.absolute_url(config.base_url, urls.SITEMAP)}")
    return ("\n".join(lines) + "\n").encode()


def reports_json(config: SiteConfig, reports: tuple[Report, ...]) -> bytes:
    """Every published report's metadata, newest first, for people who reuse the archive.
    `path` is relative to the site root; `url` is absolute when the site has a base_url."""
    return reports_json_of_lines(config, [report_line(config, report) for report in reports])


def report_line(config: SiteConfig, report: Report) -> str:
    """One report's line of reports.json. A rebuild after a report's body changed keeps
    the other lines as the last build wrote them (see delta.py)."""
    out_path = urls.report_path(report.slug)
    source = report.source
    item = {
        "slug": report.slug,
        "title": report.title,
        "date": report.date.iso,
        "date_uncertain": report.date.uncertain,
        "place": report.place,
        "region": report.region,
        "tags": list(report.tags),
        "summary": report.summary,
        "source": None if source is None else {
            "site": source.site, "page_title": source.page_title,
            "section": source.section, "url": source.url,
            "retrieved": None if source.retrieved is None else source.retrieved.iso,
        },
        "body_sha256": report.body_sha256,
        "path": str(out_path),
        "url": urls.absolute_url(config.base_url, out_path) if config.base_url else None,
    }
    # One report a line: readable and diffable, and json's fast C encoder does each line
    # (an indented dump falls back to pure Python, 10× slower).
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def reports_json_of_lines(config: SiteConfig, lines: list[str]) -> bytes:
    head = json.dumps({"language": config.language, "site": config.title},
                      ensure_ascii=False, sort_keys=True)
    body = ",\n".join(lines)
    return f'{head[:-1]}, "reports": [\n{body}\n]}}\n'.encode()


def _summary(card: ReportCard) -> str:
    return card.summary or f"{card.date.chinese}{' · ' + card.place if card.place else ''}"


def _timestamp(day) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}T00:00:00Z"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)  # one element a line, for people who read the file
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


# Page plans name these outputs in place of a template.
WRITERS: dict[str, Callable[..., bytes]] = {
    plan.FEED: atom_feed, plan.SITEMAP: sitemap, plan.ROBOTS: robots,
    plan.REPORTS_JSON: reports_json}
