"""A build's search step: whether the index must be made again, and writing its files.

The index (search/index.py) is made from the pages that show Markdown, in the staging
folder with the rest of the site, so it is swapped in with the site or not at all. The
full pipeline makes every file of it from the pages' documents and writes only those
that came out different; the short path for body edits patches the shards the edited
texts touch, from the files as the live site has them. Either way a file the last build
wrote byte for byte is carried over.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import Problem
from .cache import BuildCache, Output, Present, all_still_there
from .keys import body_key
from .writer import Staging, unchanged_files, write_file

if TYPE_CHECKING:
    from ..pages.plan import PagePlan
    from ..search.index import Prepared, SearchDoc, Shard
    from ..source.settings import SiteConfig


@dataclass(frozen=True)
class SearchFiles:
    """What a build made of the index."""

    documents: int
    files: int  # of the index
    bytes: int  # of every file of the index


# The cache's key of every index file. The index's own key (its documents and their
# pages' keys) is kept once, in the cache's search row: a body edit changes it and
# rewrites only the rows of the files it patches, not one for each of the index's
# thousands of files.
INDEX_FILE = "search index file"


@dataclass(frozen=True)
class SearchPlan:
    key: str  # of the index: its documents, with their pages' keys
    pages: tuple[str, ...]  # the documents' output paths, in order
    plans: tuple[PagePlan, ...]  # the full pipeline's: the pages to index, in order
    reuse: dict[str, str]  # the last build's index files still good: {path: INDEX_FILE}
    patched: dict[PurePosixPath, bytes] | None  # body edits: the files that change

    @property
    def needed(self) -> bool:
        """Whether anything must be indexed or written."""
        from ..search.index import META

        return self.patched is not None or str(META) not in self.reuse


def plan_search(plans: tuple[PagePlan, ...], wanted: dict[str, str], cache: BuildCache,
                present: Present) -> SearchPlan:
    """What to index, and whether the last build's index can be kept, for these pages."""
    from ..search.index import index_key
    from ..source.content import Report

    shown = [plan for plan in plans if plan.body_of is not None]
    # Results tie in this order: reports, newest first, then pages.
    ordered = tuple([p for p in shown if isinstance(p.body_of, Report)]
                    + [p for p in shown if not isinstance(p.body_of, Report)])
    pages = tuple(str(plan.out_path) for plan in ordered)
    key = index_key((page, wanted[page]) for page in pages)
    stored = cache.search_shards()
    last = [path for path, output in cache.outputs.items() if output.key == INDEX_FILE] \
        if len(stored) == 1 and stored[0].key == key else []
    outputs = {path: cache.outputs[path] for path in last}
    reuse = dict.fromkeys(last, INDEX_FILE) if last and all_still_there(outputs, present) \
        else {}
    return SearchPlan(key, pages, ordered, reuse, None)


def plan_search_after_edits(cache: BuildCache, out_dir: Path, new_keys: dict[str, str],
                            new_docs: dict[str, SearchDoc]) -> SearchPlan | None:
    """The index after the pages of `new_keys` ({path: new key}) changed text to
    `new_docs` ({path: document}); None if the cache cannot say exactly what the last
    build indexed. Raises ValueError if the live index cannot be read."""
    from ..search.index import META, index_key, patch_index, read_doc

    before = cache.search_shards()
    meta = cache.outputs.get(str(META))
    if len(before) != 1 or meta is None or meta.key != INDEX_FILE:
        return None
    pages = before[0].pages
    try:
        key = index_key((p, new_keys.get(p) or cache.outputs[p].key) for p in pages)
    except KeyError:
        return None

    def read(path: PurePosixPath) -> bytes:
        try:
            return (out_dir / path).read_bytes()
        except OSError as exc:
            raise ValueError(str(exc)) from None

    number = {page: n for n, page in enumerate(pages)}
    edits = {number[path]: (read_doc(read, number[path]), doc)
             for path, doc in sorted(new_docs.items()) if path in number}
    patched = patch_index(read, len(pages), edits)
    return SearchPlan(key, pages, (), {}, patched)


