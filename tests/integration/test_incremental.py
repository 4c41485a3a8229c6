"""Incremental and parallel builds give exactly the bytes of a clean build, and do only
the work a change requires."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import write_corpus
from conftest import REPO, tree_bytes, write_files
from generator.build.pipeline import build
from generator.build.cache import CACHE_PATH

REGIONS = ["江苏省", "浙江省", "江西省"]
TAGS = ["专利", "商标", "版权", "知识产权联席会议"]
TITLES = ["盐城市大丰区召开知识产权联席会议", "关于第17个世界知识产权日活动方案", "泛珠三角区域合作",
          "浙江省知识产权工作会议"]


def report_text(title: str, date: str, region: str, tags: list[str], body: str,
                summary: str = "一句话。") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nregion: {region}\n"
            f"tags: [{', '.join(tags)}]\nsummary: {summary}\n"
            f"source:\n  site: 高考猫\n  page_title: 最新知识产权联席会议总结\n---\n\n{body}\n")


reports = st.builds(
    report_text,
    title=st.sampled_from(TITLES),
    date=st.sampled_from(["2015-06-18", "2015", "XXXX-05-10", "XXXX-12-13", "2024-04-26?"]),
    region=st.sampled_from(REGIONS),
    tags=st.lists(st.sampled_from(TAGS), min_size=1, max_size=3, unique=True),
    body=st.sampled_from(["据统计,,共申请各类专利3326件。", "## 会议内容\n\n正文。\n\n- 一\n- 二",
                          "会议商定下一届由湖南省承办。"]),
    summary=st.sampled_from(["一句话。", "另一句话。"]),
)
names = st.sampled_from([f"r{i}" for i in range(5)])
field_edits = st.tuples(st.just("field"), names, st.one_of(  # one field of one report
    st.tuples(st.just("title"), st.sampled_from(TITLES)),
    st.tuples(st.just("date"), st.sampled_from(["2016-01-01", "XXXX-01-01"])),
    st.tuples(st.just("region"), st.sampled_from(REGIONS)),
    st.tuples(st.just("summary"), st.sampled_from(["一句话。", "另一句话。"]))))
edits = st.one_of(
    st.tuples(st.just("write"), names, reports),  # add or change a report
    # The body alone: the short path of delta.py, when nothing else changed since.
    st.tuples(st.just("body"), names, st.sampled_from(["补记一句。", "## 补记\n\n一句。"])),
    st.tuples(st.just("touch"), names),  # saved again unchanged: a new mtime, the same bytes
    field_edits, field_edits, field_edits,  # the subtle edits, drawn more often
    st.tuples(st.just("delete"), names),
    st.tuples(st.just("rename"), names, names),
    st.tuples(st.just("template"), st.sampled_from(["base.html", "group.html", "report.html"]),
              st.sampled_from(["<!-- a -->", "<!-- b -->"])),
    st.tuples(st.just("link"), st.sampled_from(TITLES + ["什么是侵犯知识产权深度解读"])),
    st.tuples(st.just("static"), st.sampled_from(["body{}", "p{}"])),
    # base_url puts URLs in reports.json, whose lines a rebuild may keep
    st.tuples(st.just("settings"), st.sampled_from([5, 20]),
              st.sampled_from(["", "base_url: https://archive.example/ipr/\n"])),
)


def apply(site: Path, edit: tuple) -> None:
    reports_dir = site / "content/reports"
    if edit[0] == "write":
        (reports_dir / f"{edit[1]}.md").write_text(edit[2], encoding="utf-8")
    elif edit[0] == "body":
        path = reports_dir / f"{edit[1]}.md"
        if path.exists():
            path.write_text(path.read_text("utf-8") + f"\n{edit[2]}\n", encoding="utf-8")
    elif edit[0] == "touch":
        path = reports_dir / f"{edit[1]}.md"
        if path.exists():
            path.write_bytes(path.read_bytes())
    elif edit[0] == "field":
        path = reports_dir / f"{edit[1]}.md"
        if path.exists():
            field, value = edit[2]
            lines = [f"{field}: {value}" if line.startswith(f"{field}:") else line
                     for line in path.read_text("utf-8").split("\n")]
            path.write_text("\n".join(lines), encoding="utf-8")
    elif edit[0] == "delete":
        (reports_dir / f"{edit[1]}.md").unlink(missing_ok=True)
    elif edit[0] == "rename":
        source = reports_dir / f"{edit[1]}.md"
        if source.exists() and not (reports_dir / f"{edit[2]}.md").exists():
            source.rename(reports_dir / f"{edit[2]}.md")
    elif edit[0] == "template":
        template = site / "templates" / edit[1]
        text = template.read_text("utf-8").replace("<!-- a -->", "").replace("<!-- b -->", "")
        template.write_text(text + edit[2] + "\n", encoding="utf-8")
    elif edit[0] == "link":
        with open(site / "content/links.yaml", "a", encoding="utf-8") as links:
            links.write(f"- title: {edit[1]}\n  source:\n    site: 高考猫\n"
                        f"    page_title: 最新知识产权联席会议总结\n")
    elif edit[0] == "static":
        (site / "static/extra.css").write_text(edit[1], encoding="utf-8")
    elif edit[0] == "settings":
        (site / "site.yaml").write_text(f"title: 档案\npage_size: {edit[1]}\n{edit[2]}",
                                        encoding="utf-8")


def fresh_site(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    write_files(root, {"site.yaml": "title: 档案\n", "content/links.yaml": ""})
    for index, title in enumerate(TITLES):  # r0 to r3; edits may add r4
        write_files(root, {f"content/reports/r{index}.md": report_text(
            title, f"201{index}", REGIONS[index % 3], TAGS[:index + 1], "正文。")})
    return root


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(edits, min_size=1, max_size=6), search=st.booleans())
@example(steps=[("field", "r0", ("title", TITLES[1]))], search=True)  # lists show titles
@example(steps=[("body", "r1", "补记一句。"), ("body", "r1", "补记一句。"),
                ("field", "r1", ("title", TITLES[0]))], search=False)
@example(steps=[("settings", 20, "base_url: https://archive.example/ipr/\n")],
         search=False)  # reports.json lines made without a base_url are not kept
def test_every_incremental_build_equals_a_clean_build(tmp_path, steps, search):
    site = fresh_site(tmp_path / "site")
    build(site, site / "public", jobs=1, search=search)
    for step in steps:
        apply(site, step)
        incremental = build(site, site / "public", jobs=1, search=search)
        clean = tmp_path / "clean"
        if clean.exists():
            shutil.rmtree(clean)
        build(site, clean, use_cache=False, jobs=1, search=search)
        assert tree_bytes(site / "public") == tree_bytes(clean), step
        assert incremental.written + incremental.reused == incremental.files


def test_a_body_change_rewrites_only_that_report(real_site):
    # Pages only: what an edit rewrites of the search index is in tests/unit/test_search.py.
    build(real_site, search=False)
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    path.write_text(path.read_text("utf-8") + "\n补记一句。\n", encoding="utf-8")
    before = tree_bytes(real_site / "public")
    result = build(real_site, search=False)
    after = tree_bytes(real_site / "public")
    # The report, and reports.json, which publishes the SHA-256 of every body.
    assert sorted(name for name in after if after[name] != before.get(name)) == [
        "reports.json", "reports/dafeng-ip-joint-meeting.html"]
    assert result.written == 2
    assert "补记一句。" in (real_site / "public/reports/dafeng-ip-joint-meeting.html").read_text()


def test_a_title_change_rewrites_the_lists_that_show_it_and_nothing_else(real_site):
    first = build(real_site, search=False)  # pages only, as above
    before = tree_bytes(real_site / "public")
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    path.write_text(path.read_text("utf-8").replace("title: 盐城市大丰区", "title: 江苏盐城市大丰区"),
                    encoding="utf-8")
    result = build(real_site, search=False)
    after = tree_bytes(real_site / "public")
    changed = sorted(name for name in after if after[name] != before.get(name))
    # The lists showing it, its year's page, reports.json, and the two other reports, which
    # name it as their neighbour or as a related report.
    assert changed == [
        "archive/index.html", "archive/unknown-year.html", "index.html", "regions/江苏省.html",
        "reports.json", "reports/dafeng-ip-joint-meeting.html",
        "reports/pan-prd-ip-cooperation-nanchang.html",
        "reports/zhejiang-ip-joint-meeting-hangzhou.html", "tags/专利.html",
        "tags/知识产权强县.html", "tags/知识产权联席会议.html"]
    assert result.written == len(changed) and result.reused == first.files - len(changed)


def test_a_template_change_rerenders_only_the_pages_using_it(real_site):
    build(real_site)
    template = real_site / "templates/group.html"
    template.write_text(template.read_text("utf-8") + "<!-- changed -->\n", encoding="utf-8")
    result = build(real_site)
    group_pages = [p for folder in ("tags", "regions", "archive")
                   for p in (real_site / "public" / folder).rglob("*.html")
                   if p.name != "index.html"]  # the indexes have templates of their own
    assert result.written == len(group_pages) > 0


def test_nothing_changed_writes_nothing_and_reports_the_warnings_again(real_site):
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    path.write_text(path.read_text("utf-8").replace("---\n\n", "author: 某人\n---\n\n", 1),
                    encoding="utf-8")
    first = build(real_site)
    second = build(real_site)
    assert (second.written, second.reused) == (0, first.files)
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]
    assert any("unknown field 'author'" in w.message for w in second.warnings)


def test_a_page_edited_in_the_output_by_hand_is_rendered_again(real_site):
    build(real_site)
    page = real_site / "public/reports/dafeng-ip-joint-meeting.html"
    clean = page.read_bytes()
    page.write_bytes(clean.replace("盐城".encode(), "某地".encode()))
    result = build(real_site)
    assert result.written == 1 and page.read_bytes() == clean


def test_parallel_and_single_process_builds_are_identical(tmp_path):
    site = write_corpus(450, tmp_path / "corpus")
    one = build(site, tmp_path / "one", jobs=1, use_cache=False)
    two = build(site, tmp_path / "two", jobs=2, use_cache=False)
    assert one.pages == two.pages > 450
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_a_cold_parallel_build_fills_the_cache_for_the_next(tmp_path):
    site = write_corpus(450, tmp_path / "corpus")
    build(site, jobs=2, search=False)  # pages only, as above
    again = build(site, jobs=2, search=False)
    assert again.written == 0
    (site / "content/reports/report-000100.md").write_text(
        (site / "content/reports/report-000100.md").read_text("utf-8") + "\n新增一句。\n",
        encoding="utf-8")
    assert build(site, jobs=2, search=False).written == 2  # the report and reports.json
    build(site, tmp_path / "clean", use_cache=False, jobs=1, search=False)
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")
    assert (site / CACHE_PATH).is_file()


def test_a_body_edit_is_built_without_parsing_the_archive_again(tmp_path, monkeypatch):
    import generator.build.pipeline as build_module

    site = write_corpus(120, tmp_path / "corpus")
    build(site, jobs=1, search=False)
    edited = site / "content/reports/report-000060.md"
    edited.write_text(edited.read_text("utf-8") + "\n新增一句。\n", encoding="utf-8")

    def must_not_run(*args, **kwargs):
        raise AssertionError("the whole archive was parsed for a body edit")

    monkeypatch.setattr(build_module, "parse_sources", must_not_run)
    result = build(site, jobs=1, search=False)
    monkeypatch.undo()
    assert (result.written, result.reused) == (2, result.files - 2)
    assert "新增一句。" in (site / "public/reports/report-000060.html").read_text("utf-8")
    build(site, tmp_path / "clean", use_cache=False, jobs=1, search=False)
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")
    # A field edit next takes the whole pipeline again, and still matches a clean build.
    edited.write_text(edited.read_text("utf-8").replace("title: ", "title: 新", 1),
                      encoding="utf-8")
    assert build(site, jobs=1, search=False).written > 2
    shutil.rmtree(tmp_path / "clean")
    build(site, tmp_path / "clean", use_cache=False, jobs=1, search=False)
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")


def test_a_rebuild_reads_only_the_files_that_changed(real_site, monkeypatch):
    import generator.build.inputs as sources_module

    hour_ago = time.time_ns() - 3600 * 10**9
    for path in (real_site / "content").rglob("*.md"):
        os.utime(path, ns=(hour_ago, hour_ago))  # saved long before the build
    build(real_site, search=False)
    read = []
    real_read = sources_module.read_source_bytes
    monkeypatch.setattr(sources_module, "read_source_bytes",
                        lambda path: read.append(path.name) or real_read(path))
    assert build(real_site, search=False).written == 0
    assert read == []  # known by size, mtime and inode alone
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    edited.write_text(edited.read_text("utf-8") + "\n补记一句。\n", encoding="utf-8")
    assert build(real_site, search=False).written == 2
    assert set(read) == {"dafeng-ip-joint-meeting.md"}  # to digest it, then to parse it


def test_a_file_changed_within_a_clock_tick_of_the_last_read_is_read_again(real_site):
    # Coarse file system clocks can give a file saved twice in one tick the same mtime;
    # a file saved that close to the last build is never trusted by its mtime alone.
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    text = edited.read_text("utf-8")
    edited.write_text(text, encoding="utf-8")  # saved just now
    build(real_site, search=False)
    before = os.stat(edited)
    edited.write_text(text.replace("盐城", "某城", 1), encoding="utf-8")  # the same size
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(edited).st_size == before.st_size
    build(real_site, search=False)
    assert "某城" in (real_site / "public/reports/dafeng-ip-joint-meeting.html").read_text()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_found_it(tmp_path, enabled):
    # The build turns the collector off while it reads and models the archive, and on
    # while it renders; a program that calls build() (serve does, again and again) gets
    # back the collector it had.
    import gc

    write_corpus(30, tmp_path / "site")
    before = gc.get_threshold()
    (gc.enable if enabled else gc.disable)()
    try:
        build(tmp_path / "site", search=False)
        assert gc.isenabled() is enabled
        assert gc.get_threshold() == before
    finally:
        gc.enable()
