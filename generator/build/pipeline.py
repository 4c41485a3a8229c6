"""The build, start to end: load → validate → model → plan → render → write.

A rebuild does only the work its changes require: sources whose bytes are unchanged are
not parsed again, Markdown is rendered once per distinct body, and a page is rendered only
when the digest of what it shows, of its templates or of the settings has changed. Every
other file is carried over from the previous output, and the new site is swapped in whole.
"""
from __future__ import annotations

import dataclasses
import gc
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable

from .cache import BuildCache, CacheUnreadable, Output, pack_body
from ..source.settings import CONFIG_NAME, SiteConfig, load_config
from ..source.content import body_text
from ..errors import Problem, SiteError, error, raise_if_errors, warning
from .keys import body_key, build_key_of, digest, generator_fingerprint, output_key
from .inputs import parse_sources, read_inputs
from ..source.validate import published, validate_content
from .workers import default_jobs, map_in_order
from .. import urls
from .writer import (MANIFEST, Staging, clear_abandoned, inspect_output, unchanged_files,
                     write_failure, write_file)

if TYPE_CHECKING:
    from ..pages.plan import PagePlan
    from ..pages.render import Renderer
    from ..search.pagefind import SearchFiles

# (done so far, to do, what: "sources" parsed or "pages" rendered)
Progress = Callable[[int, int, str], None]

UNRENDERABLE = ("the Markdown body nests too deeply to be rendered — flatten its nested lists, "
                "quotes or HTML blocks")
NO_BASE_URL = ("base_url is not set, so the Atom feed, the sitemap, canonical and Open Graph "
               "URLs and the permanent URL in citations are left out — set `base_url: "
               "https://…/` to the address the site is published at")


@dataclass(frozen=True)
class BuildResult:
    pages: int  # pages in the site
    files: int  # files in the site, static ones included
    written: int  # files written by this build
    reused: int  # files carried over unchanged from the previous build
    seconds: float
    warnings: tuple[Problem, ...]
    out_dir: Path


def build(site_root: Path, out_dir: Path | None = None, *, drafts: bool = False,
          jobs: int | None = None, use_cache: bool = True,
          on_progress: Progress | None = None, search: bool = True) -> BuildResult:
    """Build the site at `site_root` into `out_dir` (default: public/ under the site root).

    `search=False` leaves the search index out, as `search: false` in site.yaml does.
    Raises SiteError with every problem found; the previous output is then untouched.
    """
    # Reading, parsing and modelling make a few objects per report and no reference
    # cycles, so the collector is off until rendering, whose Jinja contexts and macros do
    # make cycles. Its passes over the growing model took 1.9 s of a build of 100,000
    # reports, thirty times as long as at 10,000. While rendering it runs at a slow pace.
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(50_000, 20, 100)
    gc.disable()
    try:
        return _build(site_root, out_dir, drafts, jobs, use_cache, on_progress, search)
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if enabled else gc.disable)()