class IndexWriter:
    """The full pipeline's index: made from the documents the render step prepares, as
    they come back (`add`), its files written to the staging folder as they are done (a
    document file as soon as its documents have all come, while the other cores still
    render), the rest by `finish`. A file the last build wrote byte for byte is carried
    over instead."""

    def __init__(self, staging: Staging, plan: SearchPlan, cache: BuildCache) -> None:
        from ..search.index import Indexer

        assert plan.patched is None, "a patched index is written by write_patched_index"
        self.staging, self.plan, self.cache = staging, plan, cache
        self.indexer = Indexer(len(plan.pages))
        self.number = {page: number for number, page in enumerate(plan.pages)}
        self.outputs: dict[str, Output] = {}
        self.written = 0

    def add(self, page: str, ready: Prepared) -> None:
        """The document of output path `page`, prepared (search/index.py: prepare)."""
        self.indexer.add(self.number[page], ready)
        made = self.indexer.made()
        if made:
            self._write(made)

    def finish(self, config: SiteConfig) -> tuple[dict[str, Output], SearchFiles, int]:
        """The rest of the index, its documents not rendered this build made from the
        cache's rendered Markdown. Returns each file's record, what was made, and how
        many files were written."""
        from ..search.index import doc_of, prepare

        missing = self.indexer.missing()
        pages = [self.plan.plans[number] for number in missing]
        bodies = _bodies(tuple(pages), self.cache, config)
        ready = prepare([doc_of(page, bodies[str(page.out_path)]) for page in pages])
        for number, prepared in zip(missing, ready, strict=True):
            self.indexer.add(number, prepared)
        self._write(self.indexer.files())
        size = sum(output.size for output in self.outputs.values())
        return self.outputs, SearchFiles(len(self.plan.pages), len(self.outputs), size), \
            self.written

    def _write(self, files: dict[PurePosixPath, bytes]) -> None:
        same = unchanged_files(self.staging.out_dir, files, self.cache.outputs)
        self.staging.carry_over(sorted(same))
        for out_path, data in files.items():
            path = str(out_path)
            if path in same:
                state = self.cache.outputs[path].size, self.cache.outputs[path].mtime_ns
            else:
                state = write_file(self.staging.root, out_path, data)
                self.written += 1
            self.outputs[path] = Output(INDEX_FILE, *state)


def write_patched_index(staging: Staging, plan: SearchPlan, cache: BuildCache
                        ) -> tuple[dict[str, Output], SearchFiles, int]:
    """Put the index files a body edit patched in the staging folder (the others are
    carried over by the caller with the rest of the site, their cache rows as they
    were). Returns the patched files' records, what the index holds, and how many files
    were written."""
    from ..search.index import index_files

    assert plan.patched is not None
    outputs = {str(out_path): Output(INDEX_FILE, *write_file(staging.root, out_path, data))
               for out_path, data in sorted(plan.patched.items())}
    every = index_files(len(plan.pages))
    size = sum((outputs.get(path) or cache.outputs[path]).size for path in every)
    return outputs, SearchFiles(len(plan.pages), len(every), size), len(plan.patched)


def shard_rows(plan: SearchPlan, indexed: SearchFiles | None) -> list[tuple[Shard, str | None]]:
    """What the cache keeps of the index: its key and its documents in order."""
    from ..search.index import Shard

    return [(Shard("", "", plan.key, plan.pages), "{}")]


def search_warnings(site_root: Path, indexed: SearchFiles) -> list[Problem]:
    """The index has nothing to warn about: it is made for every archive, at any size."""
    return []


def _bodies(plans: tuple[PagePlan, ...], cache: BuildCache, config: SiteConfig
            ) -> dict[str, str]:
    """The rendered Markdown of each page, {output path: HTML}: from the cache, where
    the render step has just put it, or rendered again (a build without a cache)."""
    from ..pages.markup import render_markdown
    from ..source.content import body_text

    keys = {str(plan.out_path): body_key(plan.body_of, config) for plan in plans
            if plan.body_of is not None}
    known = cache.bodies(set(keys.values()))
    found = {}
    for plan in plans:
        body = known.get(keys[str(plan.out_path)])
        if body is None:
            assert plan.body_of is not None
            body = render_markdown(body_text(plan.body_of), allow_raw_html=config.allow_raw_html)
        found[str(plan.out_path)] = body.html
    return found
