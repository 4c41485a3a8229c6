"""generator/pages/plan.py: which pages the site has, and how long lists are paged."""
from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote

import pytest

from generator.build.pipeline import build
from generator.pages.plan import Pager
from tests.helpers import LIST_REPORT, broken_links, parse, reachable


def pager(number: int, count: int) -> Pager:
    return Pager(number, tuple(PurePosixPath(f"{n}.html") for n in range(1, count + 1)))


@pytest.mark.parametrize("number, count, shown", [
    (1, 1, (1,)),
    (1, 3, (1, 2, 3)),
    (1, 10, (1, 2, 3, None, 10)),
    (5, 10, (1, None, 3, 4, 5, 6, 7, None, 10)),
    (4, 10, (1, 2, 3, 4, 5, 6, None, 10)),
    (10, 10, (1, None, 8, 9, 10)),
])
def test_the_pager_shows_the_ends_and_the_pages_near_this_one(number, count, shown):
    assert pager(number, count).window() == shown


def test_previous_and_next_stop_at_the_ends():
    assert (pager(1, 3).previous, str(pager(1, 3).next)) == (None, "2.html")
    assert (str(pager(3, 3).previous), pager(3, 3).next) == ("2.html", None)



def test_long_lists_are_paged_with_stable_urls(make_site):
    site = make_site({"site.yaml": "page_size: 2\nbase_url: https://example.org/\n",
                      **{f"content/reports/r{n}.md": LIST_REPORT.format(n=n) for n in range(1, 6)}})
    build(site)
    out = site / "public"
    pages = ["tags/专利.html", "tags/专利/2.html", "tags/专利/3.html"]
    titles = [[a.get_text() for a in parse(out / p).select(".card-title a")] for p in pages]
    assert titles == [["报告5", "报告4"], ["报告3", "报告2"], ["报告1"]]
    second = parse(out / pages[1])
    assert unquote(second.select_one('.pagination a[rel="prev"]')["href"]) == "../专利.html"
    assert second.select_one('.pagination a[rel="next"]')["href"] == "3.html"
    assert second.select_one(".pagination [aria-current]").get_text() == "2"
    assert second.find("link", rel="next")["href"] == "3.html"
    assert [li.get_text(strip=True) for li in second.select(".breadcrumb li")] == [
        "首页", "标签", "专利", "第 2 页"]
    assert parse(out / pages[0]).select_one(".pagination [aria-current]").get_text() == "1"
    assert (out / "regions/江苏省/3.html").is_file()
    assert not (out / "tags/专利/4.html").exists()
    assert broken_links(out) == []
    assert {p.relative_to(out).as_posix() for p in reachable(out)} >= {
        f"reports/r{n}.html" for n in range(1, 6)}
    # The sitemap knows every page of every list.
    assert "https://example.org/tags/%E4%B8%93%E5%88%A9/3.html" in \
        (out / "sitemap.xml").read_text()