def _build(site_root: Path, out_dir: Path | None, drafts: bool, jobs: int | None,
           use_cache: bool, on_progress: Progress | None, search: bool) -> BuildResult:
    started = time.perf_counter()
    out_dir = out_dir if out_dir is not None else site_root / "public"
    jobs = jobs or default_jobs()

    config, problems = load_config(site_root)
    if not search:  # --no-search: as `search: false`, so every page says the same
        config = dataclasses.replace(config, search=False)
    if config.base_url is None:
        problems.append(warning(site_root / CONFIG_NAME, 0, NO_BASE_URL))
    output_problems, present, inodes = inspect_output(site_root, out_dir)
    problems += output_problems
    if not _has_errors(output_problems):
        try:
            clear_abandoned(out_dir)  # what a killed build left beside the output
        except OSError as exc:
            problems.append(write_failure(out_dir, exc))
    build_key = build_key_of(config, out_dir)
    cache, cache_problems = (BuildCache.open(site_root, generator_fingerprint(), build_key)
                             if use_cache else (BuildCache.disabled(), []))
    problems += cache_problems
    try:
        inputs = read_inputs(site_root, cache.file_states(), cache.read_at_ns)
        problems += inputs.problems
        read_at_ns = inputs.read_at_ns
        inputs_key = digest(inputs.digest, f"drafts={drafts}", f"search={config.search}")
        if _nothing_changed(cache, inputs_key, present) and not _has_errors(problems):
            warnings = [Problem(Path(path), line, message, warning=True)
                        for path, line, message in cache.last_build["warnings"]]
            return BuildResult(cache.last_build["pages"], len(cache.outputs), 0,
                               len(cache.outputs), time.perf_counter() - started,
                               tuple(sorted(p for p in problems + warnings if p.warning)),
                               out_dir)
        frame = digest(inputs.frame, f"drafts={drafts}", f"search={config.search}")
        if not _has_errors(problems):
            result = _build_body_edits(site_root, out_dir, config, drafts, inputs, cache,
                                       present, inodes, frame, build_key, problems, started)
            if result is not None:
                return result
        on_parsed = (lambda done, total: on_progress(done, total, "sources")) \
            if on_progress else None
        try:
            content, found, states, records = parse_sources(site_root, inputs, cache, jobs,
                                                            on_parsed)
        except CacheUnreadable as exc:
            problems.append(Problem(cache.path, 0, f"the build cache cannot be used ({exc}); "
                                                   "building everything anew", warning=True))
            cache.close()
            cache = BuildCache.fresh(site_root)
            content, found, states, records = parse_sources(site_root, inputs, cache, jobs,
                                                            on_parsed)
        if not _has_errors(problems + found):
            cache.stage_sources(states, records)
            states, records = None, None
        # Let the files' bytes go (35 MB per 10,000 reports); keep what the rest needs.
        static, static_digests, inputs = inputs.static, inputs.static_digests, None
        content = published(content, drafts)
        found += validate_content(content)
        problems += found
        raise_if_errors(problems)

        # Jinja, Markdown and Pagefind are loaded only now: a rebuild that changes nothing
        # never needs them, and loading them is a third of its time.
        from ..pages.feeds import reports_json_of_lines
        from ..pages.plan import navigation, plan_pages
        from ..pages.render import Renderer
        from ..search.pagefind import SearchFailed, search_problem
        from ..pages.site import build_site

        site = build_site(config, content)
        plans = plan_pages(site)
        renderer = Renderer(site_root / "templates", config, navigation(site))
        problems += _check_static(static, plans)
        raise_if_errors(problems)
        templates = _template_digests(plans, renderer)
        wanted = _output_keys(plans, static_digests, templates, build_key)
        search_step = _plan_search(config, plans, wanted, cache, present)
        if search_step is not None and search_step.reuse:
            wanted.update(search_step.reuse)

        reusable = {path for path, key in wanted.items()
                    if _still_there(cache.outputs.get(path), key, present.get(path))}
        to_render = [plan for plan in plans if str(plan.out_path) not in reusable]
        to_copy = sorted(path for path in static if str(path) not in reusable)
        to_index = search_step is not None and search_step.needed
        unchanged = (not to_render and not to_copy and not to_index
                     and wanted.keys() == cache.outputs.keys()
                     and (out_dir / MANIFEST).is_file())
        outputs = dict(cache.outputs)
        new_bodies: dict[str, tuple[bytes, str]] = {}
        search_written, indexed = 0, None
        search_warnings = [] if search_step is None else [
            warning(site_root / CONFIG_NAME, 0, message)
            for message in cache.last_build.get("search_warnings", [])]
        # reports.json is made here from one line per report, and the lines are kept with
        # each report page's context: what a rebuild after body edits needs (delta.py).
        report_pages = None
        prerendered: dict[str, bytes] = {}
        json_path = str(urls.REPORTS_JSON)
        if any(str(plan.out_path) == json_path for plan in to_render):
            report_pages = _report_pages(site_root, config, site, cache)
            prerendered[json_path] = reports_json_of_lines(
                config, [line for _, _, _, line in report_pages])
        if not unchanged:
            try:
                outputs, new_bodies, indexed, search_written = _write(
                    out_dir, plans, to_render, to_copy, static, reusable, wanted, renderer,
                    cache, config, jobs, on_progress, search_step if to_index else None,
                    prerendered, inodes)
            except SearchFailed as exc:
                raise SiteError([p for p in problems if p.warning]
                                + [search_problem(site_root / CONFIG_NAME, exc)]) from None
            except OSError as exc:  # a full disk, a read-only folder: the old site stays
                raise SiteError([p for p in problems if p.warning]
                                + [write_failure(out_dir, exc)]) from None
            if indexed is not None:
                search_warnings = _search_warnings(site_root, indexed)

        problems += search_warnings
        last_build = {"inputs": inputs_key, "pages": _html_pages(plans),
                      "warnings": [[str(p.path), p.line, p.message] for p in
                                   found + search_warnings if p.warning],
                      "search_warnings": [p.message for p in search_warnings]}
        if json_path in outputs and (report_pages is not None or "delta" in cache.last_build):
            last_build["delta"] = {"frame": frame, "reports_json_path": json_path,
                                   "reports_json_key": outputs[json_path].key,
                                   "has_world_ip_day": bool(site.world_ip_day),
                                   "report_template": templates.get("report.html", ""),
                                   "navigation": [[str(path), section, label] for
                                                  path, section, label in navigation(site)]}
        live_bodies = {body_key(p.body_of, config) for p in plans if p.body_of}
        shards = None if search_step is None else [
            (shard, indexed.indexes[shard.name].to_json()
             if indexed is not None and shard.name in indexed.indexes else None)
            for shard in search_step.shards]
        problems += cache.save(generator_fingerprint(), build_key, last_build, read_at_ns,
                               states, records, new_bodies, live_bodies, outputs,
                               report_pages=report_pages, shards=shards)
    finally:
        cache.close()
    written = 0 if unchanged else len(to_render) + len(to_copy) + search_written
    return BuildResult(_html_pages(plans), len(wanted), written, len(wanted) - written,
                       time.perf_counter() - started,
                       tuple(sorted(p for p in problems if p.warning)), out_dir)


