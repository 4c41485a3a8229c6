"""generator/cli.py: the command a user runs. Its output, its exit status, and what it
leaves on disk."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from generator.build.pipeline import BuildOptions, build
from tests.fuzzing import MARKDOWN, YAMLISH, fuzz_site, write_report
from tests.helpers import (
    MINIMAL_REPORT,
    REPO,
    SEED_PAGE,
    checkout_env,
    cli,
    errors_of,
    needs,
    parse,
    report,
    tree_bytes,
    write_files,
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return cli(*args, cwd=cwd)  # the checkout's generator, not whatever copy is installed


def test_the_commands_run_this_checkout_and_its_main(tmp_path):
    """Every command here is this checkout's generator, never a copy installed elsewhere:
    `python -m generator`, run as `run` runs it, finds this checkout's __main__.py, so a
    broken __main__.py fails the tests of this file."""
    where = subprocess.run(
        [sys.executable, "-c", "import importlib.util as u; "
         "print(u.find_spec('generator.__main__').origin, u.find_spec('generator.cli').origin)"],
        cwd=tmp_path, env=checkout_env(), capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    assert where.stdout.split() == [str(REPO / "generator/__main__.py"),
                                    str(REPO / "generator/cli.py")]
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr


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
    needs(script.exists(), "ipr-archive is not installed next to this Python "
                           "(python3 -m pip install .)")
    # The installed command is the one pyproject.toml declares (not a stale install's), and
    # with the checkout first on the path it runs the checkout's code.
    declared = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    installed = {e.name: e.value for e in entry_points(group="console_scripts")
                 if e.name == "ipr-archive"}
    assert installed == declared
    done = subprocess.run([str(script), "build"], cwd=real_site, capture_output=True,
                          text=True, timeout=120, env=checkout_env())
    assert done.returncode == 0, done.stderr
    summary = (r"built (\d+) pages \((\d+) files: (\d+) written, (\d+) reused\) "
               r"in \d+\.\d\d s → public\n")
    files = [p for p in (real_site / "public").rglob("*") if p.is_file()
             and p.name != ".ipr-archive-manifest.json"]
    html = [p for p in files if p.suffix == ".html"]
    assert re.fullmatch(summary, done.stdout).groups() == (
        str(len(html)), str(len(files)), str(len(files)), "0")
    again = subprocess.run([str(script), "build"], cwd=real_site, capture_output=True,
                           text=True, timeout=120, env=checkout_env())
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
    # Nothing else beside the sources: the output, the cache, and the output's lock file.
    assert sorted(p.name for p in real_site.iterdir()) == [
        ".cache", ".public.lock", "content", "public", "site.yaml", "static", "templates"]


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
        "base_url:", "base_url: https://example.org/archive/\ncontact_email: a@example.org"),
        encoding="utf-8")
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
    from benchmarks.corpus import write_corpus
    from generator import cli

    site = write_corpus(300, tmp_path / "site")  # and an about page
    line = cli.ProgressLine(FakeStream(tty=False), delay=0, plain_every=0)
    build(site, None, BuildOptions(search=False, jobs=1, on_progress=line.update))
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
    build(site, None, BuildOptions(search=False, jobs=1, on_progress=again.update))
    assert again.stream.text == ""


def test_progress_stays_silent_for_a_quick_build(monkeypatch):
    from generator import cli
    clock = iter([0.0, 0.1, 0.2])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    line = cli.ProgressLine(FakeStream(tty=False))
    for done in (1, 2, 3):
        line.update(done, 3)
    assert line.stream.text == ""


def test_every_error_of_a_run_is_reported_together(make_site):
    site = make_site({
        "content/reports/a.md": report("title: 2024\ndate: 2020\n"),
        "content/reports/b.md": report("title: b\ndate: 2023-02-30\n"),
        "content/reports/c.md": "no front matter\n",
        "content/links.yaml": "- title: x\n  url: javascript:alert(1)\n",
        "site.yaml": "page_size: lots\n",
    })
    errors = errors_of(site)
    assert [e.split(": ")[0] for e in errors] == [
        "content/links.yaml:2", "content/reports/a.md:2", "content/reports/b.md:3",
        "content/reports/c.md:1", "site.yaml:1"], errors
    run = cli("build", "--site", str(site), "--out", str(site.parent / "cli-out"),
              "--no-search", "--quiet", cwd=site)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "5 errors" in run.stderr
    for error in errors:
        assert error.split(": ")[0] in run.stderr


@settings(max_examples=5, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(front=YAMLISH, body=MARKDOWN, links=YAMLISH, config=YAMLISH)
def test_the_command_never_prints_a_traceback(make_site, front, body, links, config):
    site = fuzz_site(make_site)
    write_report(site, f"---\n{front}\n---\n{body}")
    (site / "content/links.yaml").write_text(links, "utf-8")
    (site / "site.yaml").write_text(config, "utf-8")
    run = cli("build", "--site", str(site), "--out", str(site.parent / "cli-out"),
              "--no-search", "--jobs", "1", "--no-cache", cwd=site)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    if run.returncode == 1:
        assert re.search(r"^\S+(:\d+)?: ", run.stderr, re.MULTILINE), run.stderr


# --- the options several commands share, each declared once -----------------------------

SHARED = {"--site": ("build", "serve", "new", "check", "import"), "--out": ("build", "serve"),
          "--drafts": ("build", "serve"), "--jobs": ("build", "check")}
REQUIRED = {"new": ["标题"], "import": ["page.txt"]}  # each command's positional arguments


def option_help(capsys, monkeypatch, command: str) -> dict[str, str]:
    """`ipr-archive COMMAND --help` as {option: its help text, on one line}."""
    from generator.cli import make_parser

    monkeypatch.setenv("COLUMNS", "400")  # no wrapping
    with pytest.raises(SystemExit):
        make_parser().parse_args([command, "--help"])
    return dict(re.findall(r"(?m)^  (--[a-z-]+)(?: [A-Z]+)? +(.+)$", capsys.readouterr().out))


def test_a_shared_option_means_the_same_in_every_command(capsys, monkeypatch):
    helps = {command: option_help(capsys, monkeypatch, command)
             for command in ("build", "serve", "new", "check", "import")}
    for option, commands in SHARED.items():
        assert [c for c in helps if option in helps[c]] == list(commands), option
        texts = {helps[c][option].replace(".cache/ipr-archive/serve/", "public/")
                 for c in commands}
        assert len(texts) == 1, (option, texts)
    assert helps["build"]["--site"] == "the site root holding site.yaml and content/ (default: .)"
    assert helps["build"]["--out"] == ("where to write the site (default: public/ under the "
                                       "site root)")
    assert helps["serve"]["--out"] == ("where to write the site (default: "
                                       ".cache/ipr-archive/serve/ under the site root)")
    assert helps["check"]["--jobs"] == "worker processes for large builds (default: one per core)"


def test_shared_options_have_the_same_defaults_and_checks_everywhere(capsys):
    from generator.cli import make_parser

    for option, commands in SHARED.items():
        for command in commands:
            args = make_parser().parse_args([command, *REQUIRED.get(command, [])])
            value = getattr(args, option.removeprefix("--"))
            assert value == {"--site": Path("."), "--out": None, "--drafts": False,
                             "--jobs": None}[option], (command, option)
    for command in SHARED["--jobs"]:
        with pytest.raises(SystemExit) as stopped:
            make_parser().parse_args([command, "--jobs", "0"])
        assert stopped.value.code == 2
        assert f"ipr-archive {command}: error: argument --jobs: '0' is not a whole number of " \
               "1 or more" in capsys.readouterr().err
    args = make_parser().parse_args(["serve", "--site", "s", "--out", "o", "--drafts"])
    assert (args.site, args.out, args.drafts) == (Path("s"), Path("o"), True)


@pytest.mark.parametrize("command", SHARED["--site"])
def test_every_command_says_when_the_site_is_not_there(capsys, tmp_path, command):
    from tests.helpers import run_main

    missing = tmp_path / "nowhere"
    status, out, err = run_main(capsys, command, *REQUIRED.get(command, []),
                                "--site", str(missing))
    assert (status, out) == (1, "")
    assert err == f"{missing}: error: no such site directory — pass --site DIR\n"


@pytest.mark.slow
def test_a_new_editor_imports_builds_and_checks_from_the_command_line(tmp_path):
    """The whole round as a shell user: python3 -m generator import, build, check."""
    site = tmp_path / "site"
    site.mkdir()

    def shell(*args):
        return cli(*args, cwd=site)

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


@pytest.mark.parametrize("out", ["new/out", "empty"])
def test_a_failed_build_into_a_folder_without_a_site_says_nothing_was_written(make_site, out):
    site = make_site({"site.yaml": "title: 档案\nbase_url: https://example.org/\n"
                                   "contact_email: archive@example.org\n",
                      "content/reports/a.md": "---\ntitle: a\ndate: 2024-02-30\n---\n正文\n"})
    (site / "empty").mkdir()
    done = run("build", "--out", out, cwd=site)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "content/reports/a.md:3: '2024-02-30' is not a real date: month 2 has 29 days in 2024 "
        "— check the date",
        "build failed: 1 error; nothing was written"]


def test_a_site_without_site_yaml_builds_with_the_defaults_and_says_so_in_one_line(make_site):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT})
    for _ in range(2):
        done = run("build", "--quiet", cwd=site)
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == [
            "site.yaml: warning: no site.yaml, so the build uses the defaults and, without a "
            "base_url, leaves out the Atom feed, the sitemap and permanent URLs — add a "
            "site.yaml with `base_url: https://…/` to have them"]
