"""generator/pages/site.py: the site model (sorting, grouping, related reports, the links
index), and the archive's own content built and read back page by page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build.pipeline import NO_BASE_URL, BuildOptions, build
from generator.pages.site import build_site
from generator.source.content import Content, Link, Report, Source
from generator.source.dates import parse_date
from generator.source.settings import SiteConfig
from tests.helpers import LIST_REPORT, REPO, SEED_PAGE, broken_links, build_out, parse, reachable

PAGE = Source(site="高考猫", page_title="最新知识产权联席会议总结")


def report(slug, date, title=None, tags=(), region=None, source=PAGE):
    return Report(Path(f"{slug}.md"), slug, title or slug, parse_date(date), "", tags=tags,
                  region=region, source=source)


def site_of(reports, links=()):
    return build_site(SiteConfig(page_size=2), Content(tuple(reports), (), tuple(links)))


def test_reports_are_newest_first_unknown_years_last_ties_by_slug():
    site = site_of([report("b", "XXXX-05-10"), report("a", "XXXX-05-10"),
                    report("c", "2015-06-18"), report("d", "XXXX-12-13"), report("e", "2016")])
    assert [e.report.slug for e in site.reports] == ["e", "c", "d", "a", "b"]
    assert [(g.name, len(g.reports)) for g in site.years] == [
        ("2016年", 1), ("2015年", 1), ("年份不详", 3)]


def test_tags_and_regions_are_grouped_with_counts_most_used_first():
    site = site_of([report("a", "2020", tags=("专利", "商标"), region="江苏省"),
                    report("b", "2021", tags=("专利",), region="浙江省")])
    assert [(g.name, [c.slug for c in g.reports]) for g in site.tags] == [
        ("专利", ["b", "a"]), ("商标", ["a"])]
    assert [g.name for g in site.regions] == ["江苏省", "浙江省"]


def test_world_ip_day_index_groups_links_and_finds_archived_reports():
    links = [Link(Path("links.yaml"), 1, t, source=PAGE) for t in (
        "什么是侵犯知识产权深度解读", "关于4月26日世界知识产权日主题",
        "关于第17个世界知识产权日活动方案", "2024年最新世界知识产权日活动方案")]
    archived = report("plan", "2024", title="关于第17个世界知识产权日活动方案")
    site = site_of([archived, report("other", "2020")], links)
    index = {g.name: [(i.link.title, i.report and i.report.slug) for i in g.links]
             for g in site.world_ip_day}
    assert index == {
        "活动方案": [("关于第17个世界知识产权日活动方案", "plan"),
                  ("2024年最新世界知识产权日活动方案", None)],
        "其他": [("关于4月26日世界知识产权日主题", None)],
    }
    related = {e.report.slug: [link.title for link in e.related_links] for e in site.reports}
    assert related == {"plan": ["什么是侵犯知识产权深度解读"],
                       "other": ["什么是侵犯知识产权深度解读"]}


def index_of(site):
    """{group: [(year, title, report slug or None, link title or None)]}"""
    return {g.name: [(y.name, i.title, i.report and i.report.slug, i.link and i.link.title)
                     for y in g.years for i in y.links] for g in site.world_ip_day}


def test_world_ip_day_index_takes_reports_by_title_and_tags_newest_first():
    reports = [report("plan-2023", "2023-04-01", title="关于开展世界知识产权日宣传活动的方案"),
               report("tagged", "2024-04-26", title="某市知识产权宣传周活动综述",
                      tags=("世界知识产权日",)),
               report("yearless", "XXXX-04-26", title="第17个世界知识产权日活动方案"),
               report("unrelated", "2025", title="知识产权联席会议总结", tags=("专利",))]
    links = [Link(Path("links.yaml"), 1, "关于第17个世界知识产权日活动方案", source=PAGE),
             Link(Path("links.yaml"), 5, "关于4月26日世界知识产权日主题", source=PAGE)]
    assert index_of(site_of(reports, links)) == {
        "活动方案": [("2023年", "关于开展世界知识产权日宣传活动的方案", "plan-2023", None),
                  ("年份不详", "第17个世界知识产权日活动方案", "yearless", None),
                  ("年份不详", "关于第17个世界知识产权日活动方案", None,
                   "关于第17个世界知识产权日活动方案")],
        "其他": [("2024年", "某市知识产权宣传周活动综述", "tagged", None),
               ("年份不详", "关于4月26日世界知识产权日主题", None,
                "关于4月26日世界知识产权日主题")],
    }


def test_a_link_and_a_report_that_are_one_item_are_one_entry_linked_to_the_report():
    by_url = Source(site="某局", page_title="某页", url="https://example.gov.cn/a.html")
    reports = [report("same-title", "2024", title="关于 2024年 世界知识产权日活动方案"),
               report("same-url", "2022", title="宣传周活动通知", source=by_url)]
    links = [Link(Path("links.yaml"), 1, "关于2024年世界知识产权日活动方案", source=PAGE),
             Link(Path("links.yaml"), 5, "关于2024年世界知识产权日活动方案", source=PAGE),
             Link(Path("links.yaml"), 9, "2022年世界知识产权日宣传周活动",
                  url="https://example.gov.cn/a.html", source=PAGE)]
    assert index_of(site_of(reports, links)) == {
        "活动方案": [("2024年", "关于 2024年 世界知识产权日活动方案", "same-title",
                  "关于2024年世界知识产权日活动方案")],
        "其他": [("2022年", "宣传周活动通知", "same-url", "2022年世界知识产权日宣传周活动")],
    }


def test_the_rule_is_the_sites_words_and_fields():
    reports = [report("tagged", "2024", title="宣传周综述", tags=("世界知识产权日",)),
               report("summed", "2023", title="4·26活动综述")]
    reports[1] = Report(Path("summed.md"), "summed", "4·26活动综述", parse_date("2023"), "",
                        summary="纪念世界知识产权日。")
    config = SiteConfig(world_ip_day_words=("世界知识产权日",),
                        world_ip_day_fields=("title", "summary"))
    site = build_site(config, Content(tuple(reports), (), ()))
    assert [i.report.slug for g in site.world_ip_day for i in g.links] == ["summed"]
    links = [Link(Path("links.yaml"), 1, "4·26 专题", source=PAGE)]
    config = SiteConfig(world_ip_day_words=("4·26",))
    site = build_site(config, Content(tuple(reports), (), tuple(links)))
    assert index_of(site) == {"其他": [("2023年", "4·26活动综述", "summed", None),
                                     ("年份不详", "4·26 专题", None, "4·26 专题")]}
    # a title the index takes is not related reading
    assert all(entry.related_links == () for entry in site.reports)


def test_related_reading_only_on_reports_from_the_same_page():
    links = [Link(Path("links.yaml"), 1, "相关文章", source=PAGE)]
    elsewhere = Source(site="别处", page_title="另一页")
    site = site_of([report("a", "2020"), report("b", "2020", source=elsewhere)], links)
    assert {e.report.slug: len(e.related_links) for e in site.reports} == {"a": 1, "b": 0}


def test_each_report_knows_its_neighbours_in_the_archive_order():
    site = site_of([report("a", "2020"), report("b", "2021"), report("c", "2019")])
    neighbours = {e.report.slug: (e.newer and e.newer.slug, e.older and e.older.slug)
                  for e in site.reports}
    assert neighbours == {"b": (None, "a"), "a": ("b", "c"), "c": ("a", None)}


def test_related_reports_rank_shared_tags_then_region_then_nearness():
    site = site_of([
        report("me", "2020-06", tags=("专利", "商标"), region="江苏省"),
        report("two-tags", "2010", tags=("专利", "商标")),
        report("one-tag-same-region", "2019", tags=("专利",), region="江苏省"),
        report("one-tag-near", "2020-05", tags=("商标",)),
        report("one-tag-far", "2001", tags=("专利",)),
        report("region-only", "2020-07", region="江苏省"),
        report("unrelated", "2020-06-02", tags=("版权",), region="浙江省"),
    ])
    entry = next(e for e in site.reports if e.report.slug == "me")
    assert [c.slug for c in entry.related] == [
        "two-tags", "one-tag-same-region", "one-tag-near", "one-tag-far", "region-only"]


def test_a_report_with_nothing_in_common_has_no_related_reports():
    site = site_of([report("a", "2020", tags=("专利",)), report("b", "2021", tags=("商标",))])
    assert all(entry.related == () for entry in site.reports)


def test_each_report_links_to_its_years_page():
    site = site_of([report("a", "2020-01-02"), report("b", "XXXX-05-10")])
    years = {e.report.slug: (e.year_name, str(e.year_path)) for e in site.reports}
    assert years == {"a": ("2020年", "archive/2020.html"),
                     "b": ("年份不详", "archive/unknown-year.html")}



def test_the_archive_groups_years_with_counts_and_links_each_years_pages(make_site):
    site = make_site({"site.yaml": "page_size: 2\n", **{
        f"content/reports/r{n}.md": LIST_REPORT.format(n=n).replace(f"20{n:02d}-01-01", date)
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


REPORT_SLUGS = {
    "知识产权联席会议总结一": "dafeng-ip-joint-meeting",
    "知识产权联席会议总结二": "pan-prd-ip-cooperation-nanchang",
    "知识产权联席会议总结三": "zhejiang-ip-joint-meeting-hangzhou",
}
RELATED_TITLES = [
    "什么是侵犯知识产权深度解读",
    "关于4月26日世界知识产权日主题",
    "关于2024年426世界知识产权日活动方案",
    "关于第17个世界知识产权日活动方案",
    "关于机关单位第17个世界知识产权日活动方案",
    "关于2024年第17个世界知识产权日活动方案",
    "关于4月26日世界知识产权日活动方案",
    "2024年最新世界知识产权日活动方案",
]


def seed_sections() -> dict[str, list[str]]:
    """The scraped page's paragraphs under each 知识产权联席会议总结 heading."""
    lines = [line for line in SEED_PAGE.read_text("utf-8").split("\n") if line.strip()]
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines:
        if re.fullmatch(r"知识产权联席会议总结[一二三四五六七八九十]+", line):
            current = sections.setdefault(line, [])
        elif line == RELATED_TITLES[0]:
            current = None
        elif current is not None:
            current.append(line)
    return sections


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "public"
    result = build(REPO, out, BuildOptions(use_cache=False))  # nothing written into the repository
    # The archive's own site.yaml gives no base_url: no address is known to publish it at.
    assert [p.message for p in result.warnings] == [NO_BASE_URL]
    return out