def _report_pages(site_root: Path, config: SiteConfig, site, cache: BuildCache
                  ) -> list[tuple[str, int, str, str]]:
    """(source path, position, context, reports.json line) of every report page."""
    from .body_edits import Context
    from ..pages.feeds import report_line

    key_of = {entry.card.slug: entry.report.src_path.relative_to(site_root).as_posix()
              for entry in site.reports}
    known = _known_lines(cache)

    def key(card) -> str | None:
        return None if card is None else key_of[card.slug]

    def line(source_key: str, report) -> str:
        # A line depends on the report's file and the settings alone: one the last build
        # with these settings made from this very file is kept (10% of a rebuild after a
        # title edit was making 10,000 lines again).
        stored = known.get(source_key)
        row = cache.sources.get(source_key) if stored is not None else None
        if row is not None and row.digest == report.digest:
            return stored
        return report_line(config, report)

    return [(key_of[entry.card.slug], position,
             Context(key(entry.newer), key(entry.older),
                     tuple(key(card) for card in entry.related), entry.year_name,
                     str(entry.year_path)).to_json(),
             line(key_of[entry.card.slug], entry.report))
            for position, entry in enumerate(site.reports)]


def _known_lines(cache: BuildCache) -> dict[str, str]:
    """The reports.json lines the last build stored, by source path; none if it was built
    with other settings or to another place (its lines may hold other URLs)."""
    if not cache.last_build:
        return {}
    try:
        return dict(cache.report_lines())
    except CacheUnreadable:
        return {}


