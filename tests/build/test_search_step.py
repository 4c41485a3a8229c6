"""generator/build/search_step.py: the index is written with the site; a body edit
patches only the index files it touches, to the bytes of a clean build."""
from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import pytest

from generator.build import pipeline, workers
from generator.build.cache import BuildCache
from generator.build.keys import build_key_of, generator_fingerprint
from generator.build.pipeline import BuildOptions, build
from generator.build.search_step import (
    INDEX_FILE,
    SearchFiles,
    plan_search_after_edits,
    search_warnings,
)
from generator.search import index
from generator.source.settings import load_config
from tests.helpers import PAYLOAD, build_out, hostile_site, report, tree_bytes
from tests.search.corpus import corpus_files


def open_cache(site: Path) -> BuildCache:
    config, _ = load_config(site)
    cache, problems = BuildCache.open(site, generator_fingerprint(),
                                      build_key_of(config, site / "public"))
    assert problems == []
    return cache


@pytest.fixture
def sharded_site(make_site, monkeypatch):
    """The search corpus as a site, its index in many shards, built once."""
    monkeypatch.setattr(index, "DOCS_PER_SHARD", 1)
    site = make_site(corpus_files())
    build(site, None, BuildOptions(jobs=1))
    return site


def search_files(out: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.read_bytes())
            for p in sorted((out / "search").rglob("*.js"))}


def test_the_index_is_written_with_the_site(sharded_site):
    files = search_files(sharded_site / "public")
    assert "search/meta.js" in files
    assert len([p for p in files if p.startswith("search/idx/")]) == 16
    assert len([p for p in files if p.startswith("search/doc/")]) == 3  # 10 reports, 4 a file
    cache = open_cache(sharded_site)
    try:
        [state] = cache.search_shards()
        assert state.pages[0] == "reports/r00.html"  # newest first
        assert cache.outputs["search/meta.js"].key == INDEX_FILE  # the index's key: state.key
    finally:
        cache.close()


def test_an_index_made_on_two_cores_is_the_one_made_on_one(make_site, monkeypatch, tmp_path):
    """On two cores, the forked worker prepares the documents of the pages it renders and
    they come back to the index in another order."""
    ran = tmp_path / "ran"
    made = index.prepare

    def prepare(docs):
        time.sleep(0.05)  # long enough that the forked worker takes pages too
        with ran.open("a") as log:
            log.write(f"{os.getpid()}\n")
        return made(docs)

    monkeypatch.setattr(index, "prepare", prepare)
    monkeypatch.setattr(pipeline, "map_in_order", functools.partial(
        workers.map_in_order, chunk_size=2, min_items=2))  # the site is small
    site = make_site(corpus_files())
    build(site, tmp_path / "one", BuildOptions(jobs=1, use_cache=False))
    assert len(set(ran.read_text().split())) == 1
    ran.unlink()
    build(site, tmp_path / "two", BuildOptions(jobs=2, use_cache=False))
    assert len(set(ran.read_text().split())) == 2  # this process and a forked one
    one, two = tree_bytes(tmp_path / "one" / "search"), tree_bytes(tmp_path / "two" / "search")
    assert one == two and len(one) > 4


def test_a_rebuild_without_changes_keeps_every_index_file(sharded_site):
    before = search_files(sharded_site / "public")
    (sharded_site / "content/reports/r03.md").touch()
    build(sharded_site, None, BuildOptions(jobs=1))
    assert search_files(sharded_site / "public") == before


def test_a_body_edit_rewrites_only_the_shards_it_touches(sharded_site, tmp_path):
    public = sharded_site / "public"
    before = search_files(public)
    home = (public / "index.html").stat().st_ino
    rows_before = cache_rows(sharded_site)
    path = sharded_site / "content/reports/r03.md"
    path.write_text(path.read_text("utf-8").replace("软件。", "软件和游戏。"), "utf-8")
    build(sharded_site, None, BuildOptions(jobs=1))
    after = search_files(public)
    changed = {p for p in after if after[p] != before.get(p)}
    assert "search/doc/00000.js" in changed  # r03 is document 3
    assert 1 <= len([p for p in changed if p.startswith("search/idx/")]) < 16
    assert "search/meta.js" not in changed
    assert (public / "index.html").stat().st_ino == home  # the short path: no list page
    # The cache rows of the files not patched are left as they were.
    rows_after = cache_rows(sharded_site)
    assert {p for p in rows_after if rows_after[p] != rows_before[p]} == changed
    # The next build knows the patched index for the current one: nothing to write.
    assert build(sharded_site, None, BuildOptions(jobs=1)).written == 0
    build(sharded_site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1))
    assert tree_bytes(public) == tree_bytes(tmp_path / "clean")


