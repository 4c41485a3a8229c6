"""The OAI-PMH static repository: every report as a Dublin Core (oai_dc) record in one XML
file, which a static repository gateway serves to harvesters as an OAI-PMH endpoint.

It follows the OAI "Specification for an OAI Static Repository" (protocol 2.0): a
`Repository` element in the static-repository namespace holding Identify,
ListMetadataFormats and one ListRecords per format, day granularity, no sets, no deleted
records. See docs/data.md for how a harvester reaches it.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from .. import urls
from ..source.content import Report, Source
from ..source.settings import SiteConfig
from . import plan
from .downloads import publisher_of

STATIC_REPOSITORY = "http://www.openarchives.org/OAI/2.0/static-repository"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# A record's datestamp says when its metadata last changed, which the sources do not
# record; a report retrieved on a known day has that day, any other this fixed one.
UNKNOWN_DATESTAMP = "1970-01-01"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def static_repository(config: SiteConfig, reports: tuple[Report, ...]) -> bytes:
    """oai.xml: Identify, the oai_dc format, and one record a report, newest first.

    Written as text with every value escaped: ElementTree took 1.5 s for 10,000 records,
    most of it indenting."""
    base, email = config.base_url, config.contact_email
    assert base is not None and email is not None  # planned only with both
    stamps = [_datestamp(report.source) for report in reports]
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           f'<Repository xmlns="{STATIC_REPOSITORY}" xmlns:oai="{OAI}" xmlns:xsi="{XSI}" '
           f'xsi:schemaLocation="{STATIC_REPOSITORY} '
           'http://www.openarchives.org/OAI/2.0/static-repository.xsd">\n',
           "  <Identify>\n"]
    out += _elements("    ", (
        ("oai:repositoryName", config.title), ("oai:baseURL", base_url(config)),
        ("oai:protocolVersion", "2.0"), ("oai:adminEmail", email),
        ("oai:earliestDatestamp", min(stamps, default=UNKNOWN_DATESTAMP)),
        ("oai:deletedRecord", "no"), ("oai:granularity", "YYYY-MM-DD")))
    out += ["  </Identify>\n", "  <ListMetadataFormats>\n", "    <oai:metadataFormat>\n"]
    out += _elements("      ", (
        ("oai:metadataPrefix", "oai_dc"),
        ("oai:schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
        ("oai:metadataNamespace", OAI_DC)))
    out += ["    </oai:metadataFormat>\n", "  </ListMetadataFormats>\n",
            '  <ListRecords metadataPrefix="oai_dc">\n']
    dc_open = (f'        <oai_dc:dc xmlns:oai_dc="{OAI_DC}" xmlns:dc="{DC}" '
               f'xsi:schemaLocation="{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd">\n')
    for report, stamp in zip(reports, stamps, strict=True):
        out += ["    <oai:record>\n", "      <oai:header>\n"]
        out += _elements("        ", (("oai:identifier", identifier(config, report.slug)),
                                      ("oai:datestamp", stamp)))
        out += ["      </oai:header>\n", "      <oai:metadata>\n", dc_open]
        out += _elements("          ", _dublin_core(config, report))
        out += ["        </oai_dc:dc>\n", "      </oai:metadata>\n", "    </oai:record>\n"]
    out += ["  </ListRecords>\n", "</Repository>\n"]
    return "".join(out).encode("utf-8")


def base_url(config: SiteConfig) -> str:
    """The repository's OAI-PMH base URL: the gateway's base URL followed by the file's
    own URL without its scheme, as the static repository specification sets out; the
    file's own URL when no gateway is set."""
    assert config.base_url is not None
    own = urls.absolute_url(config.base_url, urls.OAI)
    if config.oai_gateway is None:
        return own
    return config.oai_gateway + own.split("://", 1)[1]


def identifier(config: SiteConfig, slug: str) -> str:
    """oai:<host>:<path of the site><slug>, unique to the report while the site stays."""
    assert config.base_url is not None
    parts = urlsplit(config.base_url)
    path = parts.path.strip("/")
    return f"oai:{parts.hostname}:{path + '/' if path else ''}{slug}"


def _dublin_core(config: SiteConfig, report: Report) -> list[tuple[str, str]]:
    """The report's Dublin Core elements, (name, text) in the order they are written."""
    date = report.date
    elements = [("dc:title", report.title), ("dc:publisher", publisher_of(config)),
                # As far as the source gives it, in EDTF: 2015-06-18, XXXX-05-10, 2024-04-26?
                ("dc:date", date.iso + ("?" if date.uncertain else ""))]
    elements += [("dc:coverage", place) for place in (report.place, report.region) if place]
    elements += [("dc:subject", tag) for tag in report.tags]
    if report.summary:
        elements.append(("dc:description", report.summary))
    if (source := provenance(report.source)) is not None:
        elements.append(("dc:source", source))
    assert config.base_url is not None
    elements += [("dc:type", "Text"), ("dc:format", "text/html"),
                 ("dc:identifier", urls.absolute_url(config.base_url,
                                                     urls.report_path(report.slug))),
                 ("dc:language", config.language)]
    return elements


def provenance(source: Source | None) -> str | None:
    """Where the text was found, in one line: 来源网站, 原页面标题, 原文栏目, 原文地址, 获取日期."""
    if source is None:
        return None
    parts = [f"{label}：{value}" for label, value in (
        ("来源网站", source.site), ("原页面标题", source.page_title),
        ("原文栏目", source.section), ("原文地址", source.url),
        ("获取日期", source.retrieved.chinese if source.retrieved else None)) if value]
    return "；".join(parts) or None


def _datestamp(source: Source | None) -> str:
    retrieved = source.retrieved if source else None
    if retrieved is None or retrieved.year is None or retrieved.day is None:
        return UNKNOWN_DATESTAMP
    return retrieved.iso


def _elements(indent: str, elements) -> list[str]:
    return [f"{indent}<{name}>{_escape(text)}</{name}>\n" for name, text in elements]


def _escape(text: str) -> str:
    # Characters XML 1.0 cannot hold at all become U+FFFD; YAML escapes can put them in.
    return escape(_NOT_XML.sub("\ufffd", text))


WRITERS: dict[str, Callable[..., bytes]] = {plan.OAI: static_repository}