def _build_body_edits(site_root, out_dir, config, drafts, inputs, cache, present, inodes,
                      frame, build_key, problems, started) -> BuildResult | None:
    """The build when only report bodies changed (see delta.py); None when it cannot be."""
    from . import body_edits as delta
    from ..pages.render import Renderer

    try:
        edited = delta.edited_reports(inputs, cache, config, present, frame)
        if edited is None:
            return None
        nav = tuple((PurePosixPath(path), section, label) for path, section, label
                    in cache.last_build["delta"]["navigation"])
        renderer = Renderer(site_root / "templates", config, nav)
        made = delta.make_delta(site_root, config, edited, cache, build_key, drafts, renderer,
                                output_key, lambda report: body_key(report, config))
    except (CacheUnreadable, KeyError, TypeError, ValueError):
        return None  # the full pipeline sets a damaged cache aside and says so
    if made is None:
        return None
    from ..search.pagefind import SearchFailed, search_problem

    try:
        outputs, indexed, written = delta.write_delta(out_dir, made, cache, inodes,
                                                      config.language)
    except SearchFailed as exc:
        raise SiteError([p for p in problems if p.warning]
                        + [search_problem(site_root / CONFIG_NAME, exc)]) from None
    except OSError as exc:
        raise SiteError([p for p in problems if p.warning]
                        + [write_failure(out_dir, exc)]) from None
    edited_paths = {str(e.source.path) for e in edited}
    found = [p for e in edited for p in e.warnings if p.warning]
    last_build = dict(cache.last_build, inputs=digest(
        inputs.digest, f"drafts={drafts}", f"search={config.search}"))
    searched = [] if indexed is None else _search_warnings(site_root, indexed)
    stale = set(cache.last_build.get("search_warnings", [])) if indexed is not None else set()
    last_build["warnings"] = sorted(
        [w for w in cache.last_build["warnings"]
         if w[0] not in edited_paths and not (w[2] in stale and w[0].endswith(CONFIG_NAME))]
        + [[str(p.path), p.line, p.message] for p in found + searched])
    if indexed is not None:
        last_build["search_warnings"] = [p.message for p in searched]
    last_build["delta"] = dict(last_build["delta"], reports_json_key=made.keys[
        last_build["delta"]["reports_json_path"]])
    problems = problems + [Problem(Path(path), line, message, warning=True)
                           for path, line, message in last_build["warnings"]]
    problems += cache.save(generator_fingerprint(), build_key, last_build, inputs.read_at_ns,
                           {f.key: f.state for f in inputs.files},
                           {e.source.key: e.record for e in edited}, made.new_bodies, None,
                           outputs, new_lines=made.new_lines, shards=None if indexed is None
                           else [(shard, indexed.indexes[shard.name].to_json()
                                  if shard.name in indexed.indexes else None)
                                 for shard in made.search.shards])
    return BuildResult(last_build["pages"], len(outputs), written,
                       len(outputs) - written, time.perf_counter() - started,
                       tuple(sorted(p for p in problems if p.warning)), out_dir)


def _nothing_changed(cache: BuildCache, inputs_key: str,
                     present: dict[str, tuple[int, int]]) -> bool:
    """Whether the last build read exactly these inputs and its output is as it left it."""
    return (cache.last_build.get("inputs") == inputs_key and bool(cache.outputs)
            and MANIFEST in present
            and all(present.get(path) == (output.size, output.mtime_ns)
                    for path, output in cache.outputs.items()))


def _html_pages(plans: tuple[PagePlan, ...]) -> int:
    """Pages a reader sees; the feed, sitemap and other data files are files, not pages."""
    return sum(1 for plan in plans if plan.out_path.suffix == ".html")


def _has_errors(problems: list[Problem]) -> bool:
    return any(not p.warning for p in problems)


