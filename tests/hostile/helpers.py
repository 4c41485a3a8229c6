"""Helpers for the hostile-input suite: build a site and read its problems as a user does."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from generator.build.pipeline import build
from generator.errors import SiteError

REPORT = "content/reports/a.md"


def report(front: str, body: str = "正文。\n") -> str:
    return f"---\n{front}---\n\n{body}"


def build_out(site: Path, **options):
    """Build quickly (no search, one process, no cache) into site/../out."""
    kwargs = dict(search=False, jobs=1, use_cache=False)
    kwargs.update(options)
    return build(site, site.parent / f"{site.name}-out", **kwargs)


def errors_of(site: Path, **options) -> list[str]:
    """Every error of a build that must fail, as `path:line: message` relative to the site."""
    try:
        build_out(site, **options)
    except SiteError as exc:
        assert exc.problems, "a SiteError without problems"
        return [str(p).replace(f"{site}/", "") for p in exc.problems if not p.warning]
    raise AssertionError("the build succeeded, but it should have failed")


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
