"""Helpers shared by the tests: sites written inline, builds run as a user runs them, their
problems read as `path:line: message`, and built pages read as a reader's browser would."""
from __future__ import annotations

import contextlib
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.build.pipeline import BuildOptions, build
from generator.cli import main
from generator.errors import SiteError
from generator.source.content import load_content
from generator.source.validate import validate_content

# --- Sites written inline ------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent

SEED_PAGE = REPO / "tests" / "fixtures" / "seed-page.txt"

MINIMAL_REPORT = """---
title: 测试报告
date: 2020-01-02
---

正文。
"""

GOOD_FRONT = "title: 好的报告\ndate: 2020-01-02\n"

REPORT = "content/reports/a.md"


def report(front: str, body: str = "正文。\n") -> str:
    """A report file: the front matter lines given, then the body."""
    return f"---\n{front}---\n\n{body}"


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write {relative path: text or bytes} under root, folders and all."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root as {relative posix path: bytes}."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def load_checked(tmp_path: Path, files: dict[str, str | bytes]):
    """The content of the files written, and every problem of loading and validating it."""
    write_files(tmp_path, files)
    content, problems = load_content(tmp_path)
    return content, problems + validate_content(content)


def body_line_of(path: Path, needle: str) -> int:
    """The file line of the first body line holding `needle`."""
    lines = path.read_text("utf-8").split("\n")
    start = lines.index("---", 1)  # skip the front matter
    return next(n for n, line in enumerate(lines, 1) if n > start + 1 and needle in line)


def line_of_front(path: Path, field: str) -> int:
    """The file line of a front-matter field."""
    lines = path.read_text("utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f"{field}:"))


# --- Hostile text, and what it must never become -------------------------------------------

PAYLOAD = "\"><img src=x onerror=alert(1)></script><script>alert('t')</script>\u2028'&amp;<!--"

HOSTILE_URL = 'https://e.org/a?x="><script>alert(1)</script>'

SAFE_NAME = "\"><img src=x onerror=alert(1)>' onmouseover='&amp;"  # no `:`: it names a file


def hostile_site(make_site):
    """A site whose every field, link and setting carries PAYLOAD or SAFE_NAME."""
    js = json.dumps  # a JSON string is a YAML double-quoted scalar
    front = (f"title: {js(PAYLOAD)}\ndate: 2020-05-10\nplace: {js(PAYLOAD)}\n"
             f"region: {js(SAFE_NAME)}\ntags: [{js(SAFE_NAME)}, 专利]\n"
             f"summary: {js(PAYLOAD)}\nsource:\n  site: {js(PAYLOAD)}\n"
             f"  page_title: {js(PAYLOAD)}\n  section: {js(PAYLOAD)}\n"
             f"  url: {js(HOSTILE_URL)}\n")
    return make_site({
        REPORT: report(front, f"# {PAYLOAD}\n\n正文 {PAYLOAD}\n\n## 小标题 {PAYLOAD}\n"),
        "content/reports/b.md": report("title: 另一篇\ndate: 2019\ntags: [专利]\n"),
        "content/pages/about.md": f"---\ntitle: {js(PAYLOAD)}\ndescription: {js(PAYLOAD)}\n"
                                  "---\n\n关于。\n",
        "content/links.yaml": f"- title: {js('世界知识产权日' + PAYLOAD)}\n"
                              f"- title: {js(PAYLOAD)}\n  source:\n    site: {js(PAYLOAD)}\n",
        "site.yaml": f"title: {js(PAYLOAD)}\ndescription: {js(PAYLOAD)}\n"
                     "base_url: https://example.org/archive/\n",
    })


_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def assert_no_active_content(soup, where: str) -> None:
    """No script with text, no element a script can hide in, no on* attribute, and every
    address a web, mail or relative one (as a browser reads it: entities decoded, tabs,
    newlines and leading spaces dropped)."""
    for tag in soup.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], (where, str(tag)[:200])
        for attr in ("href", "src", "action", "formaction", "data", "xlink:href"):
            value = tag.get(attr)
            if value is not None:
                url = re.sub(r"[\x00-\x20]", "", html.unescape(value))
                assert _SAFE_URL.match(url), (where, attr, value)
    for script in soup.find_all("script"):
        assert script.get("src") and not script.string, (where, str(script))
    for name in ("iframe", "object", "embed", "style", "svg", "base", "link", "meta"):
        assert soup.select_one(f"body {name}") is None, (where, name)
    # The header's search form is the site's own; content never makes one.
    assert [form.get("class") for form in soup.find_all("form")
            if form.get("class") != ["site-search"]] in ([], [["search-form"]]), where


# --- Builds and commands, run as a user runs them ------------------------------------------

