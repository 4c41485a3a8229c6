"""The build, start to end: load → validate → model → plan → render → write.

A rebuild does only the work its changes require: sources whose bytes are unchanged are
not parsed again, Markdown is rendered once per distinct body, and a page is rendered only
when the digest of what it shows, of its templates or of the settings has changed. Every
other file is carried over from the previous output, and the new site is swapped in whole.
`_build` is the table of contents; each step below it is one job.
"""
from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .. import urls
from ..errors import Problem, SiteError, error, raise_if_errors, warning
from ..source.content import Content, body_text
from ..source.settings import CONFIG_NAME, load_config
from ..source.validate import published, validate_content
from . import body_edits
from .cache import BuildCache, Output, all_still_there, still_there
from .inputs import Inputs, parse_sources, read_inputs
from .keys import body_key, build_key_of, digest, generator_fingerprint, output_key
from .lock import hold_output_lock
from .records import CacheUnreadable, pack_body
from .search_step import IndexWriter, SearchPlan, plan_search, search_warnings, shard_rows
from .state import BodyEditFrame, BuildOptions, BuildResult, LastBuild, NavEntry, Setup
from .workers import map_in_order
from .writer import (
    MANIFEST,
    Staging,
    clear_abandoned,
    inspect_output,
    misplaced_output,
    write_failure,
    write_file,
)

if TYPE_CHECKING:
    from ..pages.plan import PagePlan
    from ..pages.render import Renderer
    from ..pages.site import Site
    from .search_step import SearchFiles

__all__ = ["NO_BASE_URL", "NO_CONTACT_EMAIL", "BuildOptions", "BuildResult", "build"]

NO_BASE_URL = ("base_url is not set, so the Atom feed, the sitemap, the OAI-PMH static "
               "repository, canonical and Open Graph URLs and the permanent URL in citations "
               "are left out — set `base_url: https://…/` to the address the site is "
               "published at")
NO_CONTACT_EMAIL = ("contact_email is not set, so the OAI-PMH static repository (oai.xml) is "
                    "left out — set `contact_email: …` to an address harvesters may write to")


def build(site_root: Path, out_dir: Path | None = None,
          options: BuildOptions | None = None) -> BuildResult:
    """Build the site at `site_root` into `out_dir` (default: public/ under the site root).

    Raises SiteError with every problem found; the previous output is then untouched.
    A second build into the same output waits for the first (see lock.py).
    """
    out_dir = out_dir if out_dir is not None else site_root / "public"
    options = options or BuildOptions()
    # A place the site may not be written gets no lock file either; _set_up says why.
    lock = nullcontext() if misplaced_output(site_root, out_dir) else \
        hold_output_lock(out_dir, options.on_wait)
    with _collector_paused(), lock:
        return _build(site_root, out_dir, options)


def _build(site_root: Path, out_dir: Path, options: BuildOptions) -> BuildResult:
    problems: list[Problem] = []
    setup = _set_up(site_root, out_dir, options, problems)  # settings, output, cache
    try:
        inputs = _read_inputs(setup, problems)  # every input, digested
        keys = _input_keys(setup, inputs)
        if _nothing_changed(setup, keys, problems):
            last = setup.cache.last_build
            return _result(setup, last.pages, setup.cache.outputs, 0,
                           problems + list(last.warnings))
        edits = None if _has_errors(problems) else body_edits.plan(setup, inputs, keys.frame)
        if edits is not None:  # only report bodies changed: the short path
            return _build_body_edits(setup, inputs, keys, edits, problems)
        content, source_warnings = _parse(setup, inputs, problems)  # raises on errors
        model = _model(setup, content, inputs, problems)  # the site and its page plans
        plan = _plan_outputs(setup, model, inputs)  # what each file is made of, what stays
        written = _write(setup, model, plan, inputs, problems)
        last = _summary(setup, keys, model, plan, written, source_warnings)
        problems += written.search_warnings
        problems += _save(setup, inputs.read_at_ns, model, plan, written, last)
        return _result(setup, last.pages, written.outputs, written.count, problems)
    finally:
        setup.cache.close()


@dataclass(frozen=True)
class InputKeys:
    inputs: str  # digest of every input, with the switches that change the output
    frame: str  # the same but for the reports' bytes (see body_edits.py)


