"""Lint and type check as part of the test command: ruff over the code and the tests, mypy
over the package, both configured in pyproject.toml; a finding fails with their own output."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import REPO


def tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)


def test_ruff_finds_nothing():
    done = tool("ruff", "check", "generator", "tests", "benchmarks", "scripts")
    if done.returncode != 0:
        pytest.fail(f"ruff check found problems:\n{done.stdout}{done.stderr}", pytrace=False)


def test_mypy_finds_nothing():
    done = tool("mypy")  # the files and options are in pyproject.toml
    if done.returncode != 0:
        pytest.fail(f"mypy found problems:\n{done.stdout}{done.stderr}", pytrace=False)