def _write(out_dir, plans, to_render, to_copy, static, reusable, wanted, renderer, cache,
           config, jobs, on_progress, search_step: "_SearchStep | None",
           prerendered: dict[str, bytes], inodes: dict[str, int]
           ) -> tuple[dict[str, Output], dict[str, tuple[bytes, str]], SearchFiles | None, int]:
    """Fill a staging directory with the reused and the new files, index the pages for
    search if they changed (adding the search files to `wanted`), then swap it in.
    Returns the outputs, the newly rendered bodies, the search files and how many of them
    were written (the rest were the same as the last build's)."""
    from ..pages.markup import render_markdown
    from ..pages.render import TemplateProblem, merge_template_problems
    from ..search.pagefind import build_search_files, file_keys

    gc.enable()  # rendering makes reference cycles (see build)
    body_keys = {str(p.out_path): body_key(p.body_of, config) for p in to_render if p.body_of}
    known_bodies = cache.bodies(set(body_keys.values()))
    staging = Staging(out_dir, inodes)
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if on_progress:
            on_progress(done, len(to_render), "pages")

    def render(plan: PagePlan):
        if str(plan.out_path) in prerendered:
            return write_file(staging.root, plan.out_path, prerendered[str(plan.out_path)]), \
                None, None
        body = None
        new_body = None
        if plan.body_of is not None:
            key = body_keys[str(plan.out_path)]
            body = known_bodies.get(key)
            if body is None:
                try:
                    body = render_markdown(body_text(plan.body_of),
                                           allow_raw_html=config.allow_raw_html)
                except RecursionError:  # nesting the body limits in content.py let through
                    return None, None, error(plan.body_of.src_path, 0, UNRENDERABLE)
                new_body = pack_body(body)
        try:
            data = renderer.render(plan, body)
        except TemplateProblem as problem:
            return None, None, problem.problem
        return write_file(staging.root, plan.out_path, data), new_body, None

    outputs = {path: cache.outputs[path] for path in reusable}
    failed: list[Problem] = []
    new_bodies: dict[str, tuple[bytes, str]] = {}

    def rendered(start: int, chunk: list) -> None:
        # New bodies go to the cache as they come rather than wait, all of them, in memory.
        for plan, (state, new_body, problem) in zip(to_render[start:start + len(chunk)],
                                                    chunk):
            if problem:
                failed.append(problem)
                continue
            outputs[str(plan.out_path)] = Output(wanted[str(plan.out_path)], *state)
            if new_body is not None:
                new_bodies[body_keys[str(plan.out_path)]] = new_body
        if len(new_bodies) >= 256:
            cache.add_bodies(new_bodies)
            new_bodies.clear()

    try:
        staging.carry_over(sorted(reusable))
        if on_progress and to_render:
            on_progress(0, len(to_render), "pages")
        map_in_order(render, to_render, jobs, progress, on_results=rendered)
        if failed:
            bodies = [p for p in failed if p.message == UNRENDERABLE]
            raise SiteError(bodies + merge_template_problems(
                [p for p in failed if p.message != UNRENDERABLE]))
        for out_path in to_copy:
            state = write_file(staging.root, out_path, static[out_path].read_bytes())
            outputs[str(out_path)] = Output(wanted[str(out_path)], *state)
        indexed, search_written = None, 0
        if search_step is not None:
            # Pagefind reads the finished pages from the staging folder, a shard a request.
            indexed = build_search_files(staging.root, list(search_step.shards),
                                         set(search_step.to_index), search_step.known,
                                         config.language)
            same = unchanged_files(out_dir, indexed.files, cache.outputs)
            staging.carry_over(sorted(same))  # most fragments outlive a one-report change
            search_written = len(indexed.files) - len(same)
            keys = file_keys(indexed.files, search_step.shards, search_step.key)
            for out_path, data in indexed.files.items():
                path = str(out_path)
                key = keys[path]
                state = (cache.outputs[path].size, cache.outputs[path].mtime_ns) \
                    if path in same else write_file(staging.root, out_path, data)
                outputs[path] = Output(key, *state)
                wanted[path] = key
        staging.commit(list(wanted))
    except BaseException:
        staging.discard()
        raise
    return outputs, new_bodies, indexed, search_written


@dataclass(frozen=True)
class _SearchStep:
    shards: tuple  # search.Shard: the pages' Pagefind bundles, each keyed by its pages
    key: str  # of the files all shards share (words, offline index, list of bundles)
    reuse: dict[str, str]  # the last build's search files still good: {path: key}
    to_index: frozenset[str]  # the shards whose pages changed, by name
    known: dict  # search.ShardIndex of the others, by name, from the cache
    needed: bool  # whether anything must be indexed or written


