"""generator/pages/theme: the built-in theme, and a site's own files overriding it file by
file."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from bs4 import BeautifulSoup

from generator.build.pipeline import BuildOptions, build
from generator.errors import SiteError
from generator.pages import theme
from tests.helpers import REPO, SEED_PAGE, report, tree_bytes, write_files

REPORT = {"content/reports/a.md": report("title: 甲报告\ndate: 2024-04-26\n")}


def build_plain(site):
    return build(site, site / "public", BuildOptions(search=False, jobs=1))


def test_a_site_with_no_templates_or_static_files_builds_with_the_theme(tmp_path):
    site = tmp_path / "site"
    write_files(site, REPORT)
    build_plain(site)
    out = site / "public"
    for name in ("style.css", "cite.js", "search.js", "favicon.svg"):
        assert (out / "static" / name).read_bytes() == (theme.STATIC / name).read_bytes()
    page = BeautifulSoup((out / "reports/a.html").read_text("utf-8"), "html.parser")
    assert page.h1.get_text(strip=True) == "甲报告"


def test_a_site_overrides_one_template_and_adds_a_static_file(tmp_path):
    site = tmp_path / "site"
    base = (theme.TEMPLATES / "base.html").read_text("utf-8")
    write_files(site, {**REPORT,
                       "templates/base.html": base.replace("<body>", "<body data-mine>"),
                       "static/logo.png": b"\x89PNG\r\n\x1a\n"})
    build_plain(site)
    out = site / "public"
    page = BeautifulSoup((out / "reports/a.html").read_text("utf-8"), "html.parser")
    assert page.body.has_attr("data-mine")  # the site's base.html
    assert page.h1.get_text(strip=True) == "甲报告"  # the theme's report.html within it
    assert (out / "static/logo.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert (out / "static/style.css").read_bytes() == (theme.STATIC / "style.css").read_bytes()


def test_a_site_static_file_replaces_the_themes(tmp_path):
    site = tmp_path / "site"
    write_files(site, {**REPORT, "static/style.css": "body { color: black; }\n"})
    build_plain(site)
    assert (site / "public/static/style.css").read_text() == "body { color: black; }\n"


def test_overriding_a_template_rebuilds_what_it_renders(tmp_path):
    site = tmp_path / "site"
    write_files(site, REPORT)
    build_plain(site)
    before = tree_bytes(site / "public")
    footer = (theme.TEMPLATES / "base.html").read_text("utf-8").replace("</body>",
                                                                          "<p>页脚</p></body>")
    write_files(site, {"templates/base.html": footer})
    build_plain(site)
    after = tree_bytes(site / "public")
    assert "<p>页脚</p>" in after["reports/a.html"].decode()
    assert after != before


def test_a_template_in_neither_place_is_an_error_naming_both(tmp_path):
    site = tmp_path / "site"
    write_files(site, {**REPORT, "templates/report.html":
                       '{% extends "base.html" %}{% include "missing.html" %}'})
    try:
        build_plain(site)
    except SiteError as exc:
        [problem] = [p for p in exc.problems if not p.warning]
    else:
        raise AssertionError("the build should fail")
    assert "missing.html" in problem.message
    assert str(site / "templates") in problem.message
    assert str(theme.TEMPLATES) in problem.message


@pytest.mark.slow
def test_the_wheel_carries_the_theme_and_builds_a_site_anywhere(tmp_path):
    """As a user would, and as the README says: a wheel of this checkout in a fresh
    virtualenv, then `ipr-archive init my-archive` in an empty folder and
    `cd my-archive && ipr-archive build`; then new, import, check and serve there."""
    source = tmp_path / "source"  # a copy: building in the checkout leaves a build/ there
    shutil.copytree(REPO / "generator", source / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                    str(wheels), str(source)], check=True, capture_output=True, timeout=300)
    venv = tmp_path / "venv"
    # The libraries come from this machine; the generator only from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=120)
    [wheel] = wheels.glob("*.whl")
    subprocess.run([venv / "bin/python", "-m", "pip", "install", "--no-deps",
                    "--ignore-installed", "--quiet", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    home = tmp_path / "empty"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([venv / "bin/ipr-archive", "init", "my-archive"], cwd=home, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "next: cd my-archive && ipr-archive build"
    site = home / "my-archive"
    done = subprocess.run([venv / "bin/ipr-archive", "build"], cwd=site, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # One warning (no base_url), and no error; on a slow machine, progress lines besides.
    assert [line.split(":")[0] for line in done.stderr.splitlines()
            if ": warning:" in line or ": error:" in line] == ["site.yaml"]
    for name in ("style.css", "cite.js", "search.js", "favicon.svg"):
        assert (site / "public/static" / name).is_file()
    page = BeautifulSoup((site / "public/reports/example-report.html").read_text("utf-8"),
                         "html.parser")
    assert page.h1.get_text(strip=True) == "示例报告"
    # The other commands, from the wheel and from this folder alone.
    done = subprocess.run([venv / "bin/ipr-archive", "new", "知识产权工作会议", "--date",
                           "2024-04-26"], cwd=site, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    [made] = [p for p in (site / "content/reports").glob("*.md")
              if p.name != "example-report.md"]
    done = subprocess.run([venv / "bin/ipr-archive", "import", str(SEED_PAGE)], cwd=site,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list((site / "content/reports").glob("*.md"))) == 5  # 2 + the page's 3
    saved_page = REPO / "tests/fixtures/webpages/news-gbk.html"  # trafilatura, from the wheel
    done = subprocess.run([venv / "bin/ipr-archive", "import", str(saved_page), "--url",
                           "https://ipa.example.gov.cn/gzdt/2.html"], cwd=site, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [p.read_bytes() for p in (site / "content/captures").iterdir()] == [
        saved_page.read_bytes()]
    done = subprocess.run([venv / "bin/ipr-archive", "check"], cwd=site, env=env,
                          capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "check: 0 errors" in said and "6 reports" in said
    with socket.socket() as probe:  # a free port on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([venv / "bin/ipr-archive", "serve", "--port", str(port)],
                              cwd=site, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "serving http://" not in line and time.monotonic() < deadline:
            line = server.stdout.readline()
        assert "serving http://" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/reports/{made.stem}.html",
                                    timeout=30) as answer:
            assert "知识产权工作会议" in answer.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(30)
        server.stdout.close()
