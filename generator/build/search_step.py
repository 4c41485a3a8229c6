"""A build's search step: which bundles of the index to make again, and writing them.

The index has no incremental mode, so a large archive is indexed a year a bundle
(search.pagefind.Shard) and a change re-indexes only the bundles of the pages it changed.
The full pipeline and the short path for body edits plan differently and write the same
way: index the pages in the staging folder, carry over the files that came out the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import Problem, warning
from ..source.settings import CONFIG_NAME
from .cache import BuildCache, Output, Present, all_still_there
from .writer import Staging, unchanged_files, write_file

if TYPE_CHECKING:
    from ..pages.plan import PagePlan
    from ..search.pagefind import SearchFiles, Shard, ShardIndex


@dataclass(frozen=True)
class SearchPlan:
    shards: tuple[Shard, ...]  # every bundle, keyed by its pages
    key: str  # of the files all bundles share (words, offline index, list of bundles)
    to_index: frozenset[str]  # the bundles whose pages changed, by name
    known: dict[str, ShardIndex]  # the index of each other bundle, from the cache
    reuse: dict[str, str]  # the last build's search files still good: {path: key}
    retired: frozenset[str]  # keys of the last build's search files this plan replaces

    @property
    def needed(self) -> bool:
        """Whether anything must be indexed or written."""
        from ..search.pagefind import SHARDS

        return bool(self.to_index) or str(SHARDS) not in self.reuse


def plan_search(plans: tuple[PagePlan, ...], wanted: dict[str, str], cache: BuildCache,
                present: Present) -> SearchPlan:
    """What to index, and what of the last build's index can be kept, for these pages."""
    from ..search import pagefind

    pages = [(plan.out_path, _shard_group(plan)) for plan in plans if plan.body_of is not None]
    shards = tuple(pagefind.Shard(name, group, pagefind.shard_key(
        name, [(path, wanted[str(path)]) for path in members]), members)
        for name, group, members in pagefind.shard_pages(pages))
    key = pagefind.shared_key(shards)
    known = cache.shard_indexes({shard.name: shard.key for shard in shards})
    by_key: dict[str, list[str]] = {}  # the last build's files, by key: one pass, not one a shard
    for path, output in cache.outputs.items():
        by_key.setdefault(output.key, []).append(path)
    reuse: dict[str, str] = {}
    to_index = set()
    for shard in shards:
        if not shard.pages:  # nothing to index: an archive without reports or pages
            continue
        kept = _intact(cache, by_key.get(shard.key, []), present)
        if shard.name in known and f"{shard.bundle}/pagefind-entry.json" in kept:
            reuse.update(kept)
        else:
            to_index.add(shard.name)
    shared = _intact(cache, by_key.get(key, []), present)
    if str(pagefind.SHARDS) in shared:
        reuse.update(shared)
    return SearchPlan(shards, key, frozenset(to_index), known, reuse, frozenset())


def plan_search_after_edits(cache: BuildCache, new_keys: dict[str, str]) -> SearchPlan | None:
    """The bundles holding the pages of `new_keys` ({path: new key}), keyed anew; None if
    the cache cannot say exactly what the last build indexed."""
    from ..search.pagefind import SHARDS, Shard, shard_key, shared_key

    before = cache.search_shards()
    shared = cache.outputs.get(str(SHARDS))
    if not before or shared is None or shared.key != shared_key(before):
        return None
    shards, to_index = [], set()
    for shard in before:
        if any(str(page) in new_keys for page in shard.pages):
            try:
                pages = [(page, new_keys.get(str(page)) or cache.outputs[str(page)].key)
                         for page in shard.pages]
            except KeyError:
                return None
            shard = Shard(shard.name, shard.group, shard_key(shard.name, pages), shard.pages)
            to_index.add(shard.name)
        shards.append(shard)
    kept = {shard.name: shard.key for shard in shards
            if shard.name not in to_index and shard.pages}
    known = cache.shard_indexes(kept)
    if len(known) != len(kept):
        return None
    retired = {shard.key for shard in before if shard.name in to_index} | {shared.key}
    return SearchPlan(tuple(shards), shared_key(shards), frozenset(to_index), known, {},
                      frozenset(retired))


def write_search_files(staging: Staging, plan: SearchPlan, cache: BuildCache,
                       language: str) -> tuple[dict[str, Output], SearchFiles, int]:
    """Index the pages in the staging folder and put the search files beside them; the
    ones the last build wrote byte for byte are carried over (most fragments outlive a
    one-report change). Returns each file's record, the search files, how many were
    written."""
    from ..search.pagefind import build_search_files, file_keys

    indexed = build_search_files(staging.root, list(plan.shards), set(plan.to_index),
                                 plan.known, language)
    keys = file_keys(indexed.files, plan.shards, plan.key)
    same = unchanged_files(staging.out_dir, indexed.files, cache.outputs)
    staging.carry_over(sorted(same))
    outputs = {}
    for out_path, data in sorted(indexed.files.items()):
        path = str(out_path)
        state = (cache.outputs[path].size, cache.outputs[path].mtime_ns) if path in same \
            else write_file(staging.root, out_path, data)
        outputs[path] = Output(keys[path], *state)
    return outputs, indexed, len(indexed.files) - len(same)


def shard_rows(plan: SearchPlan, indexed: SearchFiles | None
               ) -> list[tuple[Shard, str | None]]:
    """What the cache keeps of each bundle: its index if it was made anew, else None."""
    return [(shard, indexed.indexes[shard.name].to_json()
             if indexed is not None and shard.name in indexed.indexes else None)
            for shard in plan.shards]


def search_warnings(site_root: Path, indexed: SearchFiles) -> list[Problem]:
    from ..search.pagefind import FALLBACK_LIMIT

    if indexed.fallback_shipped:
        return []
    return [warning(site_root / CONFIG_NAME, 0, (
        f"the offline search index would be {indexed.fallback_bytes / 1e6:.1f} MB, over the "
        f"{FALLBACK_LIMIT / 1e6:g} MB limit, so it is left out: search works when the site "
        "is served over HTTP, not when it is opened from disk (the search page says so)"))]


def _shard_group(plan: PagePlan) -> str:
    """The bundle a page is indexed in: its year's, for a report; the pages' otherwise."""
    from ..search.pagefind import PAGES_SHARD

    year = dict(plan.values).get("year")  # (year's name, its page) for a report
    return PurePosixPath(year[1]).stem if isinstance(year, tuple) else PAGES_SHARD


def _intact(cache: BuildCache, paths: list[str], present: Present) -> dict[str, str]:
    """The last build's files of one key, {path: key}, if every one is as it left it."""
    outputs = {path: cache.outputs[path] for path in paths}
    return {path: output.key for path, output in outputs.items()} \
        if all_still_there(outputs, present) else {}
