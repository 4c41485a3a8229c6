"""`new`, `check` and `import`, run as an editor would: what they print, their exit
status, and what they leave on disk."""
from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


from conftest import REPO, SEED_PAGE, tree_bytes, write_files
from generator.build.pipeline import build
from generator.cli import main
from generator.source.content import load_content, load_links, split_front_matter
from integration.pages import parse


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def body_of(path: Path) -> str:
    return split_front_matter(path.read_text("utf-8"), path)[1]


def drop_as_found(site: Path) -> None:
    for path in (site / "content/reports").glob("*.md"):
        text = path.read_text("utf-8")
        path.write_text(re.sub(r"^as_found:.*\n", "", text, flags=re.MULTILINE), "utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").split("\n")
    start = lines.index("---", 1)  # skip the front matter
    return next(n for n, line in enumerate(lines, 1) if n > start + 1 and needle in line)


# --- new ---------------------------------------------------------------------------------

def test_new_writes_a_report_that_the_build_publishes(capsys, make_site):
    site = make_site({})
    status, out, err = run(capsys, "new", "盐城市大丰区召开知识产权联席会议",
                           "--date", "XXXX-05-10", "--region", "江苏省", "--tag", "专利",
                           "--tag", "知识产权联席会议", "--site", str(site))
    assert (status, err) == (0, "")
    path = Path(out.strip())
    slug = "yan-cheng-shi-da-feng-qu-zhao-kai-zhi-shi-chan-quan-lian-xi"
    assert path == site / f"content/reports/{slug}.md"
    text = path.read_text("utf-8")
    assert text.startswith("---\ntitle: 盐城市大丰区召开知识产权联席会议\ndate: XXXX-05-10\n")
    assert "region: 江苏省\ntags: [专利, 知识产权联席会议]\n" in text

    build(site, site / "public", use_cache=False)
    page = parse(site / f"public/reports/{path.stem}.html")
    assert page.find("h1").get_text(strip=True) == "盐城市大丰区召开知识产权联席会议"
    assert (site / "public/regions/江苏省.html").is_file()

    status, out, _ = run(capsys, "check", "--site", str(site))
    assert status == 0  # a new report is fine, but its body is still to be written
    assert f"{path}:{line_of(path, '在此照录')}: warning: the body is still the placeholder " \
           "`ipr-archive new` wrote" in out


def test_new_defaults_to_today_and_makes_the_slug_unique(capsys, make_site, monkeypatch):
    site = make_site({})
    monkeypatch.chdir(site)
    first = run(capsys, "new", "知识产权联席会议")
    second = run(capsys, "new", "知识产权联席会议")
    assert [first[1], second[1]] == ["content/reports/zhi-shi-chan-quan-lian-xi-hui-yi.md\n",
                                     "content/reports/zhi-shi-chan-quan-lian-xi-hui-yi-2.md\n"]
    text = (site / "content/reports/zhi-shi-chan-quan-lian-xi-hui-yi.md").read_text("utf-8")
    assert f"\ndate: {datetime.date.today().isoformat()}\n" in text


def test_new_refuses_to_overwrite_and_leaves_the_file_alone(capsys, real_site):
    before = tree_bytes(real_site)
    status, out, err = run(capsys, "new", "标题", "--slug", "dafeng-ip-joint-meeting",
                           "--site", str(real_site))
    assert status == 1 and out == ""
    assert "error: slug 'dafeng-ip-joint-meeting' is already used" in err
    status, _, err = run(capsys, "new", "标题", "--date", "2023-02-30", "--site", str(real_site))
    assert status == 1 and "not a real date" in err
    assert tree_bytes(real_site) == before


# --- check -------------------------------------------------------------------------------

def test_check_of_the_archive_finds_nothing_and_counts_what_is_kept(capsys, real_site):
    before = tree_bytes(real_site)
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 0
    assert "content/reports" not in out  # every slip is acknowledged in as_found
    assert re.search(r"^check: 0 errors, \d+ warnings?; 3 reports and \d+ pages checked; "
                     r"\d+ slips kept as found \(as_found\)$", out, re.MULTILINE)
    assert tree_bytes(real_site) == before  # nothing built into the site, no cache


def test_check_warns_about_the_seed_slips_without_as_found(capsys, real_site):
    drop_as_found(real_site)
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 0
    dafeng = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    zhejiang = real_site / "content/reports/zhejiang-ip-joint-meeting-hangzhou.md"
    assert f"{dafeng}:{line_of(dafeng, '据统计,,')}: warning: doubled punctuation ',,'" in out
    assert f"{zhejiang}:{line_of(zhejiang, '2015?2020')}: warning: '?' stands where a " \
           "character was lost" in out
    assert "ASCII punctuation inside Chinese text" in out

    status, out, _ = run(capsys, "check", "--strict", "--site", str(real_site))
    assert status == 1
    assert f"{dafeng}:{line_of(dafeng, '据统计,,')}: doubled punctuation ',,'" in out


