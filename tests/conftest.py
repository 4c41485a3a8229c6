"""Fixtures shared by every test: a tiny site written inline, and the real site copied aside."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO, write_files


@pytest.fixture
def make_site(tmp_path):
    """make_site({"content/reports/a.md": "..."}) -> a site root with the real theme."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Path:
        root = tmp_path / name
        root.mkdir()
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "static", root / "static")
        write_files(root, files)
        return root

    return make


@pytest.fixture
def real_site(tmp_path) -> Path:
    """A copy of this repository's site sources, safe to edit."""
    root = tmp_path / "real"
    root.mkdir()
    for name in ("templates", "static", "content"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root
