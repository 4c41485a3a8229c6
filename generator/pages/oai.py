"""The OAI-PMH static repository: every report as a Dublin Core (oai_dc) record in one XML
file, which a static repository gateway serves to harvesters as an OAI-PMH endpoint.

It follows the OAI "Specification for an OAI Static Repository" (protocol 2.0): a
`Repository` element in the static-repository namespace holding Identify,
ListMetadataFormats and one ListRecords per format, day granularity, no sets, no deleted
records. See docs/data.md for how a harvester reaches it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlsplit

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
    """oai.xml: Identify, the oai_dc format, and one record a report, newest first."""
    base, email = config.base_url, config.contact_email
    assert base is not None and email is not None  # planned only with both
    root = ET.Element("Repository", {
        "xmlns": STATIC_REPOSITORY, "xmlns:oai": OAI, "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{STATIC_REPOSITORY} "
                              "http://www.openarchives.org/OAI/2.0/static-repository.xsd"})
    stamps = [_datestamp(report.source) for report in reports]
    identify = ET.SubElement(root, "Identify")
    _text(identify, "oai:repositoryName", config.title)
    _text(identify, "oai:baseURL", base_url(config))
    _text(identify, "oai:protocolVersion", "2.0")
    _text(identify, "oai:adminEmail", email)
    _text(identify, "oai:earliestDatestamp", min(stamps, default=UNKNOWN_DATESTAMP))
    _text(identify, "oai:deletedRecord", "no")
    _text(identify, "oai:granularity", "YYYY-MM-DD")
    formats = ET.SubElement(root, "ListMetadataFormats")
    dc_format = ET.SubElement(formats, "oai:metadataFormat")
    _text(dc_format, "oai:metadataPrefix", "oai_dc")
    _text(dc_format, "oai:schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    _text(dc_format, "oai:metadataNamespace", OAI_DC)
    records = ET.SubElement(root, "ListRecords", {"metadataPrefix": "oai_dc"})
    for report, stamp in zip(reports, stamps, strict=True):
        record = ET.SubElement(records, "oai:record")
        header = ET.SubElement(record, "oai:header")
        _text(header, "oai:identifier", identifier(config, report.slug))
        _text(header, "oai:datestamp", stamp)
        metadata = ET.SubElement(record, "oai:metadata")
        _dublin_core(ET.SubElement(metadata, "oai_dc:dc", {
            "xmlns:oai_dc": OAI_DC, "xmlns:dc": DC,
            "xsi:schemaLocation": f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"}),
            config, report)
    ET.indent(root)
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


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


def _dublin_core(dc: ET.Element, config: SiteConfig, report: Report) -> None:
    _text(dc, "dc:title", report.title)
    _text(dc, "dc:publisher", publisher_of(config))
    # As far as the source gives it, in EDTF: 2015-06-18, 2015, XXXX-05-10, 2024-04-26?
    date = report.date
    _text(dc, "dc:date", date.iso + ("?" if date.uncertain else ""))
    for place in (report.place, report.region):
        if place:
            _text(dc, "dc:coverage", place)
    for tag in report.tags:
        _text(dc, "dc:subject", tag)
    if report.summary:
        _text(dc, "dc:description", report.summary)
    if (source := provenance(report.source)) is not None:
        _text(dc, "dc:source", source)
    _text(dc, "dc:type", "Text")
    _text(dc, "dc:format", "text/html")
    assert config.base_url is not None
    _text(dc, "dc:identifier", urls.absolute_url(config.base_url,
                                                 urls.report_path(report.slug)))
    _text(dc, "dc:language", config.language)


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


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = _NOT_XML.sub("\ufffd", text)


WRITERS: dict[str, Callable[..., bytes]] = {plan.OAI: static_repository}
