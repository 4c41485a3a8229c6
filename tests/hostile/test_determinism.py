"""The same sources give the same bytes, whatever the machine around the build.

Byte-identical output, the search index included, across the working directory, the
time zone, the locale, PYTHONHASHSEED, SOURCE_DATE_EPOCH, worker count and the order in
which the file system lists or created the sources; and no output holds the time of the
build: every date in it comes from the reports.
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from conftest import REPO, tree_bytes
from generator.build.pipeline import build

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """40 generated reports with many tags and regions (Pagefind's filters), a page, the
    links file, and a base_url so the feed and sitemap are written too."""
    root = write_corpus(40, tmp_path_factory.mktemp("determinism") / "site")
    with (root / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("base_url: https://example.org/archive/\n")
    return root


def build_in_subprocess(site: Path, out: Path, cwd: Path, env: dict[str, str],
                        *extra: str) -> dict[str, bytes]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("TZ", "LC_ALL", "LANG", "PYTHONHASHSEED", "SOURCE_DATE_EPOCH")}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(REPO)  # `-m generator` from any working directory
    site_arg = os.path.relpath(site, cwd) if cwd != Path("/") else str(site)
    out_arg = os.path.relpath(out, cwd) if cwd != Path("/") else str(out)
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--site", site_arg,
                             "--out", out_arg, "--no-cache", "--quiet", *extra],
                            cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return tree_bytes(out)


def test_the_site_and_its_search_index_are_the_same_bytes_in_any_environment(corpus,
                                                                             tmp_path):
    runs = [
        (corpus, {"TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}, ()),
        (Path("/"), {"TZ": "Asia/Shanghai", "LC_ALL": "C", "LANG": "zh_CN.UTF-8",
                     "PYTHONHASHSEED": "4242", "SOURCE_DATE_EPOCH": "0"}, ("--jobs", "1")),
        (tmp_path, {"TZ": "America/Los_Angeles", "LC_ALL": "zh_CN.UTF-8",
                    "PYTHONHASHSEED": "random", "SOURCE_DATE_EPOCH": "1700000000"},
         ("--jobs", "2")),
    ]
    trees = [build_in_subprocess(corpus, tmp_path / f"out{index}", cwd, env, *extra)
             for index, (cwd, env, extra) in enumerate(runs)]
    first = trees[0]
    assert any(path.startswith("pagefind/pagefind.") and path.endswith(".pf_meta")
               for path in first)
    assert [p for p in first if p.startswith("pagefind/filter/")]
    assert {"search/fallback-index.js", "search/words.json", "feed.xml",
            "sitemap.xml"} <= first.keys()
    for tree in trees[1:]:
        assert tree.keys() == first.keys()
        assert [p for p in first if tree[p] != first[p]] == []


class ReversedScandir:
    """os.scandir, listing in the opposite order: as another file system might."""

    def __init__(self, real, path):
        with real(path) as entries:
            self.entries = list(entries)[::-1]

    def __iter__(self):
        return iter(self.entries)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


def copy_in_reverse(source: Path, target: Path) -> None:
    """The same site, every file and folder created in the opposite order."""
    files = sorted(p for p in source.rglob("*") if p.is_file() and ".cache" not in p.parts
                   and "public" not in p.relative_to(source).parts)
    for path in reversed(files):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)


def test_the_order_files_are_listed_or_created_in_does_not_matter(corpus, tmp_path,
                                                                  monkeypatch):
    build(corpus, tmp_path / "plain", use_cache=False)
    plain = tree_bytes(tmp_path / "plain")
    copy = tmp_path / "copy"
    copy_in_reverse(corpus, copy)
    build(copy, tmp_path / "created-reversed", use_cache=False)
    real_scandir, real_listdir = os.scandir, os.listdir
    monkeypatch.setattr(os, "scandir", lambda path=".": ReversedScandir(real_scandir, path))
    monkeypatch.setattr(os, "listdir", lambda path=".": real_listdir(path)[::-1])
    reports = corpus / "content/reports"
    with real_scandir(reports) as entries:
        assert [e.name for e in os.scandir(reports)] == [e.name for e in entries][::-1]
    build(corpus, tmp_path / "listed-reversed", use_cache=False)
    monkeypatch.undo()
    assert tree_bytes(tmp_path / "created-reversed") == plain
    assert tree_bytes(tmp_path / "listed-reversed") == plain


def test_no_output_holds_the_time_of_the_build(corpus, tmp_path):
    """Dates come from the reports alone: the generated corpus dates end in 2024, so
    today's date or year anywhere in the site could only be the build's clock."""
    build(corpus, tmp_path / "out", use_cache=False)
    site = tree_bytes(tmp_path / "out")
    sources = "".join(p.read_text("utf-8") for p in (corpus / "content").rglob("*")
                      if p.is_file())
    today = datetime.date.today()
    stamps = [today.isoformat(), f"{today.year}年{today.month}月{today.day}日",
              today.strftime("%Y/%m/%d"), today.strftime("%d %b %Y"), str(today.year)]
    assert not [s for s in stamps if s in sources]  # else this test would prove nothing
    text_files = {path: data.decode("utf-8") for path, data in site.items()
                  if path.endswith((".html", ".xml", ".json", ".js", ".css", ".txt"))}
    assert len(text_files) > 100
    found = {path: stamp for path, text in text_files.items() for stamp in stamps
             if stamp in text}
    assert found == {}

    feed = ET.fromstring(site["feed.xml"])
    updated = feed.find(f"{ATOM}updated").text
    entries = [entry.find(f"{ATOM}updated").text for entry in feed.iter(f"{ATOM}entry")]
    assert entries and updated == max(entries)
    newest = max(re.findall(r"^date: (\d{4}-\d\d-\d\d)$", sources, re.M))
    assert updated == f"{newest}T00:00:00Z"  # the newest report's date, not the clock
