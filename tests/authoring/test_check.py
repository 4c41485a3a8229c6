"""generator/authoring/check.py: `ipr-archive check`. Following the links of a built site,
each kind of problem at its place, run as an editor would."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.authoring.check import body_first_line, check_output, check_site
from generator.build import workers
from generator.source import content
from generator.source.content import Content, Report
from generator.source.dates import parse_date
from tests.helpers import (
    MINIMAL_REPORT,
    body_line_of,
    cli,
    hostile_site,
    line_of_front,
    run_main,
    tree_bytes,
    write_files,
)


def page(*links: str, ids: str = "") -> str:
    anchors = "".join(f'<a href="{href}">x</a>\n' for href in links)
    return f"<!doctype html>\n<html><body>\n<h2 id=\"{ids}\">t</h2>\n{anchors}</body></html>\n"


def messages(out: Path, content: Content | None = None) -> list[str]:
    problems, _ = check_output(out, content or Content((), (), ()), jobs=1)
    return [str(p) for p in sorted(problems)]


def test_a_linked_site_has_nothing_to_report(tmp_path):
    write_files(tmp_path, {"index.html": page("a/b.html#sec", "404.html"),
                           "a/b.html": page("../index.html", "#sec", "", ids="sec"),
                           "404.html": page("index.html")})
    assert messages(tmp_path) == []


def test_each_kind_of_link_problem(tmp_path):
    write_files(tmp_path, {
        "index.html": page("a/b.html", "a/", "/a/b.html", "../outside.html",
                           "a/b.html#gone", "missing.html", "https://example.org/x",
                           "mailto:a@b.c"),
        "a/b.html": page("../index.html"), "a/index.html": page("../index.html"),
        "lonely.html": page("index.html")})
    found = messages(tmp_path)
    assert found == sorted([
        "index.html (built page; the link comes from its template):9: link 'missing.html' "
        "leads to missing.html, which the site does not have — correct the address or remove "
        "the link",
        "index.html (built page; the link comes from its template):8: link 'a/b.html#gone' "
        "points to an anchor #gone that a/b.html does not have — link to one of the page's "
        "headings or remove the #part",
        "index.html (built page; the link comes from its template):7: link '../outside.html' "
        "leads outside the site — link to a page of the site, or give a full https:// address",
        "index.html (built page; the link comes from its template):5: warning: link 'a/' "
        "names a folder: it works on a web server but not opened from disk — link to "
        "a/index.html instead",
        "index.html (built page; the link comes from its template):6: warning: link "
        "'/a/b.html' starts with / and breaks when the site is published under a subpath or "
        "opened from disk — write it relative to this page",
        "lonely.html: warning: no other page links to lonely.html — link to it from another "
        "page, or remove it"])


def test_a_link_in_a_report_is_placed_at_its_markdown_line(tmp_path):
    source = tmp_path / "src" / "r.md"
    write_files(tmp_path, {"src/r.md": "---\ntitle: t\ndate: 2020\n---\n\n正文。\n\n"
                                       "见[甲](nope.html)。\n",
                           "out/index.html": page("reports/r.html"),
                           "out/reports/r.html": page("../index.html", "nope.html")})
    report = Report(source, "r", "t", parse_date("2020"), None)
    assert messages(tmp_path / "out", Content((report,), (), ())) == [
        f"{source}:8: link 'nope.html' leads to reports/nope.html, which the site does not "
        "have — correct the address or remove the link"]


def test_body_first_line_skips_the_front_matter_and_blank_lines():
    assert body_first_line("---\ntitle: t\n---\n\n\n正文") == 6
    assert body_first_line("---\ntitle: t\n---\n正文") == 4


def drop_as_found(site: Path) -> None:
    for path in (site / "content/reports").glob("*.md"):
        text = path.read_text("utf-8")
        path.write_text(re.sub(r"^as_found:.*\n", "", text, flags=re.MULTILINE), "utf-8")


def test_check_of_the_archive_finds_nothing_and_counts_what_is_kept(capsys, real_site):
    before = tree_bytes(real_site)
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 0
    assert "content/reports" not in out  # every slip is acknowledged in as_found
    assert re.search(r"^check: 0 errors, \d+ warnings?; 3 reports and \d+ pages checked; "
                     r"\d+ slips kept as found \(as_found\)$", out, re.MULTILINE)
    assert tree_bytes(real_site) == before  # nothing built into the site, no cache


def test_check_warns_about_the_seed_slips_without_as_found(capsys, real_site):
    drop_as_found(real_site)
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 0
    dafeng = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    zhejiang = real_site / "content/reports/zhejiang-ip-joint-meeting-hangzhou.md"
    assert f"{dafeng}:{body_line_of(dafeng, '据统计,,')}: warning: doubled punctuation ',,'" in out
    assert f"{zhejiang}:{body_line_of(zhejiang, '2015?2020')}: warning: '?' stands where a " \
           "character was lost" in out
    assert "ASCII punctuation inside Chinese text" in out

    status, out, _ = run_main(capsys, "check", "--strict", "--site", str(real_site))
    assert status == 1
    assert f"{dafeng}:{body_line_of(dafeng, '据统计,,')}: doubled punctuation ',,'" in out


def test_check_reports_a_broken_link_and_anchor_as_errors_at_their_lines(capsys, real_site):
    report = real_site / "content/reports/pan-prd-ip-cooperation-nanchang.md"
    report.write_text(report.read_text("utf-8") + "\n参见[纪要](missing.html)。\n\n"
                      "另见[上文](#nope)和[关于](../about/index.html)。\n", "utf-8")
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 1
    broken = body_line_of(report, "missing.html")
    assert f"{report}:{broken}: link 'missing.html' leads to reports/missing.html, which " \
           "the site does not have" in out
    assert f"{report}:{broken + 2}: link '#nope' points to an anchor #nope that " \
           "reports/pan-prd-ip-cooperation-nanchang.html does not have" in out
    assert "about/index.html" not in out  # a good link is not reported
    assert re.search(r"^check: 2 errors, ", out, re.MULTILINE)


def test_check_reports_front_matter_problems_like_the_build(capsys, real_site):
    write_files(real_site, {"content/reports/broken.md": "---\ntitle: 2024\ndate: 2024\n---\n"})
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 1
    assert f"{real_site / 'content/reports/broken.md'}:2: 'title' must be text" in out
    assert "the build failed, so links were not checked" in out


def test_check_warns_about_a_page_nothing_links_to(capsys, real_site):
    write_files(real_site, {"content/pages/lonely.md": "---\ntitle: 孤页\n---\n\n无人链接。\n"})
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 0
    lonely = real_site / "content/pages/lonely.md"
    assert f"{lonely}:1: warning: no other page links to lonely/index.html" in out
    assert "404.html" not in out  # the not-found page is reached without links
    about = real_site / "content/pages/about.md"
    about.write_text(about.read_text("utf-8") + "\n见[孤页](../lonely/index.html)。\n", "utf-8")
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert "lonely" not in out


def test_a_wrong_as_found_excerpt_is_an_error(capsys, real_site):
    report = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    report.write_text(report.read_text("utf-8").replace('"据统计,,"', '"据统计，，"'), "utf-8")
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 1
    assert f"{report}:{line_of_front(report, 'as_found')}: as_found excerpt '据统计，，' is " \
           "not in the body" in out


def test_check_reads_the_hostile_site_without_a_traceback(make_site):
    site = hostile_site(make_site)
    run = cli("check", "--site", str(site), "--jobs", "1", cwd=site)
    assert "Traceback" not in run.stderr and run.returncode in (0, 1), run.stderr


@pytest.mark.parametrize("forked", [False, True])
def test_check_parses_each_source_once(make_site, monkeypatch, tmp_path, forked):
    # Each report, page and the links file is parsed by its YAML; the log is a file, so
    # that the build's forked workers (made to fork with two files here) can add to it.
    site = make_site({"content/reports/a.md": MINIMAL_REPORT,
                      "content/reports/b.md": MINIMAL_REPORT.replace("测试报告", "另一份"),
                      "content/pages/about.md": "---\ntitle: 关于\n---\n\n关于本站。\n",
                      "content/links.yaml": "- title: 一篇\n  url: https://example.org/a\n"})
    log = tmp_path / "parsed.log"
    parse_yaml = content.parse_yaml

    def logged(text, path, *args, **kwargs):
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{Path(path).relative_to(site).as_posix()}\n")
        return parse_yaml(text, path, *args, **kwargs)

    monkeypatch.setattr(content, "parse_yaml", logged)
    if forked:
        monkeypatch.setattr(workers, "MIN_PARALLEL_ITEMS", 2)
    result = check_site(site, jobs=2 if forked else 1)
    assert result.built and result.errors == 0 and result.reports == 2
    assert sorted(log.read_text("utf-8").split()) == [
        "content/links.yaml", "content/pages/about.md", "content/reports/a.md",
        "content/reports/b.md"]


def test_unknown_fields_are_errors_under_strict_with_the_closest_known_name(capsys, real_site):
    dafeng = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    dafeng.write_text(dafeng.read_text("utf-8").replace("\ntags:", "\ntag:", 1), "utf-8")
    settings = real_site / "site.yaml"
    settings.write_text(settings.read_text("utf-8") + "titel: 某站\n", "utf-8")
    links = real_site / "content/links.yaml"
    links.write_text(links.read_text("utf-8") + "- title: 某文\n  ulr: https://a.cn/\n", "utf-8")
    tag_line = line_of_front(dafeng, "tag")
    titel_line = settings.read_text("utf-8").count("\n")
    ulr_line = links.read_text("utf-8").count("\n")
    expected = [
        f"{dafeng}:{tag_line}: {{}}unknown field 'tag' in the front matter is ignored — did you "
        "mean `tags`?",
        f"{settings}:{titel_line}: {{}}unknown field 'titel' in site.yaml is ignored — did you "
        "mean `title`?",
        f"{links}:{ulr_line}: {{}}unknown field 'ulr' in a link entry is ignored — did you mean "
        "`url`?"]
    status, out, _ = run_main(capsys, "check", "--site", str(real_site))
    assert status == 0
    assert all(line.format("warning: ") in out.splitlines() for line in expected)
    status, out, _ = run_main(capsys, "check", "--strict", "--site", str(real_site))
    assert status == 1
    assert all(line.format("") in out.splitlines() for line in expected)