def test_the_seed_page_holds_three_reports_and_eight_related_titles():
    sections = seed_sections()
    assert list(sections) == list(REPORT_SLUGS)
    lines = [line for line in SEED_PAGE.read_text("utf-8").split("\n") if line.strip()]
    assert lines[-8:] == RELATED_TITLES


@pytest.mark.parametrize("section", list(REPORT_SLUGS))
def test_each_seed_paragraph_is_on_its_report_page_verbatim(out, section):
    page = parse(out / "reports" / f"{REPORT_SLUGS[section]}.html")
    body = [p.get_text() for p in page.select(".report-body p")]
    assert body == seed_sections()[section]
    assert page.find(string=section) is not None  # the 来源 block names the section


def test_the_source_slips_are_archived_as_found(out):
    dafeng = parse(out / "reports/dafeng-ip-joint-meeting.html").get_text()
    zhejiang = parse(out / "reports/zhejiang-ip-joint-meeting-hangzhou.html").get_text()
    assert "据统计,,盐城市大丰区" in dafeng
    assert "(2015?2020年)" in zhejiang


@pytest.mark.parametrize("slug, shown", [
    ("dafeng-ip-joint-meeting", "5月10日（年份不详）"),
    ("pan-prd-ip-cooperation-nanchang", "12月13日（年份不详）"),
    ("zhejiang-ip-joint-meeting-hangzhou", "6月18日（年份不详）"),
])
def test_dates_show_the_year_as_unknown(out, slug, shown):
    time = parse(out / "reports" / f"{slug}.html").select_one(".report-meta time")
    assert time.get_text() == shown
    assert re.fullmatch(r"\d\d-\d\d", time["datetime"])


