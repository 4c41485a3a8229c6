"""generator/build/pipeline.py: one build, start to end. Incremental builds give exactly the
bytes of a clean build and do only the work a change requires; the same sources give the
same bytes whatever the machine around the build; failures are messages, not tracebacks."""
from __future__ import annotations

import datetime
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import write_corpus
from generator.build.pipeline import NO_BASE_URL, BuildOptions, build
from generator.build.writer import MANIFEST
from generator.errors import SiteError
from generator.pages import theme
from tests.helpers import (
    REPO,
    REPORT,
    assert_clear_failure,
    build_out,
    main_build,
    parse,
    report,
    tree_bytes,
    write_files,
)

REGIONS = ["江苏省", "浙江省", "江西省"]
TAGS = ["专利", "商标", "版权", "知识产权联席会议", "世界知识产权日"]
TITLES = ["盐城市大丰区召开知识产权联席会议", "关于第17个世界知识产权日活动方案",
          "泛珠三角区域合作", "浙江省知识产权工作会议"]


def report_text(title: str, date: str, region: str, tags: list[str], body: str,
                summary: str = "一句话。") -> str:
    # The address is the title's: a link with it joins the report in the 世界知识产权日 index.
    return (f"---\ntitle: {title}\ndate: {date}\nregion: {region}\n"
            f"tags: [{', '.join(tags)}]\nsummary: {summary}\n"
            f"source:\n  site: 高考猫\n  page_title: 最新知识产权联席会议总结\n"
            f"  url: https://example.org/{TITLES.index(title)}.html\n---\n\n{body}\n")


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
# A title each download must escape in its own way (a YAML double-quoted scalar).
HOSTILE_TITLE = json.dumps('<script>{甲} 50% } \\ "引号" #1')
names = st.sampled_from([f"r{i}" for i in range(5)])
field_edits = st.tuples(st.just("field"), names, st.one_of(  # one field of one report
    st.tuples(st.just("title"), st.sampled_from([*TITLES, HOSTILE_TITLE])),
    st.tuples(st.just("date"), st.sampled_from(["2016-01-01", "XXXX-01-01"])),
    st.tuples(st.just("region"), st.sampled_from(REGIONS)),
    st.tuples(st.just("summary"), st.sampled_from(["一句话。", "另一句话。", "世界知识产权日。"])),
    # the 世界知识产权日 index lists reports by their tags too
    st.tuples(st.just("tags"), st.sampled_from(["[世界知识产权日]", "[专利, 商标]"]))))