def _plan_search(config: SiteConfig, plans, wanted: dict[str, str], cache: BuildCache,
                 present: dict[str, tuple[int, int]]) -> _SearchStep | None:
    """What to index, and what of the last build's index can be kept. Pagefind has no
    incremental mode, so a large archive is indexed a year a bundle (search.Shard) and a
    change re-indexes only the bundles of the pages it changed."""
    if not config.search:
        return None
    from ..search import pagefind as search_module  # `search` is build()'s switch

    pages = [(plan.out_path, _shard_group(plan)) for plan in plans if plan.body_of is not None]
    shards = tuple(search_module.Shard(name, group, search_module.shard_key(
        name, [(path, wanted[str(path)]) for path in members]), members)
        for name, group, members in search_module.shard_pages(pages))
    key = search_module.shared_key(shards)
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
        entry = f"{shard.bundle}/pagefind-entry.json"
        if shard.name in known and entry in kept:
            reuse.update(kept)
        else:
            to_index.add(shard.name)
    shared = _intact(cache, by_key.get(key, []), present)
    if str(search_module.SHARDS) in shared:
        reuse.update(shared)
    needed = bool(to_index) or str(search_module.SHARDS) not in shared
    return _SearchStep(shards, key, reuse, frozenset(to_index), known, needed)


def _shard_group(plan: PagePlan) -> str:
    """The shard a page is indexed in: its year's, for a report; the pages' otherwise."""
    from ..search.pagefind import PAGES_SHARD

    year = dict(plan.values).get("year")
    return PAGES_SHARD if year is None else PurePosixPath(year[1]).stem


def _intact(cache: BuildCache, paths: list[str], present: dict[str, tuple[int, int]]
            ) -> dict[str, str]:
    """The last build's files of one key, {path: key}, if every one is as it left it."""
    outputs = cache.outputs
    if all(present.get(path) == (outputs[path].size, outputs[path].mtime_ns)
           for path in paths):
        return {path: outputs[path].key for path in paths}
    return {}


def _search_warnings(site_root: Path, indexed: SearchFiles) -> list[Problem]:
    from ..search import pagefind as search_module

    if indexed.fallback_shipped:
        return []
    limit = search_module.FALLBACK_LIMIT
    return [warning(site_root / CONFIG_NAME, 0, (
        f"the offline search index would be {indexed.fallback_bytes / 1e6:.1f} MB, over the "
        f"{limit / 1e6:g} MB limit, so it is left out: search works when the site is served "
        "over HTTP, not when it is opened from disk (the search page says so)"))]


def _template_digests(plans, renderer: Renderer) -> dict[str, str]:
    from ..pages.render import TemplateProblem

    try:
        return renderer.template_digests({plan.template for plan in plans})
    except TemplateProblem as problem:
        raise SiteError([problem.problem]) from None


def _output_keys(plans, static_digests: dict[PurePosixPath, str], templates: dict[str, str],
                 build_key: str) -> dict[str, str]:
    """For every output file, a digest of everything it is made from."""
    keys = {str(plan.out_path): output_key(build_key, templates[plan.template], plan.inputs)
            for plan in plans}
    for out_path, file_digest in static_digests.items():
        keys[str(out_path)] = digest("static", file_digest)
    return keys


def _still_there(output: Output | None, key: str, state: tuple[int, int] | None) -> bool:
    """Whether the previous build wrote this file from the same inputs, untouched since
    (`state`: its size and mtime in the output now, None if it is not there)."""
    return output is not None and output.key == key and \
        state == (output.size, output.mtime_ns)


def _check_static(static: dict[PurePosixPath, Path], plans) -> list[Problem]:
    pages = {plan.out_path for plan in plans}
    return [error(src, 0, f"static file {out} would overwrite a generated page — rename it")
            for out, src in sorted(static.items()) if out in pages]