def test_the_world_ip_day_index_lists_the_seven_titles_verbatim(out):
    page = parse(out / "world-ip-day/index.html")
    groups = {section.find("h2").find(string=True, recursive=False).strip():
              [li.select_one(".link-title").get_text() for li in section.select("li")]
              for section in page.select("main section")}
    assert groups == {"活动方案": RELATED_TITLES[2:], "其他": [RELATED_TITLES[1]]}
    # None of them is archived or has a known address: plain text, marked so.
    assert page.select("main section a") == []
    assert len(page.select("main .not-archived")) == 7
    assert RELATED_TITLES[0] not in page.get_text()


def test_a_report_naming_world_ip_day_joins_the_index_page(make_site):
    site = make_site({
        "content/reports/plan.md": (
            "---\ntitle: 关于开展世界知识产权日宣传活动的方案\ndate: 2023-04-20\n"
            "tags: [世界知识产权日]\n---\n\n正文。\n"),
        "content/reports/old.md": (
            "---\ntitle: 第17个世界知识产权日活动方案\ndate: XXXX-04-26\n---\n\n正文。\n"),
        "content/links.yaml": "- title: 第17个世界知识产权日活动方案\n"
                              "  source:\n    site: 高考猫\n    page_title: 某页\n"
                              "- title: 关于4月26日世界知识产权日主题\n"})
    build_out(site)
    page = parse(site.parent / "site-out/world-ip-day/index.html")
    sections = {s.find("h2").find(string=True, recursive=False).strip(): s
                for s in page.select("main section")}
    plans = sections["活动方案"]
    assert [h.get_text() for h in plans.select("h3")] == ["2023年", "年份不详"]
    items = plans.select("li")
    assert [(a.get_text(), a["href"]) for li in items for a in li.select("a")] == [
        ("关于开展世界知识产权日宣传活动的方案", "../reports/plan.html"),
        ("第17个世界知识产权日活动方案", "../reports/old.html")]
    assert items[0].find("time").get_text() == "2023年4月20日"
    assert items[1].select_one(".link-source").get_text() == "见于：某页（高考猫）"
    other = sections["其他"]
    assert other.select_one(".link-title").get_text() == "关于4月26日世界知识产权日主题"
    assert other.select_one(".not-archived")