edits = st.one_of(
    st.tuples(st.just("write"), names, reports),  # add or change a report
    # The body alone: the short path of delta.py, when nothing else changed since.
    st.tuples(st.just("body"), names, st.sampled_from([
        "补记一句。", "## 补记\n\n一句。",
        # 专利 three times and more: the index ranks the report higher (its `often` tier)
        "专利、专利和专利。补记一句。",
        # links to another report and to an attached file: resolved against the whole site
        "见[首篇](r0.md#会议内容)与[附件](files/a.txt)。"])),
    st.tuples(st.just("touch"), names),  # saved again unchanged: a new mtime, the same bytes
    field_edits, field_edits, field_edits,  # the subtle edits, drawn more often
    st.tuples(st.just("delete"), names),
    st.tuples(st.just("rename"), names, names),
    st.tuples(st.just("template"), st.sampled_from(["base.html", "group.html", "report.html",
                                                    "world_ip_day.html"]),
              st.sampled_from(["<!-- a -->", "<!-- b -->"])),
    st.tuples(st.just("link"), st.sampled_from(TITLES + ["什么是侵犯知识产权深度解读"])),
    # a 世界知识产权日 title with the address of a report, which then shares its entry
    st.tuples(st.just("url-link"), st.sampled_from(range(len(TITLES)))),
    st.tuples(st.just("static"), st.sampled_from(["body{}", "p{}"])),
    # base_url puts URLs in reports.json, whose lines a rebuild may keep, and in the
    # citations; with contact_email it makes oai.xml
    st.tuples(st.just("settings"), st.sampled_from([5, 20]),
              st.sampled_from(["", "base_url: https://archive.example/ipr/\n",
                               "world_ip_day_fields: [title, summary]\n",
                               "base_url: https://archive.example/ipr/\n"
                               "contact_email: a@example.org\n"])),
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
    elif edit[0] == "url-link":
        with open(site / "content/links.yaml", "a", encoding="utf-8") as links:
            links.write(f"- title: 第{edit[1]}个世界知识产权日宣传周报道\n"
                        f"  url: https://example.org/{edit[1]}.html\n")
    elif edit[0] == "static":
        (site / "static/extra.css").write_text(edit[1], encoding="utf-8")
    elif edit[0] == "settings":
        (site / "site.yaml").write_text(f"title: 档案\npage_size: {edit[1]}\n{edit[2]}",
                                        encoding="utf-8")


def fresh_site(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(theme.TEMPLATES, root / "templates")
    shutil.copytree(theme.STATIC, root / "static")
    write_files(root, {"site.yaml": "title: 档案\n", "content/links.yaml": "",
                       "content/reports/files/a.txt": "附件"})
    for index, title in enumerate(TITLES):  # r0 to r3; edits may add r4
        write_files(root, {f"content/reports/r{index}.md": report_text(
            title, f"201{index}", REGIONS[index % 3], TAGS[:index + 1], "正文。")})
    return root


# Forty examples in four parts, with the search index and without, so that parallel
# workers share them (one test of forty took a minute on one worker).
@pytest.mark.slow
@pytest.mark.parametrize("search, part", [(False, 1), (False, 2), (True, 1), (True, 2)])
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(edits, min_size=1, max_size=6))
def test_every_incremental_build_equals_a_clean_build(tmp_path, steps, search, part):
    assert_incremental_equals_clean(tmp_path, steps, search)


@pytest.mark.parametrize("steps, search", [
    ([("field", "r0", ("title", TITLES[1]))], True),  # lists show titles
    ([("body", "r1", "补记一句。"), ("body", "r1", "补记一句。"),
      ("field", "r1", ("title", TITLES[0]))], False),
    # a body edit takes 专利 over three occurrences and back: the index's tier follows
    ([("body", "r1", "专利、专利和专利。补记一句。"), ("body", "r1", "补记一句。")], True),
    # reports.json lines made without a base_url are not kept
    ([("settings", 20, "base_url: https://archive.example/ipr/\n")], False),
    # a report joins the 世界知识产权日 index by a tag, then by a link of its title, and
    # leaves it when the rule stops reading tags
    ([("field", "r0", ("tags", "[世界知识产权日]")), ("link", TITLES[2]), ("url-link", 3),
      ("field", "r2", ("title", "关于2024年世界知识产权日宣传活动的方案")),
      ("settings", 20, "world_ip_day_fields: [title, summary]\n")], False),
    # a link to another report follows its renames, breaks when it goes, mends when it is back
    ([("body", "r1", "见[首篇](r0.md#会议内容)与[附件](files/a.txt)。"), ("rename", "r0", "r4"),
      ("rename", "r4", "r0"), ("body", "r1", "补记一句。")], False),
    # the downloads: oai.xml comes and goes, a body edit rewrites reports.csv, a title
    # rewrites the report's citations
    ([("settings", 20, "base_url: https://archive.example/ipr/\ncontact_email: a@example.org\n"),
      ("body", "r1", "补记一句。"), ("field", "r2", ("title", HOSTILE_TITLE)),
      ("field", "r2", ("date", "XXXX-01-01")), ("settings", 5, "")], False),
])
def test_edits_that_once_went_wrong_equal_a_clean_build(tmp_path, steps, search):
    assert_incremental_equals_clean(tmp_path, steps, search)


def assert_incremental_equals_clean(tmp_path: Path, steps: list, search: bool) -> None:
    """After each step, the incremental build's output is byte for byte a clean build's."""
    site = fresh_site(tmp_path / "site")
    build(site, site / "public", BuildOptions(jobs=1, search=search))
    for step in steps:
        apply(site, step)
        before = tree_bytes(site / "public")
        clean = tmp_path / "clean"
        if clean.exists():
            shutil.rmtree(clean)
        try:
            incremental = build(site, site / "public", BuildOptions(jobs=1, search=search))
        except SiteError as failed:  # a link to a report the step deleted or renamed
            problems = [str(p) for p in failed.problems]
            with pytest.raises(SiteError) as clean_failed:
                build(site, clean, BuildOptions(use_cache=False, jobs=1, search=search))
            assert problems == [str(p) for p in clean_failed.value.problems], step
            assert tree_bytes(site / "public") == before, step  # the last site stays
            continue
        build(site, clean, BuildOptions(use_cache=False, jobs=1, search=search))
        after = tree_bytes(site / "public")
        assert after == tree_bytes(clean), step
        # The counts a user is told: every file of the site but the manifest, and at least
        # every file whose bytes are new counted as written, never as reused.
        files = set(after) - {MANIFEST}
        changed = {path for path in files if before.get(path) != after[path]}
        assert incremental.files == len(files), step
        assert len(changed) <= incremental.written <= len(files), (step, sorted(changed))


def test_a_title_change_rewrites_the_lists_that_show_it_and_nothing_else(real_site):
    first = build(real_site, None, BuildOptions(search=False))  # pages only, as above
    before = tree_bytes(real_site / "public")
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("title: 盐城市大丰区", "title: 江苏盐城市大丰区"), "utf-8")
    result = build(real_site, None, BuildOptions(search=False))
    after = tree_bytes(real_site / "public")
    changed = sorted(name for name in after if after[name] != before.get(name))
    # The lists showing it, its year's page, reports.json and .csv, its citations, and the
    # two other reports, which name it as their neighbour or as a related report.
    assert changed == [
        "archive/index.html", "archive/unknown-year.html", "index.html", "regions/江苏省.html",
        "reports.csv", "reports.json", "reports/dafeng-ip-joint-meeting.bib",
        "reports/dafeng-ip-joint-meeting.csl.json", "reports/dafeng-ip-joint-meeting.html",
        "reports/dafeng-ip-joint-meeting.ris",
        "reports/pan-prd-ip-cooperation-nanchang.html",
        "reports/zhejiang-ip-joint-meeting-hangzhou.html", "tags/专利.html",
        "tags/知识产权强县.html", "tags/知识产权联席会议.html"]
    assert result.written == len(changed) and result.reused == first.files - len(changed)


