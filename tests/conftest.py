"""Shared helpers: a tiny site written inline, and the real site copied aside."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_PAGE = REPO / "tests" / "fixtures" / "seed-page.txt"

MINIMAL_REPORT = """---
title: 测试报告
date: 2020-01-02
---

正文。
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


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


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root as {relative posix path: bytes}."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