def test_other_related_titles_show_as_related_reading(out):
    for slug in REPORT_SLUGS.values():
        page = parse(out / "reports" / f"{slug}.html")
        items = [li.get_text() for li in page.select(".related-reading li")]
        assert items == [RELATED_TITLES[0] + " （未收录）"]


def test_the_home_page_lists_every_report_with_date_place_and_summary(out):
    items = parse(out / "index.html").select("main .report-list li")
    assert [li.find("a").get_text() for li in items] == [
        "第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行",
        "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开",
        "盐城市大丰区召开知识产权联席会议",
    ]  # unknown years, latest month and day first
    assert items[0].select_one(".meta").get_text() == "12月13日（年份不详） · 江西省南昌市"
    assert all(li.select_one(".summary").get_text() for li in items)


def test_the_archive_groups_reports_under_year_unknown(out):
    page = parse(out / "archive/index.html")
    (section,) = page.select("main section")
    assert section.find("h2").get_text(" ", strip=True) == "年份不详 3 篇"
    assert len(section.select(".report-list li")) == 3


def test_tag_and_region_indexes_count_their_reports(out):
    tags = {li.find("a").get_text(): li.select_one(".count").get_text()
            for li in parse(out / "tags/index.html").select("main .group-index li")}
    assert tags["知识产权联席会议"] == "3 篇" and tags["专利"] == "2 篇"
    regions = {li.find("a").get_text(): li.select_one(".count").get_text()
               for li in parse(out / "regions/index.html").select("main .group-index li")}
    assert regions == {"江苏省": "1 篇", "江西省": "1 篇", "浙江省": "1 篇"}
    jiangsu = parse(out / "regions/江苏省.html")
    assert [a.get_text() for a in jiangsu.select("main .report-list .card-title a")] == [
        "盐城市大丰区召开知识产权联席会议"]


def test_every_page_has_the_common_frame(out):
    nav_labels = ["首页", "档案", "标签", "地区", "世界知识产权日", "关于"]
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 17
    for path in pages:
        page = parse(path)
        assert page.html["lang"] == "zh-CN", path
        assert page.find("meta", charset=True)["charset"] == "utf-8"
        assert page.title.get_text().strip(), path
        assert page.find("meta", attrs={"name": "description"})["content"].strip(), path
        assert len(page.find_all("main")) == 1, path
        assert [a.get_text() for a in page.select("header nav a")] == nav_labels, path


def test_every_internal_link_and_anchor_resolves(out):
    assert broken_links(out) == []


def test_every_page_is_reachable_from_the_home_page(out):
    pages = {p.resolve() for p in out.rglob("*.html")} - {(out / "404.html").resolve()}
    assert pages <= reachable(out)


def test_no_internal_link_is_absolute(out):
    for path in out.rglob("*.html"):
        for tag in parse(path).find_all(["a", "link"], href=True):
            assert not tag["href"].startswith("/"), (path, tag["href"])