def test_a_report_tagged_world_ip_day_joins_the_index_and_a_body_edit_leaves_it(real_site):
    build(real_site, None, BuildOptions(search=False))
    index = real_site / "public/world-ip-day/index.html"
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    text = path.read_text("utf-8")
    path.write_text(text.replace("tags: [", "tags: [世界知识产权日, "), "utf-8")
    build(real_site, None, BuildOptions(search=False))
    links = [a.get_text() for a in parse(index).select("main section a")]
    assert links == ["盐城市大丰区召开知识产权联席会议"]
    # The body is not what the index shows: the index is carried over, byte for byte.
    before = index.read_bytes()
    path.write_text(path.read_text("utf-8") + "\n补记一句。\n", "utf-8")
    result = build(real_site, None, BuildOptions(search=False))
    # the page, reports.json and reports.csv
    assert index.read_bytes() == before and result.written == 3


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
        build(tmp_path / "site", None, BuildOptions(search=False))
        assert gc.isenabled() is enabled
        assert gc.get_threshold() == before
    finally:
        gc.enable()


DAFENG = "reports/dafeng-ip-joint-meeting.html"


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


FRONT = "title: a\ndate: 2020\n"  # the body starts on line 5 of the file


def test_emphasis_nested_past_pythons_recursion_limit_builds(make_site):
    # Python-Markdown recursed once per pair of stars and failed; the engine does not.
    body = "*" * 5_000 + "x" + "*" * 5_000 + "\n"
    site = make_site({REPORT: report(FRONT, body),
                      "content/reports/b.md": report(FRONT, "正文。\n")})
    page = (build_out(site).out_dir / "reports/a.html").read_text("utf-8")
    assert "<strong><strong>" in page and ">x<" in page


ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """40 generated reports with many tags and regions (Pagefind's filters), a page, the
    links file, and a base_url so the feed and sitemap are written too."""
    root = write_corpus(40, tmp_path_factory.mktemp("determinism") / "site")
    with (root / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("base_url: https://example.org/archive/\n")
    return root


def build_in_subprocess(site: Path, out: Path, cwd: Path, env: dict[str, str],
                        *extra: str) -> dict[str, bytes]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("TZ", "LC_ALL", "LANG", "PYTHONHASHSEED", "SOURCE_DATE_EPOCH")}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(REPO)  # `-m generator` from any working directory
    site_arg = os.path.relpath(site, cwd) if cwd != Path("/") else str(site)
    out_arg = os.path.relpath(out, cwd) if cwd != Path("/") else str(out)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", site_arg,
                             "--out", out_arg, "--no-cache", "--quiet", *extra],
                            cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return tree_bytes(out)


