"""The files for feed readers and search engines, which need the site's absolute address.

With base_url set the build writes feed.xml (Atom), sitemap.xml, robots.txt naming the
sitemap, and reports.json; without it, feed.xml and sitemap.xml are left out with one
warning. Expected URLs follow generator/urls.py's absolute_url: base_url plus the
percent-encoded output path, with `index.html` left off folder pages.
"""
from __future__ import annotations

import json
from urllib.parse import quote

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from tests.browser.conftest import BASE_URL, REPO

pytestmark = pytest.mark.browser

SITEMAP_XSD = REPO / "tests" / "fixtures" / "sitemap-0.9.xsd"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def absolute_url(out_path: str) -> str:
    if out_path == "index.html" or out_path.endswith("/index.html"):
        out_path = out_path[: -len("index.html")]
    return BASE_URL + quote(out_path, safe="/")


def report_titles(site) -> dict[str, str]:
    """{absolute URL: title} of every report, read from the built report pages."""
    titles = {}
    for out_path in site.report_paths():
        page = BeautifulSoup((site.out / out_path).read_text("utf-8"), "html.parser")
        titles[absolute_url(out_path)] = page.h1.get_text(strip=True)
    return titles


def test_the_feed_is_atom_with_one_entry_per_report(published_site):
    feed_path = published_site.out / "feed.xml"
    assert feed_path.is_file(), "no feed.xml at the root of a build with base_url"
    feed = feedparser.parse(feed_path.read_bytes())
    assert not feed.bozo, f"feed.xml is not well-formed: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    entries = {entry.link: entry.title for entry in feed.entries}
    assert len(feed.entries) == len(entries)  # one entry per report, no repeats
    assert entries == report_titles(published_site)
    ids = [entry.get("id") for entry in feed.entries]
    assert all(ids) and len(set(ids)) == len(ids), "every entry needs an id of its own"


def test_the_sitemap_is_valid_and_lists_every_page_but_404(published_site):
    sitemap_path = published_site.out / "sitemap.xml"
    assert sitemap_path.is_file(), "no sitemap.xml at the root of a build with base_url"
    sitemap = etree.parse(str(sitemap_path))
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    assert schema.validate(sitemap), "\n".join(str(e) for e in schema.error_log)
    listed = [loc.text.strip() for loc in sitemap.iter(f"{SITEMAP_NS}loc")]
    pages = sorted(p.relative_to(published_site.out).as_posix()
                   for p in published_site.out.rglob("*.html"))
    assert sorted(listed) == sorted(absolute_url(p) for p in pages if p != "404.html")


def test_robots_txt_names_the_sitemap(published_site):
    robots_path = published_site.out / "robots.txt"
    assert robots_path.is_file(), "no robots.txt in a build with base_url"
    lines = [line.strip() for line in robots_path.read_text("utf-8").splitlines()]
    assert f"Sitemap: {BASE_URL}sitemap.xml" in lines


def test_reports_json_lists_every_report(published_site):
    path = published_site.out / "reports.json"
    assert path.is_file(), "no reports.json in a build with base_url"
    text = json.dumps(json.loads(path.read_text("utf-8")), ensure_ascii=False)
    for url, title in report_titles(published_site).items():
        assert title in text
        slug = url.rsplit("/", 1)[-1].removesuffix(".html")
        assert slug in text


def test_without_base_url_the_absolute_files_are_left_out_with_one_warning(plain_site):
    assert not (plain_site.out / "feed.xml").exists()
    assert not (plain_site.out / "sitemap.xml").exists()
    warnings = [str(w) for w in plain_site.result.warnings]
    assert len(warnings) == 1 and "base_url" in warnings[0], warnings


def test_with_base_url_the_build_gives_no_warning(published_site):
    assert [str(w) for w in published_site.result.warnings] == []
