"""generator/build/search_step.py: a change re-indexes only the bundles of the pages it
changed, and both build paths write the index the same way."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from generator.build.cache import BuildCache
from generator.build.keys import build_key_of, generator_fingerprint
from generator.build.pipeline import BuildOptions, build
from generator.build.search_step import (
    SearchPlan,
    plan_search_after_edits,
    search_warnings,
    shard_rows,
)
from generator.search import pagefind
from generator.search.pagefind import SearchFiles, ShardIndex
from generator.source.settings import load_config
from tests.helpers import report


def open_cache(site: Path) -> BuildCache:
    config, _ = load_config(site)
    cache, problems = BuildCache.open(site, generator_fingerprint(),
                                      build_key_of(config, site / "public"))
    assert problems == []
    return cache


@pytest.fixture
def yearly_site(make_site, monkeypatch):
    """A site indexed a bundle a year, built once with search."""
    monkeypatch.setattr(pagefind, "SHARD_MIN_PAGES", 1)
    site = make_site({
        "content/reports/a.md": report("title: 甲报告\ndate: 2023-04-26\n", "知识产权甲。\n"),
        "content/reports/b.md": report("title: 乙报告\ndate: 2024-04-26\n", "知识产权乙。\n"),
    })
    build(site, None, BuildOptions(jobs=1))
    return site


def test_an_edited_page_re_indexes_its_own_bundle_only(yearly_site):
    cache = open_cache(yearly_site)
    try:
        shards = cache.search_shards()
        holding = [s for s in shards if PurePosixPath("reports/a.html") in s.pages]
        assert len(holding) == 1 and len(shards) >= 2
        plan = plan_search_after_edits(cache, {"reports/a.html": "new key"})
        assert plan is not None
        assert plan.to_index == {holding[0].name}
        assert set(plan.known) == {s.name for s in shards if s.pages and s is not holding[0]}
        changed = next(s for s in plan.shards if s.name == holding[0].name)
        assert changed.key != holding[0].key  # keyed anew from the page's new key
        assert holding[0].key in plan.retired
        assert plan.needed
    finally:
        cache.close()


def test_without_a_stored_index_the_short_path_is_refused(make_site):
    site = make_site({"content/reports/a.md": report("title: 甲\ndate: 2023-04-26\n")})
    build(site, None, BuildOptions(jobs=1, search=False))
    cache = open_cache(site)
    try:
        assert plan_search_after_edits(cache, {"reports/a.html": "k"}) is None
    finally:
        cache.close()


def test_an_edit_to_one_year_rewrites_only_that_years_bundle(yearly_site):
    public = yearly_site / "public"
    cache = open_cache(yearly_site)
    try:
        bundles = {page: shard.bundle for shard in cache.search_shards()
                   for page in shard.pages}
    finally:
        cache.close()
    entries = {year: public / bundles[PurePosixPath(f"reports/{name}.html")] /
               "pagefind-entry.json" for year, name in (("2023", "a"), ("2024", "b"))}
    assert entries["2023"] != entries["2024"]
    before = {year: (entry.stat().st_ino, entry.read_bytes()) for year, entry in entries.items()}
    path = yearly_site / "content/reports/a.md"
    path.write_text(path.read_text("utf-8").replace("知识产权甲", "知识产权甲改"), "utf-8")
    build(yearly_site, None, BuildOptions(jobs=1))
    after = {year: (entry.stat().st_ino, entry.read_bytes()) for year, entry in entries.items()}
    assert after["2024"] == before["2024"]  # the same file, carried over
    assert after["2023"][1] != before["2023"][1]  # indexed again: the page changed


def files(shipped: bool) -> SearchFiles:
    return SearchFiles({}, {}, 3, 100, 7_400_000, shipped)


def test_an_offline_index_left_out_is_one_warning_on_the_settings():
    [problem] = search_warnings(Path("site"), files(False))
    assert problem.warning and problem.path == Path("site/site.yaml")
    assert "7.4 MB" in problem.message and "opened from disk" in problem.message
    assert search_warnings(Path("site"), files(True)) == []


def test_the_cache_keeps_the_index_of_the_bundles_made_anew_only():
    made = pagefind.Shard("2024", "2024", "k1", (PurePosixPath("reports/b.html"),))
    kept = pagefind.Shard("2023", "2023", "k2", (PurePosixPath("reports/a.html"),))
    index = ShardIndex((), ("知识",))
    plan = SearchPlan((made, kept), "shared", frozenset({"2024"}), {}, {}, frozenset())
    indexed = SearchFiles({}, {"2024": index}, 1, 0, 0, True)
    assert shard_rows(plan, indexed) == [(made, index.to_json()), (kept, None)]
    assert shard_rows(plan, None) == [(made, None), (kept, None)]