def cache_rows(site: Path) -> dict[str, tuple]:
    """The cache's rows of the index files."""
    cache = open_cache(site)
    try:
        return {path: tuple(output) for path, output in cache.outputs.items()
                if path.startswith("search/")}
    finally:
        cache.close()


def test_a_new_report_remakes_the_index_as_a_clean_build(sharded_site, tmp_path):
    (sharded_site / "content/reports/new.md").write_text(
        report("title: 新報告\ndate: 2025-01-01\n", "專利新聞。\n"), "utf-8")
    build(sharded_site, None, BuildOptions(jobs=1))
    build(sharded_site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1))
    assert tree_bytes(sharded_site / "public") == tree_bytes(tmp_path / "clean")


def test_without_a_stored_index_the_short_path_is_refused(make_site):
    site = make_site({"content/reports/a.md": report("title: 甲\ndate: 2023-04-26\n")})
    build(site, None, BuildOptions(jobs=1, search=False))
    assert not (site / "public/search/meta.js").exists()
    cache = open_cache(site)
    try:
        assert plan_search_after_edits(cache, site / "public", {"reports/a.html": "k"},
                                       {}) is None
    finally:
        cache.close()


def test_a_damaged_live_index_sends_the_edit_down_the_full_path(sharded_site, tmp_path):
    public = sharded_site / "public"
    doc = public / "search/doc/00000.js"
    data = doc.read_bytes()
    doc.unlink()
    doc.write_bytes(data[:-10])  # torn, and a new file: the cache sees it changed
    path = sharded_site / "content/reports/r01.md"
    path.write_text(path.read_text("utf-8") + "新增一句。\n", "utf-8")
    build(sharded_site, None, BuildOptions(jobs=1))
    build(sharded_site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1))
    assert tree_bytes(public) == tree_bytes(tmp_path / "clean")


def test_the_index_has_nothing_to_warn_about():
    assert search_warnings(Path("site"), SearchFiles(100_000, 30_000, 300_000_000)) == []


def test_hostile_fields_stay_data_in_every_index_file(make_site):
    site = hostile_site(make_site)
    build_out(site, search=True)
    out = site.parent / "site-out"
    files = {p: data for p, data in tree_bytes(out).items() if p.startswith("search/")
             and p.endswith(".js")}
    assert len(files) >= 3
    found = False
    for path, data in files.items():
        text = data.decode("utf-8")
        assert "<" not in text and "\u2028" not in text and "\u2029" not in text, path
        kind, _, value = index.read_script(data)
        if kind == "docs":
            found = found or any(row[1] == PAYLOAD for row in value)
    assert found  # the title, as written, once read back


def test_a_body_edit_patches_the_index_without_loading_numpy(make_site, tmp_path):
    """The short path for a body edit (what `serve` takes on every save) patches the index
    with index.py's strings: a fresh process building after an edit never loads NumPy
    and its 70 ms, and finds the new text."""
    import subprocess
    import sys

    site = make_site(corpus_files())
    build(site, None, BuildOptions(jobs=1))
    path = site / "content/reports/r03.md"
    path.write_text(path.read_text("utf-8") + "\n新添的蓝莓段落。\n", "utf-8")
    script = ("import sys; from pathlib import Path; "
              "from generator.build.pipeline import BuildOptions, build; "
              f"build(Path({str(site)!r}), None, BuildOptions(jobs=1)); "
              "print('numpy' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).resolve().parents[2])
    assert shown.stdout.strip() == "False"
    shards = [index.read_script(p.read_bytes())[2]
              for p in (site / "public/search/idx").glob("*.js")]
    assert any("蓝莓" in shard for shard in shards if isinstance(shard, dict))
