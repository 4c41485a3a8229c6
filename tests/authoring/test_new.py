"""generator/authoring/new.py: slugs from titles, front matter the build reads back exactly,
and `ipr-archive new` run as an editor would."""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from generator.authoring.new import (
    MAX_SLUG,
    NewReport,
    NewRequest,
    ScaffoldError,
    plan_new_report,
    report_text,
    slug_of,
    taken_slugs,
    unique_slug,
    write_new_report,
)
from generator.build.pipeline import BuildOptions, build
from generator.source.content import parse_source
from tests.helpers import body_line_of, parse, run_main, tree_bytes

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.mark.parametrize("title, slug", [
    ("知识产权联席会议", "zhi-shi-chan-quan-lian-xi-hui-yi"),
    ("第17个世界知识产权日", "di-17-ge-shi-jie-zhi-shi-chan-quan-ri"),
    ("重庆市知识产权局", "chong-qing-shi-zhi-shi-chan-quan-ju"),
    ("World IP Day 2024：Café", "world-ip-day-2024-cafe"),
    ("２０２４年", "2024-nian"),  # full-width digits folded
    ("！！！", "report"),  # nothing to spell: a fixed word
])
def test_slug_of_spells_titles_in_ascii(title, slug):
    assert slug_of(title) == slug


def test_long_titles_are_cut_at_a_syllable_under_the_limit():
    title = "第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行"
    full = slug_of(title, max_length=1000)
    short = slug_of(title)
    assert len(full) > MAX_SLUG >= len(short)
    assert SLUG.match(short) and (full + "-").startswith(short + "-")
    assert slug_of(title) == short  # stable


def test_one_very_long_word_is_cut_inside():
    assert slug_of("x" * 80) == "x" * MAX_SLUG


def test_unique_slug_appends_a_number():
    assert unique_slug("a-b", set()) == "a-b"
    assert unique_slug("a-b", {"a-b"}) == "a-b-2"
    assert unique_slug("a-b", {"a-b", "a-b-2"}) == "a-b-3"
    long = slug_of("第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行")
    numbered = unique_slug(long, {long})
    assert numbered.endswith("-2") and len(numbered) <= MAX_SLUG and SLUG.match(numbered)


@pytest.mark.parametrize("title", ["2024", "yes", "null", "标题: 冒号", "#不是注释", "'引号'",
                                   "  空格  ".strip(), "[方括号]", "a, b"])
def test_front_matter_reads_back_as_written(title):
    report = NewReport(title, "XXXX-05-10", "x", place="江苏省盐城市", region="江苏省",
                       tags=("专利", "yes", "a, b", "2024"), summary="一句话：摘要")
    parsed, problems = parse_source("report", Path("x.md"), report_text(report).encode())
    assert [p for p in problems if not p.warning] == [] and not problems
    assert (parsed.title, parsed.date.iso, parsed.slug, parsed.place, parsed.region,
            parsed.tags, parsed.summary) == (title, "XXXX-05-10", "x", "江苏省盐城市", "江苏省",
                                             ("专利", "yes", "a, b", "2024"), "一句话：摘要")
    assert parsed.body == report.body


def test_empty_fields_are_written_out_and_read_as_absent():
    text = report_text(NewReport("标题", "2024-05-10", "x"))
    for field in ("place:", "region:", "tags: []", "summary:", "# source:", "#   page_title:"):
        assert f"\n{field}" in text
    parsed, problems = parse_source("report", Path("x.md"), text.encode())
    assert problems == [] and parsed.place is None and parsed.source is None
    assert "date: 2024-05-10\n" in text  # plain, as the README writes dates


def test_plan_defaults_to_today_and_a_slug_from_the_title(tmp_path):
    report, path = plan_new_report(tmp_path, NewRequest(" 知识产权联席会议 "),
                                   today=datetime.date(2024, 4, 26))
    assert (report.title, report.date, report.slug) == ("知识产权联席会议", "2024-04-26",
                                                        "zhi-shi-chan-quan-lian-xi-hui-yi")
    assert path == tmp_path / "content/reports/zhi-shi-chan-quan-lian-xi-hui-yi.md"
    assert not path.exists()  # planning writes nothing


def test_plan_makes_the_slug_unique_against_files_and_declared_slugs(tmp_path):
    reports = tmp_path / "content/reports"
    reports.mkdir(parents=True)
    (reports / "zhi-shi-chan-quan-lian-xi-hui-yi.md").write_text("---\ntitle: a\n---\n")
    (reports / "other.md").write_text(
        "---\ntitle: b\nslug: zhi-shi-chan-quan-lian-xi-hui-yi-2\n---\n")
    assert taken_slugs(tmp_path) >= {"zhi-shi-chan-quan-lian-xi-hui-yi",
                                     "zhi-shi-chan-quan-lian-xi-hui-yi-2", "other"}
    report, _ = plan_new_report(tmp_path, NewRequest("知识产权联席会议", date="2024"))
    assert report.slug == "zhi-shi-chan-quan-lian-xi-hui-yi-3"


def test_plan_refuses_a_taken_slug(tmp_path):
    (tmp_path / "content/reports").mkdir(parents=True)
    (tmp_path / "content/reports/taken.md").write_text("---\ntitle: a\n---\n")
    with pytest.raises(ScaffoldError) as caught:
        plan_new_report(tmp_path, NewRequest("标题", slug="taken"))
    assert "already used" in str(caught.value)