def build_out(site: Path, **options):
    """Build quickly (no search, one process, no cache) into site/../out."""
    kwargs = {"search": False, "jobs": 1, "use_cache": False}
    kwargs.update(options)
    return build(site, site.parent / f"{site.name}-out", BuildOptions(**kwargs))


def errors_of(site: Path, **options) -> list[str]:
    """Every error of a build that must fail, as `path:line: message` relative to the site."""
    with pytest.raises(SiteError) as failed:
        build_out(site, **options)
    assert failed.value.problems, "a SiteError without problems"
    return [str(p).replace(f"{site}/", "") for p in failed.value.problems if not p.warning]


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in this process: (status, stdout, stderr)."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def main_build(capsys, site: Path, *extra: str) -> tuple[int, str]:
    """`build` in this process, quietly and in one process: (status, stderr)."""
    code = main(["build", "--site", str(site), "--quiet", "--jobs", "1", *extra])
    return code, capsys.readouterr().err


def checkout_env(**extra: str) -> dict[str, str]:
    """The environment in which `python -m generator` is this checkout's generator, from any
    working directory and whatever copy is installed (tests/test_cli.py checks it)."""
    return {**os.environ, "PYTHONPATH": str(REPO), **extra}


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m generator …` of this checkout, run in cwd as an editor runs it."""
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          env=checkout_env(), capture_output=True, text=True, timeout=timeout)


def run_in_repo(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """`python -m generator …` of this checkout, run from the checkout."""
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=REPO,
                          env=checkout_env(), capture_output=True, text=True, timeout=300,
                          **kwargs)


PROBLEM_LINE = re.compile(r"^\S[^\n]*?(:\d+)?: \S.*$")


def assert_clear_failure(stderr: str) -> list[str]:
    """Status-1 output as a user sees it: problem lines, then `build failed: …`."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("build failed: "), stderr
    assert all(PROBLEM_LINE.match(line) for line in lines[:-1]), stderr
    return lines[:-1]


def needs(present: bool, what: str) -> None:
    """Skip a test whose machine lacks `what`; under CI (the CI variable set, as .ci/run sets
    it) fail instead, so that a fresh machine never turns a test into silence."""
    if present:
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{what}; CI must provide it (see tests/setup.sh)", pytrace=False)
    pytest.skip(what)


# --- Built pages, read as a reader's browser reads them ------------------------------------

def parse(path: Path) -> BeautifulSoup:
    """A built page, parsed as a browser parses it."""
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def internal_links(out: Path) -> list[tuple[Path, str]]:
    """(page, href) for every relative link and resource in the site."""
    found = []
    for page in sorted(out.rglob("*.html")):
        soup = parse(page)
        for tag in soup.find_all(["a", "link", "img", "script"]):
            href = tag.get("href") or tag.get("src")
            if href and not urlsplit(href).scheme and not href.startswith("//"):
                found.append((page, href))
    return found


def resolve(page: Path, href: str) -> tuple[Path, str]:
    """The file and #anchor a relative href leads to from page."""
    parts = urlsplit(href)
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return target, unquote(parts.fragment)


def broken_links(out: Path) -> list[str]:
    """Every relative link or anchor of the site that leads nowhere."""
    broken = []
    for page, href in internal_links(out):
        target, anchor = resolve(page, href)
        if not target.is_file() or not target.is_relative_to(out.resolve()):
            broken.append(f"{page.relative_to(out)}: {href} (no such file)")
        elif anchor and target.suffix == ".html" and parse(target).find(id=anchor) is None:
            broken.append(f"{page.relative_to(out)}: {href} (no such anchor)")
    return broken


def reachable(out: Path, start: str = "index.html") -> set[Path]:
    """Every file reached by following links from the start page."""
    seen, todo = set(), [(out / start).resolve()]
    while todo:
        page = todo.pop()
        if page in seen or not page.is_file():
            continue
        seen.add(page)
        if page.suffix == ".html":
            for tag in parse(page).find_all("a", href=True):
                if not urlsplit(tag["href"]).scheme:
                    todo.append(resolve(page, tag["href"])[0])
    return seen


# A report that keeps the source's own slips, listed in as_found.
AS_FOUND_REPORT = """---
title: 盐城市大丰区召开知识产权联席会议
date: XXXX-05-10
as_found:
  - 据统计,,
  - "2015?2020年"
---

据统计,,盐城市大丰区共申请各类专利3326件。行动计划(2015?2020年)。
"""

# Report n of a list, for pages that list reports: LIST_REPORT.format(n=n).
LIST_REPORT = """---
title: 报告{n}
date: 20{n:02d}-01-01
tags: [专利]
region: 江苏省
---

第{n}篇。
"""


@contextlib.contextmanager
def cache_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A site's cache database, committed and closed at the end: sqlite3's own `with`
    commits but leaves the connection open, holding its locks against the next build."""
    db = sqlite3.connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()
