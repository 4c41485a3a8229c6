"""The archive's own content, built and read back page by page."""
from __future__ import annotations

import re

import pytest

from conftest import REPO, SEED_PAGE
from generator.build.pipeline import NO_BASE_URL, build
from integration.pages import broken_links, parse, reachable

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
    result = build(REPO, out, use_cache=False)  # nothing written into the repository
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