def test_plan_reports_every_problem_at_once(tmp_path):
    with pytest.raises(ScaffoldError) as caught:
        plan_new_report(tmp_path, NewRequest("标题", date="2023-02-30", slug="Bad_Slug",
                                             region="a/b", tags=("好", "x#y")))
    text = "\n".join(caught.value.messages)
    assert "not a real date" in text and "Bad_Slug" in text and "'a/b'" in text \
        and "'x#y'" in text
    with pytest.raises(ScaffoldError, match="title is empty"):
        plan_new_report(tmp_path, NewRequest("  "))


def test_writing_never_replaces_a_file(tmp_path):
    report, path = plan_new_report(tmp_path, NewRequest("标题", date="2024-05-10"))
    assert write_new_report(tmp_path, report) == path
    assert path.read_text("utf-8") == report_text(report)
    path.write_text("编辑过的内容", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_new_report(tmp_path, report)
    assert path.read_text("utf-8") == "编辑过的内容"


def test_new_writes_a_report_that_the_build_publishes(capsys, make_site):
    site = make_site({})
    status, out, err = run_main(capsys, "new", "盐城市大丰区召开知识产权联席会议",
                           "--date", "XXXX-05-10", "--region", "江苏省", "--tag", "专利",
                           "--tag", "知识产权联席会议", "--site", str(site))
    assert (status, err) == (0, "")
    path = Path(out.strip())
    slug = "yan-cheng-shi-da-feng-qu-zhao-kai-zhi-shi-chan-quan-lian-xi"
    assert path == site / f"content/reports/{slug}.md"
    text = path.read_text("utf-8")
    assert text.startswith("---\ntitle: 盐城市大丰区召开知识产权联席会议\ndate: XXXX-05-10\n")
    assert "region: 江苏省\ntags: [专利, 知识产权联席会议]\n" in text

    build(site, site / "public", BuildOptions(use_cache=False))
    page = parse(site / f"public/reports/{path.stem}.html")
    assert page.find("h1").get_text(strip=True) == "盐城市大丰区召开知识产权联席会议"
    assert (site / "public/regions/江苏省.html").is_file()

    status, out, _ = run_main(capsys, "check", "--site", str(site))
    assert status == 0  # a new report is fine, but its body is still to be written
    assert f"{path}:{body_line_of(path, '在此照录')}: warning: the body is still the placeholder " \
           "`ipr-archive new` wrote" in out


def test_new_defaults_to_today_and_makes_the_slug_unique(capsys, make_site, monkeypatch):
    site = make_site({})
    monkeypatch.chdir(site)
    first = run_main(capsys, "new", "知识产权联席会议")
    second = run_main(capsys, "new", "知识产权联席会议")
    assert [first[1], second[1]] == ["content/reports/zhi-shi-chan-quan-lian-xi-hui-yi.md\n",
                                     "content/reports/zhi-shi-chan-quan-lian-xi-hui-yi-2.md\n"]
    text = (site / "content/reports/zhi-shi-chan-quan-lian-xi-hui-yi.md").read_text("utf-8")
    assert f"\ndate: {datetime.date.today().isoformat()}\n" in text


def test_new_refuses_to_overwrite_and_leaves_the_file_alone(capsys, real_site):
    before = tree_bytes(real_site)
    status, out, err = run_main(capsys, "new", "标题", "--slug", "dafeng-ip-joint-meeting",
                           "--site", str(real_site))
    assert status == 1 and out == ""
    assert "error: slug 'dafeng-ip-joint-meeting' is already used" in err
    status, _, err = run_main(capsys, "new", "标题", "--date", "2023-02-30",
                              "--site", str(real_site))
    assert status == 1 and "not a real date" in err
    assert tree_bytes(real_site) == before


@pytest.mark.parametrize("title, slug", [("2024", "2024"), ("2024-04-26", "2024-04-26"),
                                         ("3.5", "3-5"), ("true", "true"), ("null", "null")])
def test_new_with_a_title_yaml_would_read_as_a_number_or_date_writes_a_report_that_parses(
        capsys, make_site, title, slug):
    site = make_site({})
    status, out, err = run_main(capsys, "new", title, "--date", "2024-04-26",
                                "--site", str(site))
    assert (status, err) == (0, "")
    path = Path(out.strip())
    assert path == site / f"content/reports/{slug}.md"
    report, problems = parse_source("report", path, path.read_bytes())
    assert [p for p in problems if not p.warning] == []
    assert report is not None and (report.title, report.slug) == (title, slug)


def test_new_with_a_slug_yaml_would_read_as_a_number_writes_it_so_it_parses(capsys, make_site):
    site = make_site({})
    status, out, err = run_main(capsys, "new", "标题", "--slug", "2024", "--site", str(site))
    assert (status, err) == (0, "")
    path = Path(out.strip())
    report, problems = parse_source("report", path, path.read_bytes())
    assert report is not None and report.slug == "2024"


def test_new_with_a_date_written_another_way_says_the_option_to_give(capsys, make_site):
    site = make_site({})
    status, out, err = run_main(capsys, "new", "标题", "--date", "2024年4月26日",
                                "--site", str(site))
    assert (status, out) == (1, "")
    assert err == ("ipr-archive new: error: --date '2024年4月26日' is not a date in the archive's "
                   "form, YYYY-MM-DD — write `--date 2024-04-26`\n")
    assert not (site / "content/reports").exists() or not any((site / "content/reports").iterdir())
