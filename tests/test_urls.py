"""generator/urls.py: where pages live, and relative links between them."""
from __future__ import annotations

from pathlib import PurePosixPath as P

from generator import urls


def test_relative_urls_between_pages():
    report = urls.report_path("dafeng")
    assert urls.relative_url(report, urls.HOME) == "../index.html"
    assert urls.relative_url(urls.HOME, report) == "reports/dafeng.html"
    assert urls.relative_url(report, urls.tag_path("专利")) == "../tags/%E4%B8%93%E5%88%A9.html"
    assert urls.relative_url(urls.page_path("about"), report) == "../reports/dafeng.html"
    assert urls.relative_url(urls.ARCHIVE, urls.ARCHIVE, "year-unknown") == \
        "index.html#year-unknown"
    assert urls.relative_url(urls.NOT_FOUND, P("static/style.css")) == "static/style.css"


def test_absolute_urls_leave_off_index_html():
    base = "https://example.org/archive/"
    assert urls.absolute_url(base, urls.HOME) == base
    assert urls.absolute_url(base, urls.ARCHIVE) == base + "archive/"
    assert urls.absolute_url(base, urls.report_path("a")) == base + "reports/a.html"
    assert urls.absolute_url(base, urls.NOT_FOUND) == base + "404.html"
