"""What a reader finds on the pages: navigation, provenance, citation, machine outputs."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import write_files
from generator.build.pipeline import NO_BASE_URL, build
from integration.pages import broken_links, parse, reachable

BASE = "https://example.org/archive/"
DAFENG = "reports/dafeng-ip-joint-meeting.html"


def with_base_url(site: Path, base_url: str = BASE) -> Path:
    config = site / "site.yaml"
    config.write_text(re.sub(r"(?m)^base_url:.*$", f"base_url: {base_url}",
                             config.read_text("utf-8")), encoding="utf-8")
    return site


@pytest.fixture
def published(real_site) -> Path:
    """The real archive built with a base_url, as it would be published."""
    result = build(with_base_url(real_site))
    assert result.warnings == ()
    return real_site / "public"


def body_as_archived(markdown_file: Path) -> str:
    """The body as README defines it: after the closing `---`, LF line ends, no blank lines
    at either end."""
    text = markdown_file.read_text("utf-8").replace("\r\n", "\n")
    return text.split("\n---\n", 1)[1].strip("\n")


def test_a_report_shows_its_metadata_and_where_it_came_from(published, real_site):
    page = parse(published / DAFENG)
    meta = dict(zip([dt.get_text() for dt in page.select(".report-meta dt")],
                    [dd.get_text(" ", strip=True) for dd in page.select(".report-meta dd")]))
    assert meta == {"日期": "5月10日（年份不详）", "地点": "江苏省盐城市大丰区",
                    "地区": "江苏省", "标签": "知识产权联席会议 专利 知识产权强县"}
    source = dict(zip([dt.get_text() for dt in page.select(".source dt")],
                      [dd.get_text(strip=True) for dd in page.select(".source dd")]))
    body = body_as_archived(real_site / "content/reports/dafeng-ip-joint-meeting.md")
    assert source == {"来源网站": "高考猫", "原页面标题": "最新知识产权联席会议总结",
                      "原文栏目": "知识产权联席会议总结一", "照录原文错漏": "据统计,,,;",
                      "正文 SHA-256": hashlib.sha256(body.encode()).hexdigest()}
    # The slips the report keeps on purpose are listed one by one, in the record.
    assert [q.get_text() for q in page.select(".as-found q")] == ["据统计,,", ",", ";"]


def test_the_citation_is_gbt_7714_with_the_permanent_url(published):
    page = parse(published / DAFENG)
    citation = page.select_one("#citation").get_text()
    url = BASE + DAFENG
    assert citation == f"知识产权报告档案. 盐城市大丰区召开知识产权联席会议[EB/OL]. [引用日期]. {url}."
    assert page.select_one(".cite a.permalink")["href"] == url
    assert page.find("link", rel="canonical")["href"] == url
    assert page.find("meta", property="og:url")["content"] == url
    assert page.find("meta", attrs={"name": "citation_title"})["content"] == \
        "盐城市大丰区召开知识产权联席会议"
    assert page.find("meta", attrs={"name": "citation_public_url"})["content"] == url
    # The year is unknown, so no publication date is claimed anywhere.
    assert page.find("meta", attrs={"name": "citation_publication_date"}) is None


def test_without_a_base_url_absolute_urls_are_left_out_with_one_warning(real_site):
    result = build(real_site)
    assert [w.message for w in result.warnings] == [NO_BASE_URL]
    out = real_site / "public"
    assert not (out / "feed.xml").exists() and not (out / "sitemap.xml").exists()
    assert (out / "reports.json").is_file() and (out / "robots.txt").is_file()
    page = parse(out / DAFENG)
    assert page.find("link", rel="canonical") is None
    assert page.find("meta", property="og:url") is None
    assert page.select_one(".cite a.permalink") is None
    assert page.select_one("#citation").get_text().endswith("[EB/OL]. [引用日期].")
    assert not any(a["href"].startswith("http") for a in page.select("main a[href]"))


def test_machine_readable_files_are_linked_and_present(published):
    home = parse(published / "index.html")
    feed = home.find("link", rel="alternate", type="application/atom+xml")
    assert feed is not None and (published / feed["href"]).is_file()
    assert "Sitemap: " + BASE + "sitemap.xml" in (published / "robots.txt").read_text()


def test_a_report_has_breadcrumbs_neighbours_and_related_reports(published):
    page = parse(published / DAFENG)
    assert [li.get_text(strip=True) for li in page.select(".breadcrumb li")] == [
        "首页", "档案", "年份不详", "盐城市大丰区召开知识产权联席会议"]
    year_link = page.select(".breadcrumb a")[-1]["href"]
    assert year_link == "../archive/unknown-year.html"
    # Unknown years sort latest month and day first: 12-13, 06-18, 05-10.
    assert [a.get_text() for a in page.select(".report-nav a")] == [
        "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"]
    related = [a.get_text() for a in page.select(".related-reports .card-title a")]
    assert related == ["第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行",  # 2 shared tags
                       "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"]


REPORT = """---
title: 报告{n}
date: 20{n:02d}-01-01
tags: [专利]
region: 江苏省
---

