"""A rebuild after edits to the bodies of reports, and nothing else.

Most edits fix a report's text. When every changed file is a report whose fields are as
the last build saw them (only its body, and so its SHA-256, differ), no list, index,
feed or neighbouring page can change: only those reports' pages and reports.json do.
This step renders just those, planning each page from the context the last full build
stored for it (its neighbours, related reports and year), and carries every other file
over, so a body edit costs the same at 100 reports as at 100,000. Anything else, or any
doubt, leaves the build to the full pipeline; the property test in
tests/integration/test_incremental.py checks this path against clean builds.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .cache import BuildCache, Output, pack_body, source_of
from ..source.settings import SiteConfig
from ..source.content import LINKS_FILE, Report, load_links
from ..errors import Problem
from .inputs import Inputs, SourceFile, parse_file
from .writer import MANIFEST, Staging, unchanged_files, write_file

# Beyond this many edited reports the whole pipeline is as quick, and simpler.
MAX_EDITED = 64
# Record fields a body edit changes; a change to any other field can change other pages.
_BODY_FIELDS = ("body_sha256", "warnings")


@dataclass(frozen=True)
class Context:
    """What a report's page shows besides the report itself, as source paths."""

    newer: str | None
    older: str | None
    related: tuple[str, ...]
    year_name: str
    year_path: str

    def to_json(self) -> str:
        return json.dumps([self.newer, self.older, list(self.related), self.year_name,
                           self.year_path], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Context":
        newer, older, related, year_name, year_path = json.loads(text)
        return cls(newer, older, tuple(related), str(year_name), str(year_path))


@dataclass(frozen=True)
class EditedReport:
    source: SourceFile
    report: Report  # as parsed now, with its body
    record: str
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class SearchUpdate:
    """The search bundles of the edited pages, to index again; the others are kept."""

    shards: tuple  # search.Shard, every one, keyed as the full pipeline would key them
    to_index: frozenset[str]
    known: dict  # search.ShardIndex of the bundles kept, by name
    shared: str  # the key of the files all bundles share
    retired: frozenset[str]  # the keys of the files this replaces


@dataclass(frozen=True)
class Delta:
    """The outputs a body edit changes, made and ready to be written."""

    files: dict[str, bytes]  # output path -> bytes
    keys: dict[str, str]  # output path -> cache key
    new_bodies: dict[str, tuple[bytes, str]]
    new_lines: dict[str, str]  # source path -> its new reports.json line
    edited: tuple[EditedReport, ...]
    search: SearchUpdate | None


def edited_reports(inputs: Inputs, cache: BuildCache, config: SiteConfig,
                   present: dict[str, tuple[int, int]], frame: str
                   ) -> tuple[EditedReport, ...] | None:
    """The reports whose bodies alone changed since the last build, parsed; None when
    this path cannot be taken (any other change, any problem, a damaged output)."""
    stored = cache.last_build.get("delta")
    if not isinstance(stored, dict) or stored.get("frame") != frame:
        return None
    if any(not p.warning for p in inputs.problems) or MANIFEST not in present:
        return None
    # Every file the last build wrote must be as it left it, reports.json the one whose
    # lines the cache holds.
    if not cache.outputs or any(present.get(path) != (out.size, out.mtime_ns)
                                for path, out in cache.outputs.items()):
        return None
    json_output = cache.outputs.get(stored.get("reports_json_path", ""))
    if json_output is None or json_output.key != stored.get("reports_json_key"):
        return None
    known = cache.file_states()
    changed = [f for f in inputs.files if f.kind == "report"
               and (f.key not in known or known[f.key].digest != f.state.digest)]
    if not changed or len(changed) > MAX_EDITED:
        return None
    old_records = cache.records({f.key for f in changed})
    edited = []
    for source in changed:
        if source.key not in old_records:
            return None
        report, problems, record = parse_file(source)
        if report is None or any(not p.warning for p in problems):
            return None
        if _without_body(record) != _without_body(old_records[source.key]):
            return None
        edited.append(EditedReport(source, report, record, tuple(problems)))
    return tuple(edited)


def _without_body(record: str) -> dict:
    fields = json.loads(record)
    for name in _BODY_FIELDS:
        fields.pop(name, None)
    return fields


def make_delta(site_root: Path, config: SiteConfig, edited: tuple[EditedReport, ...],
               cache: BuildCache, build_key: str, drafts: bool, renderer, output_key,
               body_key) -> Delta | None:
    """Render the edited reports' pages and reports.json; None if the stored context is
    missing or a page cannot be rendered, so the full pipeline must run (and say why).
    `output_key(build_key, template, plan inputs)` and `body_key(report)` give the cache
    keys the full pipeline gives."""
    from ..pages.feeds import report_line, reports_json_of_lines
    from ..pages.markup import render_markdown
    from ..pages.plan import report_plan
    from ..pages.render import TemplateProblem
    from ..pages.site import ReportCard, ReportEntry, related_links_of

    shown = [e for e in edited if drafts or not e.report.draft]
    contexts = {path: Context.from_json(text) for path, text in
                cache.report_contexts({e.source.key for e in shown}).items()}
    if len(contexts) != len(shown):
        return None
    neighbours = {key for c in contexts.values()
                  for key in (c.newer, c.older, *c.related) if key is not None}
    records = cache.records(neighbours)
    if len(records) != len(neighbours):
        return None
    cards = {key: ReportCard.of(source_of(record, site_root / key, "")[0])
             for key, record in records.items()}
    links = tuple(load_links(site_root / LINKS_FILE, []))
    has_world_ip_day = bool(cache.last_build["delta"].get("has_world_ip_day"))
    # The templates are as the last build read them (the frame says so), and so is the
    # digest of report.html and all it pulls in.
    template = cache.last_build["delta"]["report_template"]
    files, keys, new_bodies, new_lines = {}, {}, {}, {}
    for e in shown:
        context = contexts[e.source.key]
        report = dataclasses.replace(e.report, body=None)
        entry = ReportEntry(report, ReportCard.of(report), related_links_of(report, links),
                            newer=cards.get(context.newer), older=cards.get(context.older),
                            related=tuple(cards[key] for key in context.related),
                            year_name=context.year_name,
                            year_path=PurePosixPath(context.year_path))
        plan = report_plan(entry, has_world_ip_day)
        try:
            body = render_markdown(e.report.body, allow_raw_html=config.allow_raw_html)
            path = str(plan.out_path)
            files[path] = renderer.render(plan, body)
        except (RecursionError, TemplateProblem):
            return None
        keys[path] = output_key(build_key, template, plan.inputs)
        new_bodies[body_key(report)] = pack_body(body)
        new_lines[e.source.key] = report_line(config, report)
    lines = [new_lines.get(path, line) for path, line in cache.report_lines()]
    json_path = cache.last_build["delta"]["reports_json_path"]
    files[json_path] = reports_json_of_lines(config, lines)
    # Not the key the full pipeline would give (that needs every report): a key of its
    # own, so the next full build writes reports.json again rather than trust it.
    keys[json_path] = "lines:" + hashlib.blake2b(files[json_path], digest_size=16).hexdigest()
    search = _search_update(cache, keys) if config.search else None
    if config.search and search is None:
        return None
    return Delta(files, keys, new_bodies, new_lines, edited, search)


def _search_update(cache: BuildCache, new_keys: dict[str, str]) -> SearchUpdate | None:
    """Which search bundles hold the edited pages, keyed anew; None if the cache cannot
    say exactly what the last build indexed."""
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
    return SearchUpdate(tuple(shards), frozenset(to_index), known, shared_key(shards),
                        frozenset(retired))


def write_delta(out_dir: Path, delta: Delta, cache: BuildCache, inodes: dict[str, int],
                language: str) -> tuple[dict[str, Output], object, int]:
    """The new site: the last build's files, the delta's in place of theirs, and the
    search bundles of the edited pages indexed again; swapped in whole, as every build
    is. Returns every output's record for the cache, the search files (search.SearchFiles,
    or None) and how many files were written."""
    from ..search.pagefind import build_search_files, file_keys

    search = delta.search
    retired = {path for path, output in cache.outputs.items()
               if search is not None and output.key in search.retired}
    outputs = {path: output for path, output in cache.outputs.items() if path not in retired}
    staging = Staging(out_dir, inodes)
    try:
        staging.carry_over(sorted(path for path in outputs if path not in delta.files))
        for path, data in sorted(delta.files.items()):
            outputs[path] = Output(delta.keys[path],
                                   *write_file(staging.root, PurePosixPath(path), data))
        indexed, written = None, len(delta.files)
        if search is not None:  # Pagefind reads the pages from the staging folder
            indexed = build_search_files(staging.root, list(search.shards),
                                         set(search.to_index), search.known, language)
            keys = file_keys(indexed.files, search.shards, search.shared)
            same = unchanged_files(out_dir, indexed.files, cache.outputs)
            staging.carry_over(sorted(same))  # most fragments outlive a body edit
            for out_path, data in sorted(indexed.files.items()):
                path = str(out_path)
                old = cache.outputs.get(path)
                state = (old.size, old.mtime_ns) if path in same else \
                    write_file(staging.root, out_path, data)
                outputs[path] = Output(keys[path], *state)
                written += path not in same
        staging.commit(list(outputs))
    except BaseException:
        staging.discard()
        raise
    return outputs, indexed, written
