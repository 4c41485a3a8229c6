"""generator/pages/oai.py: the OAI-PMH static repository, read with lxml and checked against
the structure the Static Repository specification's schema sets out."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from generator.build.pipeline import NO_BASE_URL, NO_CONTACT_EMAIL
from generator.pages.oai import UNKNOWN_DATESTAMP, identifier, static_repository
from generator.source.content import Report, Source
from generator.source.dates import parse_date
from generator.source.settings import SiteConfig
from tests.helpers import build_out, report

SR = "{http://www.openarchives.org/OAI/2.0/static-repository}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
DC = "{http://purl.org/dc/elements/1.1/}"
BASE = "https://example.org/archive/"
CONFIG = SiteConfig(title="档案", base_url=BASE, contact_email="a@example.org")
HOSTILE = "<script>alert('x')</script> & \"q\" ]]> \x01"
# The order of Identify's elements in the OAI-PMH schema (identifyType), less the optional
# compression and description.
IDENTIFY = ["repositoryName", "baseURL", "protocolVersion", "adminEmail",
            "earliestDatestamp", "deletedRecord", "granularity"]


def make_report(slug, date="2015-06-18", title="标题", source=None, **fields) -> Report:
    return Report(Path(f"{slug}.md"), slug, title, parse_date(date), None,
                  source=source, **fields)


def read(data: bytes):
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    return etree.fromstring(data)  # raises on anything not well-formed


def records(root) -> list:
    return root.findall(f"{SR}ListRecords/{OAI}record")


def dc_of(record) -> dict[str, list[str]]:
    [dc] = record.findall(f"{OAI}metadata/{OAI_DC}dc")
    out: dict[str, list[str]] = {}
    for element in dc:
        assert element.tag.startswith(DC), element.tag
        out.setdefault(element.tag[len(DC):], []).append(element.text)
    return out


def test_the_repository_has_the_static_repository_structure():
    reports = (make_report("a", place="南京市", region="江苏省", tags=("专利", "商标"),
                           summary="摘要。", source=Source(site="高考猫", url="https://e.org/x",
                                                        retrieved=parse_date("2024-01-02"))),
               make_report("b", date="XXXX-05-10"))
    root = read(static_repository(CONFIG, reports))
    assert root.tag == f"{SR}Repository"
    assert [child.tag for child in root] == [f"{SR}Identify", f"{SR}ListMetadataFormats",
                                             f"{SR}ListRecords"]
    identify = root.find(f"{SR}Identify")
    assert [child.tag for child in identify] == [f"{OAI}{name}" for name in IDENTIFY]
    values = {child.tag[len(OAI):]: child.text for child in identify}
    assert values == {
        "repositoryName": "档案", "baseURL": BASE + "oai.xml", "protocolVersion": "2.0",
        "adminEmail": "a@example.org", "earliestDatestamp": UNKNOWN_DATESTAMP,
        "deletedRecord": "no", "granularity": "YYYY-MM-DD"}
    [metadata_format] = root.findall(f"{SR}ListMetadataFormats/{OAI}metadataFormat")
    assert [(c.tag[len(OAI):], c.text) for c in metadata_format] == [
        ("metadataPrefix", "oai_dc"),
        ("schema", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
        ("metadataNamespace", "http://www.openarchives.org/OAI/2.0/oai_dc/")]
    assert root.find(f"{SR}ListRecords").get("metadataPrefix") == "oai_dc"
    first, second = records(root)
    assert [c.tag for c in first] == [f"{OAI}header", f"{OAI}metadata"]
    header = first.find(f"{OAI}header")
    assert [(c.tag[len(OAI):], c.text) for c in header] == [
        ("identifier", "oai:example.org:archive/a"), ("datestamp", "2024-01-02")]
    assert second.find(f"{OAI}header/{OAI}datestamp").text == UNKNOWN_DATESTAMP
    assert dc_of(first) == {
        "title": ["标题"], "subject": ["专利", "商标"], "description": ["摘要。"],
        "publisher": ["档案"], "date": ["2015-06-18"], "type": ["Text"],
        "format": ["text/html"], "identifier": [BASE + "reports/a.html"],
        "source": ["来源网站：高考猫；原文地址：https://e.org/x；获取日期：2024年1月2日"],
        "language": ["zh-CN"], "coverage": ["南京市", "江苏省"]}


@pytest.mark.parametrize("date, written", [
    ("2015-06-18", "2015-06-18"), ("2015-06", "2015-06"), ("2015", "2015"),
    ("2024-04-26?", "2024-04-26?"), ("XXXX-05-10", "XXXX-05-10"),
])
def test_a_date_is_given_as_far_as_it_is_known_in_edtf(date, written):
    [record] = records(read(static_repository(CONFIG, (make_report("a", date=date),))))
    assert dc_of(record)["date"] == [written]


def test_a_hostile_title_stays_text():
    data = static_repository(CONFIG, (make_report("a", title=HOSTILE, tags=("<b>",)),))
    [record] = records(read(data))
    assert dc_of(record)["title"] == [HOSTILE.replace("\x01", "\ufffd")]
    assert b"<script>" not in data and b"<b>" not in data


def test_a_gateway_makes_the_base_url_its_own_followed_by_the_files():
    config = SiteConfig(base_url=BASE, contact_email="a@example.org",
                        oai_gateway="https://gateway.example.net/oai/")
    root = read(static_repository(config, ()))
    assert root.find(f"{SR}Identify/{OAI}baseURL").text == \
        "https://gateway.example.net/oai/example.org/archive/oai.xml"
    assert records(root) == []


def test_identifiers_follow_the_oai_identifier_syntax():
    pattern = re.compile(r"^oai:[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+:"
                         r"[a-zA-Z0-9\-_\.!~\*'\(\);/\?:@&=\+$,%]+$")
    assert pattern.match(identifier(CONFIG, "dafeng-ip-joint-meeting"))
    assert identifier(SiteConfig(base_url="https://example.org/"), "a") == "oai:example.org:a"


# --- In a build ------------------------------------------------------------------------


def site_with(make_site, settings: str) -> Path:
    return make_site({
        "site.yaml": f"title: 档案\n{settings}",
        "content/reports/a.md": report(f"title: {json.dumps(HOSTILE)}\ndate: XXXX-05-10\n"
                                       "tags: [专利]\n"),
        "content/reports/b.md": report("title: 乙\ndate: 2019\n")})


def test_a_build_writes_one_record_for_every_report(make_site):
    site = site_with(make_site, f"base_url: {BASE}\ncontact_email: a@example.org\n")
    result = build_out(site)
    assert result.warnings == ()
    root = read((site.parent / "site-out/oai.xml").read_bytes())
    ids = [r.find(f"{OAI}header/{OAI}identifier").text for r in records(root)]
    assert ids == ["oai:example.org:archive/b", "oai:example.org:archive/a"]  # newest first
    assert [dc_of(r)["date"] for r in records(root)] == [["2019"], ["XXXX-05-10"]]


@pytest.mark.parametrize("settings, message", [
    (f"base_url: {BASE}\n", NO_CONTACT_EMAIL),
    ("contact_email: a@example.org\n", NO_BASE_URL),
    ("", NO_BASE_URL),
])
def test_without_both_settings_the_file_is_left_out_with_one_warning(make_site, settings,
                                                                     message):
    site = site_with(make_site, settings)
    result = build_out(site)
    assert [w.message for w in result.warnings] == [message]
    assert "OAI-PMH" in message
    out = site.parent / "site-out"
    assert not (out / "oai.xml").exists()
    assert "oai.xml" not in (out / "data/index.html").read_text("utf-8")
