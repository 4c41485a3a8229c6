"""generator/pages/feeds.py: the feed, sitemap, robots.txt and reports.json, read back with
an XML and a JSON parser."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from generator.pages.feeds import atom_feed, reports_json, robots, sitemap
from generator.pages.site import ReportCard
from generator.source.content import Report, Source
from generator.source.dates import parse_date
from generator.source.settings import SiteConfig

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = '"><img src=x onerror=alert(1)></title><script>alert(1)</script>\x01'
CONFIG = SiteConfig(base_url="https://example.org/archive/")


def card(slug, date, title="标题", tags=(), summary=None) -> ReportCard:
    return ReportCard.of(Report(Path(f"{slug}.md"), slug, title, parse_date(date), "",
                                tags=tags, summary=summary))


def test_the_feed_lists_entries_with_absolute_links_and_earliest_dates():
    feed = ET.fromstring(atom_feed(CONFIG, (
        card("new", "2016-04", title="新", tags=("专利",), summary="摘要"),
        card("old", "XXXX-05-10", title="旧"))))
    assert feed.tag == f"{A}feed"
    assert feed.find(f"{A}updated").text == "2016-04-01T00:00:00Z"
    entries = feed.findall(f"{A}entry")
    assert [(e.find(f"{A}title").text, e.find(f"{A}link").get("href"),
             e.find(f"{A}updated").text) for e in entries] == [
        ("新", "https://example.org/archive/reports/new.html", "2016-04-01T00:00:00Z"),
        ("旧", "https://example.org/archive/reports/old.html", "0001-05-10T00:00:00Z")]
    assert entries[0].find(f"{A}category").get("term") == "专利"
    assert entries[0].find(f"{A}summary").text == "摘要"
    assert entries[1].find(f"{A}summary").text == "5月10日（年份不详）"


def test_a_hostile_title_stays_text_in_the_feed():
    data = atom_feed(CONFIG, (card("x", "2020", title=HOSTILE, tags=("<b>",)),))
    entry = ET.fromstring(data).find(f"{A}entry")
    assert entry.find(f"{A}title").text == HOSTILE.replace("\x01", "\ufffd")
    assert b"<script>" not in data and b"<img" not in data


def test_the_sitemap_lists_folder_pages_by_their_folder_url():
    urlset = ET.fromstring(sitemap(CONFIG, ("about/index.html", "index.html",
                                            "tags/专利.html")))
    locs = [u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in urlset]
    assert locs == ["https://example.org/archive/about/", "https://example.org/archive/",
                    "https://example.org/archive/tags/%E4%B8%93%E5%88%A9.html"]


def test_robots_names_the_sitemap_only_when_there_is_a_base_url():
    assert robots(CONFIG).decode().splitlines() == [
        "User-agent: *", "Allow: /", "Sitemap: https://example.org/archive/sitemap.xml"]
    assert "Sitemap" not in robots(SiteConfig()).decode()


def test_reports_json_holds_every_field_and_the_body_digest():
    report = Report(Path("a.md"), "a", HOSTILE, parse_date("XXXX-05-10?"), None,
                    place="某地", region="江苏省", tags=("专利",),
                    source=Source(site="高考猫", retrieved=parse_date("2024-01-02")),
                    body_sha256="ab" * 32)
    data = json.loads(reports_json(CONFIG, (report,)))
    assert data["reports"] == [{
        "slug": "a", "title": HOSTILE, "date": "XXXX-05-10", "date_uncertain": True,
        "place": "某地", "region": "江苏省", "tags": ["专利"], "summary": None,
        "source": {"site": "高考猫", "page_title": None, "section": None, "url": None,
                   "retrieved": "2024-01-02"},
        "body_sha256": "ab" * 32, "path": "reports/a.html",
        "url": "https://example.org/archive/reports/a.html"}]
    assert json.loads(reports_json(SiteConfig(), (report,)))["reports"][0]["url"] is None