@pytest.mark.slow
def test_the_site_and_its_search_index_are_the_same_bytes_in_any_environment(corpus,
                                                                             tmp_path):
    runs = [
        (corpus, {"TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}, ()),
        (Path("/"), {"TZ": "Asia/Shanghai", "LC_ALL": "C", "LANG": "zh_CN.UTF-8",
                     "PYTHONHASHSEED": "4242", "SOURCE_DATE_EPOCH": "0"}, ("--jobs", "1")),
        (tmp_path, {"TZ": "America/Los_Angeles", "LC_ALL": "zh_CN.UTF-8",
                    "PYTHONHASHSEED": "random", "SOURCE_DATE_EPOCH": "1700000000"},
         ("--jobs", "2")),
    ]
    trees = [build_in_subprocess(corpus, tmp_path / f"out{index}", cwd, env, *extra)
             for index, (cwd, env, extra) in enumerate(runs)]
    first = trees[0]
    assert [p for p in first if p.startswith("search/idx/")]
    assert [p for p in first if p.startswith("search/doc/")]
    assert {"search/meta.js", "feed.xml", "sitemap.xml"} <= first.keys()
    for tree in trees[1:]:
        assert tree.keys() == first.keys()
        assert [p for p in first if tree[p] != first[p]] == []


class ReversedScandir:
    """os.scandir, listing in the opposite order: as another file system might."""

    def __init__(self, real, path):
        with real(path) as entries:
            self.entries = list(entries)[::-1]

    def __iter__(self):
        return iter(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def copy_in_reverse(source: Path, target: Path) -> None:
    """The same site, every file and folder created in the opposite order."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and ".cache" not in p.parts
                   and "public" not in p.relative_to(source).parts)
    for path in reversed(files):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


@pytest.mark.slow
def test_the_order_files_are_listed_or_created_in_does_not_matter(corpus, tmp_path,
                                                                  monkeypatch):
    build(corpus, tmp_path / "plain", BuildOptions(use_cache=False))
    plain = tree_bytes(tmp_path / "plain")
    copy = tmp_path / "copy"
    copy_in_reverse(corpus, copy)
    build(copy, tmp_path / "created-reversed", BuildOptions(use_cache=False))
    real_scandir, real_listdir = os.scandir, os.listdir
    monkeypatch.setattr(os, "scandir", lambda path=".": ReversedScandir(real_scandir, path))
    monkeypatch.setattr(os, "listdir", lambda path=".": real_listdir(path)[::-1])
    reports = corpus / "content/reports"
    with real_scandir(reports) as entries:
        assert [e.name for e in os.scandir(reports)] == [e.name for e in entries][::-1]
    build(corpus, tmp_path / "listed-reversed", BuildOptions(use_cache=False))
    monkeypatch.undo()
    assert tree_bytes(tmp_path / "created-reversed") == plain
    assert tree_bytes(tmp_path / "listed-reversed") == plain


@pytest.mark.slow
def test_no_output_holds_the_time_of_the_build(corpus, tmp_path):
    """Dates come from the reports alone: the generated corpus dates end in 2024, so
    today's date or year anywhere in the site could only be the build's clock."""
    build(corpus, tmp_path / "out", BuildOptions(use_cache=False))
    site = tree_bytes(tmp_path / "out")
    sources = "".join(p.read_text("utf-8") for p in (corpus / "content").rglob("*")
                      if p.is_file())
    today = datetime.date.today()
    stamps = [today.isoformat(), f"{today.year}年{today.month}月{today.day}日",
              today.strftime("%Y/%m/%d"), today.strftime("%d %b %Y"), str(today.year)]
    assert not [s for s in stamps if s in sources]  # else this test would prove nothing
    text_files = {path: data.decode("utf-8") for path, data in site.items()
                  if path.endswith((".html", ".xml", ".json", ".js", ".css", ".txt"))}
    assert len(text_files) > 100
    found = {path: stamp for path, text in text_files.items() for stamp in stamps
             if stamp in text}
    assert found == {}

    feed = ET.fromstring(site["feed.xml"])
    updated = feed.find(f"{ATOM}updated").text
    entries = [entry.find(f"{ATOM}updated").text for entry in feed.iter(f"{ATOM}entry")]
    assert entries and updated == max(entries)
    newest = max(re.findall(r"^date: (\d{4}-\d\d-\d\d)$", sources, re.M))
    assert updated == f"{newest}T00:00:00Z"  # the newest report's date, not the clock


def test_an_os_error_anywhere_in_a_build_is_a_message_not_a_traceback(real_site, monkeypatch,
                                                                     capsys):
    from generator.build import pipeline as build_module

    def unreadable(site_root, *cache_states):
        path = site_root / "content/reports/dafeng-ip-joint-meeting.md"
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    monkeypatch.setattr(build_module, "read_inputs", unreadable)
    code, stderr = main_build(capsys, real_site)
    assert code == 1
    (problem,) = assert_clear_failure(stderr)
    assert problem == (f"{real_site}/content/reports/dafeng-ip-joint-meeting.md: error: "
                       "Permission denied")
    assert not (real_site / "public").exists()
