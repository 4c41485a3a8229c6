"""generator/build/state.py: what a build leaves the next survives the trip through the
cache exactly, and a damaged summary is refused rather than half-trusted."""
from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from generator.build.cache import CACHE_PATH, BuildCache
from generator.build.keys import build_key_of, generator_fingerprint
from generator.build.pipeline import build
from generator.build.state import BodyEditFrame, BuildOptions, LastBuild
from generator.errors import warning
from tests.helpers import cache_db

FRAME = BodyEditFrame("f" * 32, "reports.json", "k" * 32, True, "t" * 32,
                      ((PurePosixPath("index.html"), "home", "首页"),
                       (PurePosixPath("search.html"), "search", "搜索")))
LAST = LastBuild("i" * 32, 22,
                 (warning(Path("content/reports/a.md"), 4, "标题过长"),
                  warning(Path("site.yaml"), 0, "offline index left out")),
                 ("offline index left out",), FRAME)


def test_the_last_build_comes_back_as_it_was_saved():
    assert LastBuild.from_json(LAST.to_json()) == LAST
    assert LastBuild.from_json(LastBuild().to_json()) == LastBuild()


def test_a_summary_without_a_frame_means_no_short_path():
    text = LastBuild("i" * 32, 3).to_json()
    assert "delta" not in json.loads(text)
    assert LastBuild.from_json(text).body_edits is None


@pytest.mark.parametrize("damage", [
    lambda d: d.update(pages="many"),
    lambda d: d.update(warnings=[["a.md", 1]]),
    lambda d: d.update(inputs=7),
    lambda d: d["delta"].update(navigation=[["index.html", "home"]]),
    lambda d: d["delta"].pop("frame"),
])
def test_a_damaged_summary_is_refused(damage):
    data = json.loads(LAST.to_json())
    damage(data)
    with pytest.raises((ValueError, KeyError, TypeError)):
        LastBuild.from_json(json.dumps(data))


def test_a_damaged_summary_in_the_cache_sets_the_cache_aside(real_site):
    build(real_site)

    with cache_db(real_site / CACHE_PATH) as db:
        db.execute("UPDATE meta SET value = '{\"inputs\": 1}' WHERE key = 'last_build'")
    result = build(real_site)
    cache_warnings = [w.message for w in result.warnings if "cache" in w.message]
    assert len(cache_warnings) == 1 and "cannot be used" in cache_warnings[0]
    assert result.written == result.files  # nothing trusted: every file made again


def test_a_build_records_what_it_read_and_how_many_pages_it_made(real_site):
    result = build(real_site)
    cache, problems = BuildCache.open(real_site, generator_fingerprint(),
                                      _build_key(real_site))
    try:
        assert problems == []
        last = cache.last_build
        assert last.pages == result.pages
        assert len(last.inputs) == 32
        assert last.body_edits is not None
        assert last.body_edits.reports_json_path == "reports.json"
        assert cache.outputs["reports.json"].key == last.body_edits.reports_json_key
    finally:
        cache.close()


def _build_key(site: Path) -> str:
    from generator.source.settings import load_config

    config, _ = load_config(site)
    return build_key_of(config, site / "public")


def test_options_default_to_one_job_a_core_with_cache_and_search():
    options = BuildOptions()
    assert (options.drafts, options.jobs, options.use_cache, options.search) == \
        (False, None, True, True)