def test_check_reports_a_broken_link_and_anchor_as_errors_at_their_lines(capsys, real_site):
    report = real_site / "content/reports/pan-prd-ip-cooperation-nanchang.md"
    report.write_text(report.read_text("utf-8") + "\n参见[纪要](missing.html)。\n\n"
                      "另见[上文](#nope)和[关于](../about/index.html)。\n", "utf-8")
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 1
    broken = line_of(report, "missing.html")
    assert f"{report}:{broken}: link 'missing.html' leads to reports/missing.html, which " \
           "the site does not have" in out
    assert f"{report}:{broken + 2}: link '#nope' points to an anchor #nope that " \
           "reports/pan-prd-ip-cooperation-nanchang.html does not have" in out
    assert "about/index.html" not in out  # a good link is not reported
    assert re.search(r"^check: 2 errors, ", out, re.MULTILINE)


def test_check_reports_front_matter_problems_like_the_build(capsys, real_site):
    write_files(real_site, {"content/reports/broken.md": "---\ntitle: 2024\ndate: 2024\n---\n"})
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 1
    assert f"{real_site / 'content/reports/broken.md'}:2: 'title' must be text" in out
    assert "the build failed, so links were not checked" in out


def test_check_warns_about_a_page_nothing_links_to(capsys, real_site):
    write_files(real_site, {"content/pages/lonely.md": "---\ntitle: 孤页\n---\n\n无人链接。\n"})
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 0
    lonely = real_site / "content/pages/lonely.md"
    assert f"{lonely}:1: warning: no other page links to lonely/index.html" in out
    assert "404.html" not in out  # the not-found page is reached without links
    about = real_site / "content/pages/about.md"
    about.write_text(about.read_text("utf-8") + "\n见[孤页](../lonely/index.html)。\n", "utf-8")
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert "lonely" not in out


def test_a_wrong_as_found_excerpt_is_an_error(capsys, real_site):
    report = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    report.write_text(report.read_text("utf-8").replace('"据统计,,"', '"据统计，，"'), "utf-8")
    status, out, _ = run(capsys, "check", "--site", str(real_site))
    assert status == 1
    assert f"{report}:{line_of_front(report, 'as_found')}: as_found excerpt '据统计，，' is " \
           "not in the body" in out


def line_of_front(path: Path, field: str) -> int:
    lines = path.read_text("utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f"{field}:"))


# --- import ------------------------------------------------------------------------------

def test_import_of_the_seed_into_an_empty_site_reproduces_the_archive(capsys, tmp_path):
    site = tmp_path / "empty"
    site.mkdir()
    status, out, err = run(capsys, "import", str(SEED_PAGE), "--site", str(site))
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
    status, out, _ = run(capsys, "import", str(SEED_PAGE), "--site", str(real_site))
    assert status == 0
    assert out.count("already archived in") == 3
    assert "8 related titles already in" in out and "nothing new to import" in out
    assert tree_bytes(real_site) == before


def test_import_dry_run_prints_and_writes_nothing(capsys, tmp_path):
    status, out, _ = run(capsys, "import", str(SEED_PAGE), "--dry-run", "--site", str(tmp_path))
    assert status == 0
    assert list(tmp_path.iterdir()) == []
    assert out.count("would write ") == 3 and "would append 8 titles to" in out
    assert "据统计,,盐城市大丰区共申请各类专利3326件" in out
    assert out.rstrip().endswith("dry run: nothing was written")


def test_import_of_a_page_it_cannot_read_writes_nothing(capsys, real_site, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("某页标题\n\n一段没有小标题的正文。\n", "utf-8")
    before = tree_bytes(real_site)
    status, out, err = run(capsys, "import", str(page), "--site", str(real_site))
    assert status == 1 and out == ""
    assert f"{page}:1: no section headings found" in err
    assert err.rstrip().endswith("import failed; nothing was written")
    assert tree_bytes(real_site) == before


def test_a_new_editor_imports_builds_and_checks_from_the_command_line(tmp_path):
    """The whole round as a shell user: python3 -m generator import, build, check."""
    site = tmp_path / "site"
    site.mkdir()
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, site / name)

    def shell(*args):
        # The checkout's generator, whatever copy may be installed.
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run([sys.executable, "-m", "generator", *args], cwd=site, env=env,
                              capture_output=True, text=True, timeout=120)

    done = shell("import", str(SEED_PAGE))
    assert done.returncode == 0, done.stderr
    assert len(list((site / "content/reports").glob("*.md"))) == 3
    done = shell("build", "--quiet")
    assert done.returncode == 0, done.stderr
    done = shell("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: doubled punctuation ',,'" in done.stdout
    assert re.search(r"^check: 0 errors, ", done.stdout, re.MULTILINE)
    done = shell("check", "--strict")
    assert done.returncode == 1
