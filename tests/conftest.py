"""Fixtures shared by every test: a tiny site written inline, and the real site copied aside."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.pages import theme
from tests.helpers import REPO, write_files


@pytest.fixture
def make_site(tmp_path):
    """make_site({"content/reports/a.md": "..."}) -> a site root with a copy of the theme."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Path:
        root = tmp_path / name
        root.mkdir()
        # The built-in theme as the site's own, for tests that edit a template.
        shutil.copytree(theme.TEMPLATES, root / "templates")
        shutil.copytree(theme.STATIC, root / "static")
        write_files(root, files)
        return root

    return make


@pytest.fixture
def real_site(tmp_path) -> Path:
    """A copy of this repository's site sources, safe to edit."""
    root = tmp_path / "real"
    root.mkdir()
    shutil.copytree(REPO / "content", root / "content")
    # The repository's site uses the built-in theme; a copy of it as the site's own, for
    # tests that edit a template or a static file (the output is the same).
    shutil.copytree(theme.TEMPLATES, root / "templates")
    shutil.copytree(theme.STATIC, root / "static")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root