@dataclass(frozen=True)
class Model:
    """The site as pages: what the templates are given, and the templates' digests."""

    site: Site
    plans: tuple[PagePlan, ...]
    navigation: tuple[NavEntry, ...]
    renderer: Renderer
    templates: dict[str, str]  # template name -> digest of it and all it pulls in


@dataclass(frozen=True)
class OutputPlan:
    """Every output file's key, and which of them this build must make."""

    wanted: dict[str, str]  # output path -> key
    reusable: frozenset[str]  # the last build's files still good, carried over
    to_render: tuple[PagePlan, ...]
    to_copy: tuple[PurePosixPath, ...]  # static files
    search: SearchPlan | None  # None: no search index
    unchanged: bool  # the output is exactly what this build would write
    report_pages: tuple[tuple[str, int, str, str], ...] | None  # for the cache (see below)
    prerendered: dict[str, bytes]  # reports.json and .csv, made from the report pages' lines


@dataclass(frozen=True)
class Written:
    outputs: dict[str, Output]  # every file of the new site
    count: int  # how many of them this build wrote
    indexed: SearchFiles | None  # the search files, if the index was made again
    search_warnings: tuple[Problem, ...]  # this build's if it made the index, else the last's


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading, parsing and modelling make a few objects per report and no reference
    cycles, so the collector is off until rendering (see _render_pages), whose Jinja
    contexts and macros do. Its passes over the growing model took 1.9 s of a build of
    100,000 reports, thirty times as long as at 10,000."""
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(50_000, 20, 100)  # while rendering, it runs at a slow pace
    gc.disable()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        (gc.enable if enabled else gc.disable)()


def _set_up(site_root: Path, out_dir: Path, options: BuildOptions,
            problems: list[Problem]) -> Setup:
    """The settings, the output folder as it is, and the cache."""
    started = time.perf_counter()
    config, found = load_config(site_root)
    problems += found
    if not options.search:  # --no-search: as `search: false`, so every page says the same
        config = dataclasses.replace(config, search=False)
    if config.base_url is None and (site_root / CONFIG_NAME).is_file():  # else said once
        problems.append(warning(site_root / CONFIG_NAME, 0, NO_BASE_URL))
    elif config.base_url is not None and config.contact_email is None:
        problems.append(warning(site_root / CONFIG_NAME, 0, NO_CONTACT_EMAIL))
    found, present, inodes = inspect_output(site_root, out_dir)
    problems += found
    if not _has_errors(found):
        try:
            clear_abandoned(out_dir)  # what a killed build left beside the output
        except OSError as exc:
            problems.append(write_failure(out_dir, exc))
    build_key = build_key_of(config, out_dir)
    cache, found = (BuildCache.open(site_root, generator_fingerprint(), build_key)
                    if options.use_cache else (BuildCache.disabled(), []))
    problems += found
    return Setup(site_root, out_dir, options, config, build_key, present, inodes, cache,
                 started)


def _read_inputs(setup: Setup, problems: list[Problem]) -> Inputs:
    inputs = read_inputs(setup.site_root, setup.cache.file_states(), setup.cache.read_at_ns)
    problems += inputs.problems
    return inputs


def _input_keys(setup: Setup, inputs: Inputs) -> InputKeys:
    switches = (f"drafts={setup.options.drafts}", f"search={setup.config.search}")
    return InputKeys(digest(inputs.digest, *switches), digest(inputs.frame, *switches))


def _nothing_changed(setup: Setup, keys: InputKeys, problems: list[Problem]) -> bool:
    """Whether the last build read exactly these inputs and its output is as it left it."""
    cache = setup.cache
    return (not _has_errors(problems) and cache.last_build.inputs == keys.inputs
            and bool(cache.outputs) and MANIFEST in setup.present
            and all_still_there(cache.outputs, setup.present))


def _build_body_edits(setup: Setup, inputs: Inputs, keys: InputKeys,
                      edits: body_edits.Delta, problems: list[Problem]) -> BuildResult:
    with _writing_site(setup, problems):
        outputs, indexed, count = body_edits.write(setup, edits)
    last = body_edits.summary(setup, keys.inputs, edits, indexed)
    problems = problems + list(last.warnings)
    problems += body_edits.save(setup, inputs, edits, outputs, indexed, last)
    return _result(setup, last.pages, outputs, count, problems)


def _parse(setup: Setup, inputs: Inputs, problems: list[Problem]
           ) -> tuple[Content, list[Problem]]:
    """Every source parsed, or taken from the cache, then published and checked across
    files; raises SiteError with every problem found. Returns the content and the
    problems found in it (warnings, when it returns)."""
    cache, progress = setup.cache, setup.options.on_progress

    def parsed(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total, "sources")

    on_parsed = parsed if progress is not None else None
    try:
        content, found, states, records = parse_sources(setup.site_root, inputs, cache,
                                                        setup.jobs, on_parsed)
    except CacheUnreadable as exc:
        problems.append(Problem(cache.path or setup.site_root, 0,
                                f"the build cache cannot be used ({exc}); building "
                                "everything anew", warning=True))
        cache.start_over(setup.site_root)
        content, found, states, records = parse_sources(setup.site_root, inputs, cache,
                                                        setup.jobs, on_parsed)
    if not _has_errors(problems + found):
        cache.save_sources(states, records)  # now: the records need not be held till the end
    content = published(content, setup.options.drafts)
    found += validate_content(content)
    problems += found
    raise_if_errors(problems)
    return content, found


def _model(setup: Setup, content: Content, inputs: Inputs, problems: list[Problem]) -> Model:
    """The site model, a plan for every page, and the templates that render them."""
    # Jinja, Markdown and the search indexer are loaded only now: a rebuild that changes
    # nothing never needs them, and loading them is a third of its time.
    from ..pages.links import link_site
    from ..pages.plan import navigation, plan_pages
    from ..pages.render import Renderer, TemplateProblem
    from ..pages.site import build_site

    site = link_site(build_site(setup.config, content), setup.site_root, inputs.attachments,
                     problems)
    plans = plan_pages(site)
    nav = navigation(site)
    renderer = Renderer(setup.site_root / "templates", setup.config, nav)
    pages = {plan.out_path for plan in plans}
    problems += [error(src, 0, f"static file {out} would overwrite a generated page — "
                               "rename it")
                 for out, src in sorted(inputs.static.items()) if out in pages]
    raise_if_errors(problems)
    try:
        templates = renderer.template_digests({plan.template for plan in plans})
    except TemplateProblem as problem:
        raise SiteError([problem.problem]) from None
    return Model(site, plans, nav, renderer, templates)


def _plan_outputs(setup: Setup, model: Model, inputs: Inputs) -> OutputPlan:
    """For every output file, a digest of everything it is made from; the files of the
    last build with the same digest, untouched since, are kept."""
    cache = setup.cache
    wanted = {str(plan.out_path): output_key(setup.build_key, model.templates[plan.template],
                                             plan.inputs)
              for plan in model.plans}
    wanted.update((str(out_path), digest("static", file_digest))
                  for out_path, file_digest in inputs.static_digests.items())
    search = plan_search(model.plans, wanted, cache, setup.present) \
        if setup.config.search else None
    if search is not None:
        wanted.update(search.reuse)
    reusable = frozenset(path for path, key in wanted.items()
                         if (old := cache.outputs.get(path)) is not None and old.key == key
                         and still_there(path, old, setup.present))
    to_render = tuple(plan for plan in model.plans if str(plan.out_path) not in reusable)
    to_copy = tuple(sorted(path for path in inputs.static if str(path) not in reusable))
    unchanged = (not to_render and not to_copy and not (search is not None and search.needed)
                 and wanted.keys() == cache.outputs.keys()
                 and (setup.out_dir / MANIFEST).is_file())
    # reports.json is made here from one line per report, and the lines are kept with
    # each report page's context: what a rebuild after body edits needs.
    # reports.csv is made from the same lines, so the two always agree.
    report_pages, prerendered = None, {}
    if any(plan.out_path in (urls.REPORTS_JSON, urls.REPORTS_CSV) for plan in to_render):
        from ..pages.downloads import reports_csv_of_lines
        from ..pages.feeds import reports_json_of_lines

        report_pages = _report_pages(setup, model.site)
        lines = [line for _, _, _, line in report_pages]
        prerendered[str(urls.REPORTS_JSON)] = reports_json_of_lines(setup.config, lines)
        prerendered[str(urls.REPORTS_CSV)] = reports_csv_of_lines(lines)
    return OutputPlan(wanted, reusable, to_render, to_copy, search, unchanged, report_pages,
                      prerendered)


def _report_pages(setup: Setup, site: Site) -> tuple[tuple[str, int, str, str], ...]:
    """(source path, position, context, reports.json line) of every report page."""
    from ..pages.feeds import report_line

    key_of = {entry.card.slug: entry.report.src_path.relative_to(setup.site_root).as_posix()
              for entry in site.reports}
    known = _known_lines(setup.cache)

    def key(card) -> str | None:
        return None if card is None else key_of[card.slug]

    def line(source_key: str, report) -> str:
        # A line depends on the report's file and the settings alone: one the last build
        # with these settings made from this very file is kept (10% of a rebuild after a
        # title edit was making 10,000 lines again).
        stored = known.get(source_key)
        row = setup.cache.sources.get(source_key) if stored is not None else None
        if stored is not None and row is not None and row.digest == report.digest:
            return stored
        return report_line(setup.config, report)

    return tuple((key_of[entry.card.slug], position,
                  body_edits.Context(key(entry.newer), key(entry.older),
                                     tuple(key_of[card.slug] for card in entry.related),
                                     entry.year_name, str(entry.year_path)).to_json(),
                  line(key_of[entry.card.slug], entry.report))
                 for position, entry in enumerate(site.reports))


def _known_lines(cache: BuildCache) -> dict[str, str]:
    """The reports.json lines the last build stored, by source path; none if it was built
    with other settings or to another place (its lines may hold other URLs)."""
    if not cache.last_build.inputs:
        return {}
    try:
        return dict(cache.report_lines())
    except CacheUnreadable:
        return {}


def _write(setup: Setup, model: Model, plan: OutputPlan, inputs: Inputs,
           problems: list[Problem]) -> Written:
    """Fill a staging folder with the kept files and the new ones, index the pages for
    search if they changed, and swap it in."""
    if plan.unchanged:
        return Written(dict(setup.cache.outputs), 0, None, _search_warnings_of(setup, None))
    with _writing_site(setup, problems):
        staging = Staging(setup.out_dir, setup.inodes)
        try:
            staging.carry_over(sorted(plan.reusable))
            outputs = {path: setup.cache.outputs[path] for path in plan.reusable}
            index = IndexWriter(staging, plan.search, setup.cache) \
                if plan.search is not None and plan.search.needed else None
            outputs.update(_render_pages(setup, model, plan, staging, index))
            for out_path in plan.to_copy:
                state = write_file(staging.root, out_path, inputs.static[out_path].read_bytes())
                outputs[str(out_path)] = Output(plan.wanted[str(out_path)], *state)
            indexed, searched = None, 0
            if index is not None:
                found, indexed, searched = index.finish(setup.config)
                outputs.update(found)
            staging.commit(list(outputs))
        except BaseException:
            staging.discard()
            raise
    return Written(outputs, len(plan.to_render) + len(plan.to_copy) + searched, indexed,
                   _search_warnings_of(setup, indexed))


@contextmanager
def _writing_site(setup: Setup, problems: list[Problem]) -> Iterator[None]:
    """A site that cannot be written (a full disk, a read-only folder) as one problem;
    the previous site stays."""
    try:
        yield
    except OSError as exc:
        raise SiteError([p for p in problems if p.warning]
                        + [write_failure(setup.out_dir, exc)]) from None


def _render_pages(setup: Setup, model: Model, plan: OutputPlan, staging: Staging,
                  index: IndexWriter | None) -> dict[str, Output]:
    """Render the pages to render into the staging folder, on every core; new Markdown
    bodies go to the cache as they come rather than wait, all of them, in memory. A page
    of Markdown is also tokenised for the search index there, if it is to be made again
    (see search/index.py: prepare), a chunk of pages at a time, and added to `index` as
    it comes back."""
    from ..pages.markup import render_markdown
    from ..pages.render import TemplateProblem, merge_template_problems
    from ..search.index import doc_of, prepare

    gc.enable()  # rendering makes reference cycles (see _collector_paused)
    config, cache, on_progress = setup.config, setup.cache, setup.options.on_progress
    to_render = plan.to_render
    indexed = index.number if index is not None else {}
    body_keys = {str(p.out_path): body_key(p.body_of, config) for p in to_render if p.body_of}
    known_bodies = cache.bodies(set(body_keys.values()))
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if on_progress:
            on_progress(done, len(to_render), "pages")

    def render(page: PagePlan):
        if str(page.out_path) in plan.prerendered:
            return write_file(staging.root, page.out_path,
                              plan.prerendered[str(page.out_path)]), None, None, None
        body, new_body = None, None
        if page.body_of is not None:
            body = known_bodies.get(body_keys[str(page.out_path)])
            if body is None:
                body = render_markdown(body_text(page.body_of),
                                       allow_raw_html=config.allow_raw_html)
                new_body = pack_body(body)
        try:
            data = model.renderer.render(page, body)
        except TemplateProblem as problem:
            return None, None, problem.problem, None
        shown = (page, body.html) if body is not None and str(page.out_path) in indexed \
            else None
        return write_file(staging.root, page.out_path, data), new_body, None, shown

    def prepared(chunk: list) -> list:
        """The chunk's pages' documents, ready for the index: all at once (see prepare)."""
        ready = iter(prepare([doc_of(*shown) for *_, shown in chunk if shown is not None]))
        return [(*result, next(ready) if shown is not None else None)
                for *result, shown in chunk]

    outputs: dict[str, Output] = {}
    failed: list[Problem] = []
    new_bodies: dict[str, tuple[bytes, str]] = {}

    def rendered(start: int, chunk: list) -> None:
        for page, (state, new_body, problem, ready) in zip(
                to_render[start:start + len(chunk)], chunk, strict=True):
            if problem:
                failed.append(problem)
                continue
            outputs[str(page.out_path)] = Output(plan.wanted[str(page.out_path)], *state)
            if ready is not None:
                assert index is not None
                index.add(str(page.out_path), ready)
            if new_body is not None:
                new_bodies[body_keys[str(page.out_path)]] = new_body
        if len(new_bodies) >= 256:
            cache.add_bodies(new_bodies)
            new_bodies.clear()

    if on_progress and to_render:
        on_progress(0, len(to_render), "pages")
    map_in_order(render, to_render, setup.jobs, progress, on_results=rendered,
                 finish=prepared if index is not None else None)
    cache.add_bodies(new_bodies)
    if failed:
        raise SiteError(merge_template_problems(failed))
    return outputs


def _summary(setup: Setup, keys: InputKeys, model: Model, plan: OutputPlan, written: Written,
             source_warnings: list[Problem]) -> LastBuild:
    """What this build leaves the next: its inputs' digest, its warnings, and what the
    short path for body edits needs (when the cache holds every report page's row)."""
    json_path = str(urls.REPORTS_JSON)
    frame = None
    if json_path in written.outputs and (plan.report_pages is not None
                                         or setup.cache.last_build.body_edits is not None):
        frame = BodyEditFrame(keys.frame, json_path, written.outputs[json_path].key,
                              bool(model.site.world_ip_day),
                              model.templates.get("report.html", ""), model.navigation)
    pages = sum(1 for plan in model.plans if plan.out_path.suffix == ".html")  # not data files
    return LastBuild(keys.inputs, pages,
                     tuple(p for p in source_warnings + list(written.search_warnings)
                           if p.warning),
                     tuple(p.message for p in written.search_warnings), frame)


def _search_warnings_of(setup: Setup, indexed: SearchFiles | None) -> tuple[Problem, ...]:
    """The search index's warnings: this build's if it made the index, else the last's."""
    if not setup.config.search:
        return ()
    if indexed is not None:
        return tuple(search_warnings(setup.site_root, indexed))
    return tuple(warning(setup.settings_path, 0, message)
                 for message in setup.cache.last_build.search_warnings)


def _save(setup: Setup, read_at_ns: int, model: Model, plan: OutputPlan, written: Written,
          last: LastBuild) -> list[Problem]:
    """Record the build in the cache; a cache that cannot be written costs only speed."""
    cache = setup.cache
    cache.save_outputs(written.outputs)
    cache.keep_bodies({body_key(p.body_of, setup.config) for p in model.plans if p.body_of})
    if plan.report_pages is not None:
        cache.save_report_pages(plan.report_pages)
    if plan.search is not None:
        cache.save_shards(shard_rows(plan.search, written.indexed))
    return cache.commit(generator_fingerprint(), setup.build_key, last, read_at_ns)


def _result(setup: Setup, pages: int, outputs: dict[str, Output], written: int,
            problems: list[Problem]) -> BuildResult:
    return BuildResult(pages, len(outputs), written, len(outputs) - written,
                       time.perf_counter() - setup.started,
                       tuple(sorted(p for p in problems if p.warning)), setup.out_dir)


def _has_errors(problems: list[Problem]) -> bool:
    return any(not p.warning for p in problems)
