"""A rebuild after edits to the bodies of reports, and nothing else.

Most edits fix a report's text. When every changed file is a report whose fields are as
the last build saw them (only its body, and so its SHA-256, differ), no list, index,
feed or neighbouring page can change: only those reports' pages and reports.json and
reports.csv do (their citations show no body).
This step renders just those, planning each page from the context the last full build
stored for it (its neighbours, related reports and year), and carries every other file
over, so a body edit costs the same at 100 reports as at 100,000. Anything else, or any
doubt, leaves the build to the full pipeline; the property test in
tests/build/ checks this path against clean builds.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .. import urls
from ..errors import Problem, warning
from ..source.content import LINKS_FILE, Report, load_links
from .cache import Output, all_still_there
from .inputs import Inputs, SourceFile, parse_file
from .keys import body_key, generator_fingerprint, output_key
from .records import CacheUnreadable, pack_body, source_of
from .search_step import (
    SearchPlan,
    plan_search_after_edits,
    search_warnings,
    shard_rows,
    write_patched_index,
)
from .state import LastBuild, Setup
from .writer import MANIFEST, Staging, write_file

if TYPE_CHECKING:
    from .search_step import SearchFiles

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
    def from_json(cls, text: str) -> Context:
        newer, older, related, year_name, year_path = json.loads(text)
        return cls(newer, older, tuple(related), str(year_name), str(year_path))


@dataclass(frozen=True)
class EditedReport:
    source: SourceFile
    report: Report  # as parsed now, with its body
    record: str
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class Delta:
    """The outputs a body edit changes, made and ready to be written."""

    files: dict[str, bytes]  # output path -> bytes
    keys: dict[str, str]  # output path -> cache key
    new_bodies: dict[str, tuple[bytes, str]]
    new_lines: dict[str, str]  # source path -> its new reports.json line
    edited: tuple[EditedReport, ...]
    search: SearchPlan | None


def plan(setup: Setup, inputs: Inputs, frame: str) -> Delta | None:
    """The edited reports' pages and reports.json, made; None when this path cannot be
    taken (any other change, any problem, a damaged cache or output), and the full
    pipeline must run (and say why, if something is wrong)."""
    try:
        edited = edited_reports(setup, inputs, frame)
        return None if edited is None else make_delta(setup, edited)
    except (CacheUnreadable, KeyError, TypeError, ValueError):
        return None


def edited_reports(setup: Setup, inputs: Inputs, frame: str
                   ) -> tuple[EditedReport, ...] | None:
    """The reports whose bodies alone changed since the last build, parsed; None when
    this path cannot be taken (any other change, any problem, a damaged output)."""
    cache = setup.cache
    stored = cache.last_build.body_edits
    if stored is None or stored.frame != frame:
        return None
    if any(not p.warning for p in inputs.problems) or MANIFEST not in setup.present:
        return None
    # Every file the last build wrote must be as it left it, reports.json the one whose
    # lines the cache holds.
    if not cache.outputs or not all_still_there(cache.outputs, setup.present):
        return None
    json_output = cache.outputs.get(stored.reports_json_path)
    if json_output is None or json_output.key != stored.reports_json_key:
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
        if report is None or record is None or any(not p.warning for p in problems):
            return None
        if _without_body(record) != _without_body(old_records[source.key]):
            return None
        assert isinstance(report, Report)
        edited.append(EditedReport(source, report, record, tuple(problems)))
    return tuple(edited)


def _without_body(record: str) -> dict:
    fields = json.loads(record)
    for name in _BODY_FIELDS:
        fields.pop(name, None)
    return fields


def make_delta(setup: Setup, edited: tuple[EditedReport, ...]) -> Delta | None:
    """Render the edited reports' pages and reports.json; None if the stored context is
    missing or a page cannot be rendered. Keys are those the full pipeline gives."""
    from ..pages.downloads import reports_csv_of_lines
    from ..pages.feeds import report_line, reports_json_of_lines
    from ..pages.markup import render_markdown
    from ..pages.plan import report_plan
    from ..pages.render import Renderer, TemplateProblem
    from ..pages.site import ReportCard, ReportEntry, related_links_of

    cache, config, site_root = setup.cache, setup.config, setup.site_root
    stored = cache.last_build.body_edits
    assert stored is not None
    shown = [e for e in edited if setup.options.drafts or not e.report.draft]
    contexts = {path: Context.from_json(text) for path, text in
                cache.report_contexts({e.source.key for e in shown}).items()}
    if len(contexts) != len(shown):
        return None
    neighbours = {key for c in contexts.values()
                  for key in (c.newer, c.older, *c.related) if key is not None}
    records = cache.records(neighbours)
    if len(records) != len(neighbours):
        return None
    neighbour_reports = [source_of(record, site_root / key, "")[0] for key, record in
                         records.items()]
    if not all(isinstance(report, Report) for report in neighbour_reports):
        return None
    cards = {key: ReportCard.of(report) for key, report in
             zip(records, neighbour_reports, strict=True) if isinstance(report, Report)}
    links = tuple(load_links(site_root / LINKS_FILE, []))
    # The templates are as the last build read them (the frame says so), and so is the
    # digest of report.html and all it pulls in.
    renderer = Renderer(site_root / "templates", config, stored.navigation)
    files, keys, new_bodies, new_lines, docs = {}, {}, {}, {}, {}
    for e in shown:
        context = contexts[e.source.key]
        report = dataclasses.replace(e.report, body=None)
        entry = ReportEntry(report, ReportCard.of(report), related_links_of(report, links, config),
                            newer=cards[context.newer] if context.newer else None,
                            older=cards[context.older] if context.older else None,
                            related=tuple(cards[key] for key in context.related),
                            year_name=context.year_name,
                            year_path=PurePosixPath(context.year_path))
        page = report_plan(entry, stored.has_world_ip_day)
        if e.report.body is None or e.report.refs:  # parse_file keeps the body; links to
            return None  # other files resolve against the whole site
        try:
            body = render_markdown(e.report.body, allow_raw_html=config.allow_raw_html)
            path = str(page.out_path)
            files[path] = renderer.render(page, body)
            if config.search:
                from ..search.index import doc_of

                docs[path] = doc_of(page, body.html)
        except TemplateProblem:
            return None
        keys[path] = output_key(setup.build_key, stored.report_template, page.inputs)
        new_bodies[body_key(report, config)] = pack_body(body)
        new_lines[e.source.key] = report_line(config, report)
    lines = [new_lines.get(path, line) for path, line in cache.report_lines()]
    json_path = stored.reports_json_path
    files[json_path] = reports_json_of_lines(config, lines)
    if str(urls.REPORTS_CSV) in cache.outputs:  # the same lines, as CSV
        files[str(urls.REPORTS_CSV)] = reports_csv_of_lines(lines)
    # Not the key the full pipeline would give (that needs every report): a key of its
    # own, so the next full build writes reports.json (and .csv) again rather than trust it.
    for path in (json_path, str(urls.REPORTS_CSV)):
        if path in files:
            keys[path] = "lines:" + hashlib.blake2b(files[path], digest_size=16).hexdigest()
    search = plan_search_after_edits(cache, setup.out_dir, keys, docs) \
        if config.search else None
    if config.search and search is None:
        return None
    return Delta(files, keys, new_bodies, new_lines, edited, search)


def write(setup: Setup, delta: Delta
          ) -> tuple[dict[str, Output], SearchFiles | None, int]:
    """The new site: the last build's files, the delta's in place of theirs, and the
    search bundles of the edited pages indexed again; swapped in whole, as every build
    is. Returns every output's record for the cache, the search files (or None) and how
    many files were written."""
    cache = setup.cache
    search = delta.search
    # The index files the edits patch are written anew; the others are carried over
    # with the rest of the site, their cache rows as they were (see INDEX_FILE).
    retired = {str(path) for path in search.patched} \
        if search is not None and search.patched is not None else set()
    outputs = {path: output for path, output in cache.outputs.items() if path not in retired}
    staging = Staging(setup.out_dir, setup.inodes)
    try:
        staging.carry_over(sorted(path for path in outputs if path not in delta.files))
        for path, data in sorted(delta.files.items()):
            outputs[path] = Output(delta.keys[path],
                                   *write_file(staging.root, PurePosixPath(path), data))
        indexed: SearchFiles | None = None
        written = len(delta.files)
        if search is not None:  # the shards the edits touch, patched
            found, indexed, searched = write_patched_index(staging, search, cache)
            outputs.update(found)
            written += searched
        staging.commit(list(outputs))
    except BaseException:
        staging.discard()
        raise
    return outputs, indexed, written


def summary(setup: Setup, inputs_key: str, delta: Delta, indexed: SearchFiles | None
            ) -> LastBuild:
    """The last build's summary, brought up to date: the edited reports' warnings and
    the search index's replace theirs."""
    last = setup.cache.last_build
    assert last.body_edits is not None
    edited_paths = {str(e.source.path) for e in delta.edited}
    found = [p for e in delta.edited for p in e.warnings if p.warning]
    searched = [] if indexed is None else search_warnings(setup.site_root, indexed)
    stale = set(last.search_warnings) if indexed is not None else set()
    kept = [w for w in last.warnings if str(w.path) not in edited_paths
            and not (w.message in stale and str(w.path).endswith(setup.settings_path.name))]
    json_key = delta.keys[last.body_edits.reports_json_path]
    return dataclasses.replace(
        last, inputs=inputs_key,
        warnings=tuple(sorted(kept + [warning(p.path, p.line, p.message)
                                      for p in found + searched],
                              key=lambda p: (str(p.path), p.line, p.message))),
        search_warnings=last.search_warnings if indexed is None else tuple(
            p.message for p in searched),
        body_edits=dataclasses.replace(last.body_edits, reports_json_key=json_key))


def save(setup: Setup, inputs: Inputs, delta: Delta, outputs: dict[str, Output],
         indexed: SearchFiles | None, last: LastBuild) -> list[Problem]:
    """Record the build in the cache: the edited reports' records, bodies and lines, the
    outputs, and the index of the bundles made again."""
    cache = setup.cache
    cache.save_sources({f.key: f.state for f in inputs.files},
                       {e.source.key: e.record for e in delta.edited})
    cache.add_bodies(delta.new_bodies)
    cache.save_outputs(outputs)
    cache.update_report_lines(delta.new_lines)
    if delta.search is not None and indexed is not None:
        cache.save_shards(shard_rows(delta.search, indexed))
    return cache.commit(generator_fingerprint(), setup.build_key, last, inputs.read_at_ns)
