"""generator/authoring/importer.py: reading a scraped page (sections, dates, titles, related
titles), refusing what it cannot read, and `ipr-archive import` run as an editor would."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.authoring.importer import (
    UpdateLine,
    parse_page,
    plan_import,
    read_update_line,
    report_of,
    write_import,
)
from generator.build.pipeline import BuildOptions, build
from generator.errors import SiteError
from generator.source.content import load_content, load_links, split_front_matter
from tests.helpers import REPO, SEED_PAGE, run_main, tree_bytes, write_files

PAGE = Path("page.txt")

SEED_RELATED = ("什么是侵犯知识产权深度解读", "关于4月26日世界知识产权日主题",
                "关于2024年426世界知识产权日活动方案", "关于第17个世界知识产权日活动方案",
                "关于机关单位第17个世界知识产权日活动方案",
                "关于2024年第17个世界知识产权日活动方案",
                "关于4月26日世界知识产权日活动方案", "2024年最新世界知识产权日活动方案")


def seed():
    return parse_page(SEED_PAGE.read_text("utf-8"), SEED_PAGE)


def problems_of(text: str) -> list[str]:
    with pytest.raises(SiteError) as caught:
        parse_page(text, PAGE)
    return [str(p) for p in caught.value.problems]


def test_the_seed_page_is_read_as_three_sections_and_eight_titles():
    page = seed()
    assert (page.title, page.site) == ("最新知识产权联席会议总结", "高考猫")
    assert [(s.label, s.line, len(s.paragraphs)) for s in page.sections] == [
        ("知识产权联席会议总结一", 5, 3), ("知识产权联席会议总结二", 13, 4),
        ("知识产权联席会议总结三", 23, 5)]
    assert page.related == SEED_RELATED
    assert page.sections[0].paragraphs[2].startswith("据统计,,盐城市")
    assert page.sections[2].paragraphs[-1].endswith("合力推进的知识产权工作氛围。")


def test_the_seed_sections_get_titles_dates_and_sources():
    page = seed()
    made = [report_of(section, page, SEED_PAGE, "s")[0] for section in page.sections]
    assert [(r.title, r.date) for r in made] == [
        ("盐城市大丰区召开知识产权联席会议", "XXXX-05-10"),
        ("第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行", "XXXX-12-13"),
        ("省知识产权联席会议成员单位第一次全体会议在杭召开", "XXXX-06-18")]
    assert [(r.source.site, r.source.page_title, r.source.section) for r in made] == [
        ("高考猫", "最新知识产权联席会议总结", f"知识产权联席会议总结{n}") for n in "一二三"]


def page_text(*sections: str, tail: str = "相关标题甲\n\n相关标题乙") -> str:
    return ("某页标题\n\n更新时间:2016-05-10 10:20 某网站\n\n" + "\n\n".join(sections)
            + "\n\n" + tail)


@pytest.mark.parametrize("first, date, title", [
    ("2015年6月18日，某省召开知识产权会议，部署工作。", "2015-06-18", "某省召开知识产权会议"),
    ("据悉，2024年5月某市举办活动。", "2024-05", "据悉，2024年5月某市举办活动"),
    ("6月18日上午,某会议在杭召开。", "XXXX-06-18", "某会议在杭召开"),
    ("13月40日,某市知识产权会议召开;4月26日是知识产权日。", "XXXX-04-26", "某市知识产权会议召开"),
])
def test_dates_and_titles_come_from_the_first_sentence(first, date, title):
    page = parse_page(page_text(f"报告一\n\n{first}\n\n第二段。"), PAGE)
    report, problems = report_of(page.sections[0], page, PAGE, "s")
    assert problems == []
    assert (report.date, report.title) == (date, title)


def test_the_update_line_gives_the_site_without_its_time():
    page = parse_page(page_text("报告一\n\n5月10日,会议召开。"), PAGE)
    assert page.site == "某网站"
    page = parse_page("某页标题\n\n报告一\n\n5月10日,会议召开。\n\n相关标题", PAGE)
    assert page.site is None and page.related == ("相关标题",)


def test_headings_numbered_in_front_and_a_marked_tail():
    text = ("某页标题\n\n一、第一篇报告\n\n5月10日,会议召开。\n\n二、第二篇报告\n\n"
            "6月1日,会议召开。\n\n短句没有句号\n\n相关文章：\n\n标题甲\n\n标题乙\n\n标题甲")
    page = parse_page(text, PAGE)
    assert [s.label for s in page.sections] == ["一、第一篇报告", "二、第二篇报告"]
    # After the marker, every line is a related title; before it, all is the section's.
    assert page.sections[1].paragraphs == ("6月1日,会议召开。", "短句没有句号")
    assert page.related == ("标题甲", "标题乙")


def test_indented_paragraphs_lose_their_indent():
    page = parse_page("某页标题\n（一）报告\n\u3000\u30005月10日,会议召开。\n", PAGE)
    assert page.sections[0].paragraphs == ("5月10日,会议召开。",)


def test_a_line_ending_in_a_numeral_is_no_heading_unless_numbered_from_one():
    text = page_text("总结一\n\n5月10日,会议召开。\n\n目标是实现三\n\n更多。",
                     "总结二\n\n6月1日,会议。")
    page = parse_page(text, PAGE)
    assert [s.label for s in page.sections] == ["总结一", "总结二"]
    assert "目标是实现三" in page.sections[0].paragraphs


def test_the_last_section_keeps_its_paragraph_even_if_it_looks_like_a_title():
    page = parse_page("某页标题\n\n报告一\n\n短短一段\n\n标题甲", PAGE)
    assert page.sections[0].paragraphs == ("短短一段",)
    assert page.related == ("标题甲",)


def test_unreadable_pages_are_refused_with_every_reason():
    assert problems_of("") == [
        "page.txt: the file is empty — give a scraped page: its title, its sections, and "
        "any related titles"]
    found = problems_of("这是一段很长的正文，不是标题。\n\n又一段。")
    assert len(found) == 1 and found[0].startswith("page.txt:1: ")
    assert "the first line should be the page's title" in found[0]
    assert problems_of("某页标题\n\n发布时间：2023-04-26\n") == [
        "page.txt:1: the page has no text besides its title — give the article's paragraphs "
        "after the title, or sections headed `…一` `…二`, `一、…` or `（一）…`"]
    found = problems_of("某页标题\n\n导语一段。\n\n报告一\n\n报告二\n\n5月1日,会议召开。")
    assert [f.split(": ")[0] for f in found] == ["page.txt:3", "page.txt:5"]
    assert "before the first section heading" in found[0]
    assert "section '报告一' has no text" in found[1]


def test_a_section_without_a_date_is_an_error_at_its_heading(tmp_path):
    page = parse_page(page_text("报告一\n\n某会议召开。", "报告二\n\n又一次会议召开。"), PAGE)
    with pytest.raises(SiteError) as caught:
        plan_import(page, PAGE, tmp_path)
    assert [p.line for p in caught.value.problems] == [5, 9]
    assert "gives no date" in caught.value.problems[0].message
    assert not (tmp_path / "content").exists()


def test_import_into_an_empty_site_plans_reports_and_links(tmp_path):
    plan = plan_import(seed(), SEED_PAGE, tmp_path)
    assert len(plan.reports) == 3 and plan.kept == ()
    assert plan.links_added == SEED_RELATED and plan.links_known == ()
    assert not (tmp_path / "content").exists()  # planning writes nothing
    created = write_import(plan)
    assert created == [path for path, _ in plan.reports]
    links = load_links(tmp_path / "content/links.yaml", problems := [])
    assert problems == [] and tuple(link.title for link in links) == SEED_RELATED


def test_links_are_appended_without_touching_the_file_or_repeating_titles(tmp_path):
    existing = ("# 编辑的注释，必须保留\n"
                "- title: 什么是侵犯知识产权深度解读\n"
                "  source: {site: 高考猫, page_title: 最新知识产权联席会议总结}\n"
                "- title: 关于第17个世界知识产权日活动方案  # 没有来源的条目也算已有\n")
    write_files(tmp_path, {"content/links.yaml": existing})
    plan = plan_import(seed(), SEED_PAGE, tmp_path)
    assert plan.links_known == ("什么是侵犯知识产权深度解读", "关于第17个世界知识产权日活动方案")
    write_import(plan)
    text = (tmp_path / "content/links.yaml").read_text("utf-8")
    assert text.startswith(existing)
    links = load_links(tmp_path / "content/links.yaml", problems := [])
    assert problems == []
    assert sorted(link.title for link in links) == sorted(SEED_RELATED)


def test_a_links_file_in_another_style_is_refused_before_anything_is_written(tmp_path):
    write_files(tmp_path, {"content/links.yaml": "[{title: 某标题}]\n"})
    with pytest.raises(SiteError, match="cannot be appended"):
        plan_import(seed(), SEED_PAGE, tmp_path)
    assert not (tmp_path / "content/reports").exists()


def test_a_broken_links_file_is_refused(tmp_path):
    write_files(tmp_path, {"content/links.yaml": "- title: [不是文字]\n"})
    with pytest.raises(SiteError, match="the links file has errors"):
        plan_import(seed(), SEED_PAGE, tmp_path)


def test_sections_already_archived_are_kept_and_new_slugs_never_collide(tmp_path):
    plan = plan_import(seed(), SEED_PAGE, tmp_path)
    write_import(plan)
    again = plan_import(seed(), SEED_PAGE, tmp_path)
    assert again.reports == () and len(again.kept) == 3 and again.links_text == ""
    # A file that merely has the slug a section would get does not stop the import.
    other = tmp_path / "other"
    first_slug = plan.reports[0][0].name
    write_files(other, {f"content/reports/{first_slug}":
                        "---\ntitle: 别的报告\ndate: 2020\n---\n\n别的。\n"})
    planned = plan_import(seed(), SEED_PAGE, other)
    name = planned.reports[0][0].name
    assert name != first_slug and name.endswith("-2.md")
    write_import(planned)
    assert (other / "content/reports" / first_slug).read_text("utf-8").startswith(
        "---\ntitle: 别的报告")


def body_of(path: Path) -> str:
    return split_front_matter(path.read_text("utf-8"), path)[1]


def test_import_of_the_seed_into_an_empty_site_reproduces_the_archive(capsys, tmp_path):
    site = tmp_path / "empty"
    site.mkdir()
    status, out, err = run_main(capsys, "import", str(SEED_PAGE), "--site", str(site))
    assert (status, err) == (0, "")
    assert out.count("wrote ") == 3 and "added 8 titles to" in out

    imported, problems = load_content(site)
    archived, _ = load_content(REPO)
    assert [p for p in problems if not p.warning] == []
    by_section = {r.source.section: r for r in imported.reports}
    assert len(by_section) == 3
    for report in archived.reports:
        twin = by_section[report.source.section]
        assert body_of(twin.src_path) == body_of(report.src_path)  # byte for byte
        assert twin.date == report.date
        assert (twin.source.site, twin.source.page_title) == \
               (report.source.site, report.source.page_title)
    keys = [(link.title, link.url, link.source) for link in
            load_links(site / "content/links.yaml", [])]
    assert keys == [(link.title, link.url, link.source) for link in
                    load_links(REPO / "content/links.yaml", [])]


def test_import_again_writes_nothing(capsys, real_site):
    before = tree_bytes(real_site)
    status, out, _ = run_main(capsys, "import", str(SEED_PAGE), "--site", str(real_site))
    assert status == 0
    assert out.count("already archived in") == 3
    assert "8 related titles already in" in out and "nothing new to import" in out
    assert tree_bytes(real_site) == before


def test_import_dry_run_prints_and_writes_nothing(capsys, tmp_path):
    status, out, _ = run_main(capsys, "import", str(SEED_PAGE), "--dry-run",
                              "--site", str(tmp_path))
    assert status == 0
    assert list(tmp_path.iterdir()) == []
    assert out.count("would write ") == 3 and "would append 8 titles to" in out
    assert "据统计,,盐城市大丰区共申请各类专利3326件" in out
    assert out.rstrip().endswith("dry run: nothing was written")


def test_import_of_a_page_it_cannot_read_writes_nothing(capsys, real_site, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("某页标题\n\n一段没有日期的正文。\n", "utf-8")
    before = tree_bytes(real_site)
    status, out, err = run_main(capsys, "import", str(page), "--site", str(real_site))
    assert status == 1 and out == ""
    assert f"{page}:3: the article gives no date" in err and "Traceback" not in err
    assert err.rstrip().endswith("import failed; nothing was written")
    assert tree_bytes(real_site) == before


@pytest.mark.parametrize("line, site, date", [
    ("更新时间:2023-12-30 来源:某省知识产权局", "某省知识产权局", "2023-12-30"),
    ("发布时间：2023年4月26日 10:30\u3000来源：某市市场监督管理局\u3000浏览次数：1024",
     "某市市场监督管理局", "2023-04-26"),
    ("来源：某市知识产权局  发布日期：2024/4/26  【字体：大 中 小】",
     "某市知识产权局", "2024-04-26"),
    ("日期：2022-04-20 作者：张三 阅读：12", None, "2022-04-20"),
    ("更新时间:高考猫", "高考猫", None),  # the seed's shape: a time label naming the site
])
def test_an_update_line_gives_each_part_to_its_field_and_drops_the_noise(line, site, date):
    assert read_update_line(line) == UpdateLine(site, date)
    page = parse_page(f"某页标题\n{line}\n报告一\n5月10日,会议召开。\n", PAGE)
    assert (page.site, page.date) == (site, date)


def test_a_line_that_only_mentions_a_source_is_no_update_line():
    assert read_update_line("据来源：某局统计，共申请专利。") is None


def test_the_update_line_reaches_the_report_and_the_links_file(tmp_path):
    text = ("某市知识产权工作动态\n发布时间：2023年4月26日 10:30\u3000"
            "来源：某市市场监督管理局\u3000浏览次数：1024\n报告一\n5月10日,会议召开。\n报告二\n6月1日,会议召开。\n"
            "相关文章\n关于第17个世界知识产权日活动方案\n")
    plan = plan_import(parse_page(text, PAGE), PAGE, tmp_path)
    write_import(plan)
    content, problems = load_content(tmp_path)
    assert [p for p in problems if not p.warning] == []
    assert {r.source.site for r in content.reports} == {"某市市场监督管理局"}
    (link,) = load_links(tmp_path / "content/links.yaml", [])
    assert link.source.site == "某市市场监督管理局"
    assert "浏览次数" not in (tmp_path / "content/links.yaml").read_text("utf-8")


def test_a_page_without_headings_is_one_article_titled_and_dated_by_the_page(tmp_path):
    text = ("关于开展2023年世界知识产权日宣传活动的通知\n"
            "发布时间：2023-04-20\u3000来源：某市知识产权局\n"
            "\u3000\u3000各区知识产权局：\n\u3000\u3000现将有关事项通知如下。\n"
            "某市知识产权局\n2023年4月20日\n")
    page = parse_page(text, PAGE)
    assert page.single and page.related == ()
    plan = plan_import(page, PAGE, tmp_path)
    (path, report_text), = plan.reports
    write_import(plan)
    (report,) = load_content(tmp_path)[0].reports
    assert report.title == "关于开展2023年世界知识产权日宣传活动的通知"
    assert report.date.iso == "2023-04-20"
    assert (report.source.site, report.source.page_title, report.source.section) == (
        "某市知识产权局", "关于开展2023年世界知识产权日宣传活动的通知", None)
    # the signature and the date at the end stay the article's own
    assert body_of(path) == ("各区知识产权局：\n\n现将有关事项通知如下。\n\n某市知识产权局\n\n"
                             "2023年4月20日")


def test_a_section_dated_by_its_year_alone_is_dated_so(tmp_path):
    page = parse_page(page_text("报告一\n\n2022年，某市共受理专利申请1万件。",
                                "报告二\n\n2022年以来，某市持续推进。"), PAGE)
    report, problems = report_of(page.sections[0], page, PAGE, "s")
    assert problems == [] and (report.date, report.title) == ("2022", "某市共受理专利申请1万件")
    # a year that does not open the sentence is no date: never guessed
    report, problems = report_of(page.sections[1], page, PAGE, "s")
    assert report is None and "gives no date" in problems[0].message


def test_text_that_looks_like_markdown_is_imported_as_the_text_it_is(tmp_path):
    # A source's numbered points, a leading #, a bracketed treaty name and stars are text:
    # the built page shows every character of them, and no list, heading or tag.
    paragraphs = ["1. 第一项工作要点，请各单位认真落实。", "# 井号开头的一段。",
                  "* 星号开头的一段，**不是**强调。", "参见<TRIPS协议>第7条，<b>照录</b>。",
                  "- 减号开头的一段。", "> 大于号开头的一段。", "2) 第二项。",
                  "a_b [c](d) `e` ~~f~~"]
    text = ("关于开展知识产权宣传周活动的通知\n发布时间：2023-04-20\u3000来源：某市知识产权局\n"
            + "".join(f"{p}\n" for p in paragraphs))
    page = parse_page(text, PAGE)
    write_import(plan_import(page, PAGE, tmp_path))
    out = build(tmp_path, tmp_path / "out", BuildOptions(search=False, jobs=1)).out_dir
    [html] = (out / "reports").glob("*.html")
    body = BeautifulSoup(html.read_bytes(), "html.parser").select_one(".report-body")
    assert [p.get_text() for p in body.find_all(True, recursive=False)] == paragraphs
    assert {tag.name for tag in body.find_all(True)} == {"p"}
