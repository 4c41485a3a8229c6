"""The Nu Html Checker (vnu.jar) finds no error in any page or in the stylesheet.

One JVM run checks every HTML file of both builds, the stylesheet (--also-check-css) and a
page broken on purpose, which proves the run did check. feed.xml and sitemap.xml are not
HTML, CSS or SVG, the only formats the checker reads; test_feeds.py checks them.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.conftest import PAGE_TYPES

pytestmark = pytest.mark.browser

BROKEN_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>x</title></head>
<body><p><div>块</div></p><a>没有结束"""


@pytest.fixture(scope="session")
def vnu_errors(tmp_path_factory, vnu_jar, plain_site, published_site) -> dict[Path, list[dict]]:
    """{file: its error messages} for every checked file (an empty list when it has none)."""
    canary = tmp_path_factory.mktemp("vnu") / "canary.html"
    canary.write_text(BROKEN_PAGE, "utf-8")
    files = [canary]
    for site in (plain_site, published_site):
        files += sorted(site.out.rglob("*.html")) + sorted(site.out.rglob("*.css"))
    run = subprocess.run(
        ["java", "-jar", str(vnu_jar), "--format", "json", "--errors-only", "--also-check-css",
         *map(str, files)],
        check=False, capture_output=True, text=True, timeout=300)
    # The JSON report goes to stderr; the exit status is 1 whenever a file has an error.
    report = json.loads(run.stderr)
    errors: dict[Path, list[dict]] = {path.resolve(): [] for path in files}
    for message in report["messages"]:
        if message.get("type") in ("error", "non-document-error"):
            path = Path(unquote(urlsplit(message.get("url", "")).path)).resolve()
            errors.setdefault(path, []).append(message)
    assert errors[canary.resolve()], "vnu reported nothing for a page broken on purpose"
    del errors[canary.resolve()]
    return errors


def describe(path: Path, messages: list[dict]) -> str:
    return "\n".join(
        f"{path}:{m.get('lastLine', '?')}: {m['message']}"
        f"  [{m.get('extract', '').strip()}]" for m in messages)


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_page_type_has_no_html_error(vnu_errors, plain_site, kind):
    path = (plain_site.out / plain_site.page(kind)).resolve()
    assert path in vnu_errors  # it was checked
    assert vnu_errors[path] == [], describe(path, vnu_errors[path])


def test_every_other_file_of_both_builds_has_no_error(vnu_errors, plain_site, published_site):
    typed = {(plain_site.out / p).resolve() for p in plain_site.pages.values() if p}
    others = {path: messages for path, messages in vnu_errors.items()
              if path not in typed and messages}
    assert len(vnu_errors) >= 2 * len(typed)
    assert not others, "\n".join(
        describe(path, messages) for path, messages in others.items())