第{n}篇。
"""


def test_long_lists_are_paged_with_stable_urls(make_site):
    site = make_site({"site.yaml": "page_size: 2\nbase_url: https://example.org/\n",
                      **{f"content/reports/r{n}.md": REPORT.format(n=n) for n in range(1, 6)}})
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


def test_the_archive_groups_years_with_counts_and_links_each_years_pages(make_site):
    site = make_site({"site.yaml": "page_size: 2\n", **{
        f"content/reports/r{n}.md": REPORT.format(n=n).replace(f"20{n:02d}-01-01", date)
        for n, date in enumerate(["2016-05", "2016-04", "2016-03", "2015", "XXXX-04-26"])}})
    build(site)
    out = site / "public"
    archive = parse(out / "archive/index.html")
    assert [li.get_text(" ", strip=True) for li in archive.select(".year-index li")] == [
        "2016年 3 篇", "2015年 1 篇", "年份不详 1 篇"]
    first_year = archive.select_one("section")
    assert [a.get_text() for a in first_year.select(".card-title a")] == ["报告0", "报告1"]
    assert first_year.select_one(".more a")["href"] == "2016.html"
    year = parse(out / "archive/2016/2.html")
    assert [a.get_text() for a in year.select(".card-title a")] == ["报告2"]
    assert year.h1.get_text() == "档案：2016年"


def test_a_report_with_sub_headings_gets_a_table_of_contents(make_site):
    site = make_site({"content/reports/a.md": "---\ntitle: 甲\ndate: 2020\n---\n\n"
                                              "## 一、会议情况\n\n正文。\n\n## 二、下一步\n\n正文。\n",
                      "content/reports/b.md": "---\ntitle: 乙\ndate: 2020\n---\n\n正文。\n"})
    build(site)
    toc = parse(site / "public/reports/a.html").select(".toc a")
    assert [a.get_text() for a in toc] == ["一、会议情况", "二、下一步"]
    assert broken_links(site / "public") == []
    assert parse(site / "public/reports/b.html").select_one(".toc") is None


def test_hostile_fields_stay_text_in_meta_tags_and_citations(make_site):
    hostile = '"><img src=x onerror=alert(1)>'
    write = {"site.yaml": "base_url: https://example.org/\n",
             "content/reports/a.md": f"---\ntitle: '{hostile}'\ndate: 2020\n"
                                     f"tags: ['{hostile[:20]}']\n---\n\n正文。\n"}
    site = make_site(write)
    build(site)
    page = parse(site / "public/reports/a.html")
    assert page.find("img") is None
    assert page.find("meta", attrs={"name": "citation_title"})["content"] == hostile
    assert hostile in page.select_one("#citation").get_text()
