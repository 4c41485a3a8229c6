"""The command a user runs: its output, its exit status, and what it leaves on disk."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINIMAL_REPORT, REPO, tree_bytes, write_files
from integration.pages import parse


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def titles_on(page: Path) -> list[str]:
    return [a.get_text() for a in parse(page).select("main .report-list .card-title a")]


def readme_example() -> tuple[str, str]:
    """The example report the README tells editors to copy: (file name, text)."""
    readme = (REPO / "README.md").read_text("utf-8")
    match = re.search(r"`(content/reports/[a-z0-9-]+\.md)`:\n\n```markdown\n(.*?)```", readme,
                      re.DOTALL)
    assert match, "README.md has no example report"
    return match[1], match[2]


def test_help_explains_the_commands(tmp_path):
    top = run("--help", cwd=tmp_path)
    assert top.returncode == 0 and "build" in top.stdout
    sub = run("build", "--help", cwd=tmp_path)
    assert sub.returncode == 0
    for option in ("--site", "--out", "--drafts"):
        assert option in sub.stdout


def test_the_console_script_builds_the_current_directory(real_site):
    script = Path(sys.executable).parent / "ipr-archive"
    if not script.exists():
        pytest.skip("ipr-archive is not installed next to this Python")
    done = subprocess.run([str(script), "build"], cwd=real_site, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = r"built (\d+) pages \((\d+) files: (\d+) written, (\d+) reused\) in \d+\.\d\d s → public\n"
    files = [p for p in (real_site / "public").rglob("*") if p.is_file()
             and p.name != ".ipr-archive-manifest.json"]
    html = [p for p in files if p.suffix == ".html"]
    assert re.fullmatch(summary, done.stdout).groups() == (
        str(len(html)), str(len(files)), str(len(files)), "0")
    again = subprocess.run([str(script), "build"], cwd=real_site, capture_output=True,
                           text=True, timeout=120)
    assert re.fullmatch(summary, again.stdout).groups() == (
        str(len(html)), str(len(files)), "0", str(len(files)))


def test_the_readme_example_report_reaches_home_archive_and_tags(real_site):
    name, text = readme_example()
    assert run("build", cwd=real_site).returncode == 0
    (real_site / name).write_text(text, encoding="utf-8")
    done = run("build", cwd=real_site)
    assert done.returncode == 0, done.stderr
    title = re.search(r"^title: (.+)$", text, re.MULTILINE)[1]
    out = real_site / "public"
    assert title in titles_on(out / "index.html")
    assert title in titles_on(out / "archive/index.html")
    tags = re.search(r"^tags: \[(.+)\]$", text, re.MULTILINE)[1].split(", ")
    for tag in tags:
        assert title in titles_on(out / "tags" / f"{tag}.html")


def test_a_broken_report_gets_one_clear_message_and_the_site_stays(real_site):
    assert run("build", cwd=real_site).returncode == 0
    before = tree_bytes(real_site / "public")
    write_files(real_site, {"content/reports/broken.md":
                            "---\ntitle: 2024\ndate: 2024-04-26\n---\n正文\n"})
    done = run("build", cwd=real_site)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("content/reports/broken.md:2: 'title' must be text")
    assert lines[-1] == "build failed: 1 error; the previous site in public is unchanged"
    assert len(lines) == 3 and "base_url is not set" in lines[1]  # a warning, not an error
    assert tree_bytes(real_site / "public") == before
    assert sorted(p.name for p in real_site.iterdir()) == [
        ".cache", "content", "public", "site.yaml", "static", "templates"]


def test_all_errors_of_a_run_are_listed_together(make_site):
    site = make_site({
        "content/reports/a.md": "---\ntitle: a\ndate: 2023-02-30\n---\n",
        "content/reports/b.md": "---\ntitle: b\n---\n",
        "content/links.yaml": "- url: https://example.org\n",
    })
    done = run("build", cwd=site)
    assert done.returncode == 1
    assert [line.split(": ")[0] for line in done.stderr.splitlines()[:-1]
            if ": warning:" not in line] == [
        "content/links.yaml:1", "content/reports/a.md:3", "content/reports/b.md:2"]
    assert "3 errors; nothing was written" in done.stderr


def test_two_builds_are_byte_identical(real_site, tmp_path):
    assert run("build", "--out", str(tmp_path / "one"), cwd=real_site).returncode == 0
    assert run("build", "--out", str(tmp_path / "two"), cwd=real_site).returncode == 0
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_a_removed_report_leaves_the_site_on_rebuild(real_site):
    assert run("build", cwd=real_site).returncode == 0
    (real_site / "content/reports/dafeng-ip-joint-meeting.md").unlink()
    assert run("build", cwd=real_site).returncode == 0
    assert not (real_site / "public/reports/dafeng-ip-joint-meeting.html").exists()
    assert not (real_site / "public/regions/江苏省.html").exists()


def test_drafts_are_left_out_unless_asked_for(make_site):
    site = make_site({"content/reports/draft.md": MINIMAL_REPORT.replace(
        "date:", "draft: true\ndate:")})
    assert run("build", cwd=site).returncode == 0
    assert titles_on(site / "public/index.html") == []
    assert run("build", "--drafts", cwd=site).returncode == 0
    assert titles_on(site / "public/index.html") == ["测试报告"]


def test_site_and_out_options(make_site, tmp_path):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT})
    done = run("build", "--site", str(site), "--out", str(tmp_path / "elsewhere"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert titles_on(tmp_path / "elsewhere/index.html") == ["测试报告"]
    assert not (site / "public").exists()


def test_an_output_holding_someone_elses_files_is_left_alone(make_site):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT, "public/mine.txt": "keep"})
    done = run("build", cwd=site)
    assert done.returncode == 1 and "mine.txt" in done.stderr
    assert (site / "public/mine.txt").read_text() == "keep"


def test_a_template_error_names_the_template_line(make_site):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT})
    page = site / "templates/page.html"
    write_files(site, {"content/pages/about.md": "---\ntitle: 关于\n---\n正文\n"})
    source = page.read_text("utf-8")
    assert "{{ page.title }}</h1>" in source
    page.write_text(source.replace("{{ page.title }}</h1>", "{{ page.no_such_field }}</h1>"))
    done = run("build", cwd=site)
    assert done.returncode == 1
    assert re.search(r"templates/page\.html:\d+: .*no_such_field", done.stderr)


def test_quiet_prints_nothing_on_success(real_site):
    config = real_site / "site.yaml"
    config.write_text(config.read_text("utf-8").replace(
        "base_url:", "base_url: https://example.org/archive/"), encoding="utf-8")
    done = run("build", "--quiet", cwd=real_site)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


class FakeStream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch):
    from generator import cli
    clock = iter([0.0, 0.6, 0.7, 3.0, 3.1])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    plain = cli.ProgressLine(FakeStream(tty=False))
    for done in (0, 100, 200, 900, 1000):
        plain.update(done, 1000)
    assert plain.stream.text.splitlines() == [
        "rendered 100/1000 pages (167/s)", "rendered 900/1000 pages (300/s)",
        "rendered 1000/1000 pages (323/s)"]
    clock = iter([0.0, 0.6, 0.65])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    bar = cli.ProgressLine(FakeStream(tty=True))
    bar.update(0, 10)
    bar.update(5, 10)
    bar.update(10, 10)
    assert bar.stream.text.startswith("\r[###############...............] 5/10 pages")
    assert "\r[##############################] 10/10 pages" in bar.stream.text


def test_progress_follows_parsing_then_rendering_each_at_its_own_rate(monkeypatch):
    # A large archive parses for seconds before the first page is rendered: the reader
    # sees the sources counted first, then the pages, each step's rate its own.
    from generator import cli
    clock = iter([0.0, 1.0, 2.0, 2.0, 4.0, 6.0])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    plain = cli.ProgressLine(FakeStream(tty=False))
    plain.update(0, 4000, "sources")
    plain.update(2000, 4000, "sources")
    plain.update(4000, 4000, "sources")
    plain.update(0, 5000, "pages")
    plain.update(1000, 5000, "pages")
    plain.update(5000, 5000, "pages")
    assert plain.stream.text.splitlines() == [
        "parsed 2000/4000 sources (2,000/s)", "parsed 4000/4000 sources (2,000/s)",
        "rendered 1000/5000 pages (500/s)",
        "rendered 5000/5000 pages (1,250/s)"]


def test_a_cold_build_reports_parsing_and_rendering(tmp_path):
    from generator import cli
    from generator.build.pipeline import build
    from benchmarks.corpus import write_corpus

    site = write_corpus(300, tmp_path / "site")  # and an about page
    line = cli.ProgressLine(FakeStream(tty=False), delay=0, plain_every=0)
    build(site, search=False, jobs=1, on_progress=line.update)
    lines = line.stream.text.splitlines()
    assert lines[0].startswith("parsed ")
    assert "parsed 301/301 sources" in line.stream.text
    done, total = lines[-1].split()[1].split("/")
    assert lines[-1].startswith("rendered") and done == total
    steps = [text.split()[0] + " " + text.split()[2] for text in lines]
    assert steps == sorted(steps)  # all the parsing, then all the rendering
    assert set(steps) == {"parsed sources", "rendered pages"}
    # The cache holds them now: a rebuild has no sources to parse, and nothing to render.
    again = cli.ProgressLine(FakeStream(tty=False), delay=0, plain_every=0)
    build(site, search=False, jobs=1, on_progress=again.update)
    assert again.stream.text == ""


def test_progress_stays_silent_for_a_quick_build(monkeypatch):
    from generator import cli
    clock = iter([0.0, 0.1, 0.2])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    line = cli.ProgressLine(FakeStream(tty=False))
    for done in (1, 2, 3):
        line.update(done, 3)
    assert line.stream.text == ""
