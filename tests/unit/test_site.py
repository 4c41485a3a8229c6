from pathlib import Path

from generator.source.settings import SiteConfig
from generator.source.content import Content, Link, Report, Source
from generator.source.dates import parse_date
from generator.pages.site import build_site

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
    related = {e.report.slug: [l.title for l in e.related_links] for e in site.reports}
    assert related == {"plan": ["什么是侵犯知识产权深度解读"],
                       "other": ["什么是侵犯知识产权深度解读"]}


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
