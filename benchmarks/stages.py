"""Where a cold build's time goes: CPU seconds per stage, one process, search off.

    python -m benchmarks.stages [--size 10000] [--work DIR] [--jobs 1]

Writes the benchmark corpus (benchmarks/corpus.py), deletes the output, its spare and
the cache, and builds once in this process with each stage wrapped in a timer of CPU
time (user and system, this process's: with `--jobs 1` that is the whole build). The
stages are the pipeline's steps (pipeline.py), and inside rendering: Markdown, each
template or writer, and writing files. CPU time rather than wall time, so the table
holds still on a busy machine better than the benchmark's seconds do; the wrappers add
about 1 µs a call.
"""
from __future__ import annotations

import argparse
import collections
import functools
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus

PIPELINE_STEPS = ("_set_up", "_read_inputs", "_parse", "_model", "_plan_outputs", "_write",
                  "_save")


def measure(site: Path, jobs: int) -> tuple[float, dict[str, float], collections.Counter]:
    """(total CPU seconds, CPU seconds by stage, calls by stage) of one cold build."""
    import generator.build.pipeline as pipeline
    import generator.pages.markup as markup
    import generator.pages.render as render

    spent: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter = collections.Counter()

    def timed(name_of, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                name = name_of(args)
                spent[name] += time.process_time() - started
                calls[name] += 1
        return wrapper

    for step in PIPELINE_STEPS:
        setattr(pipeline, step, timed(lambda _, step=step: f"step {step}",
                                      getattr(pipeline, step)))
    pipeline.write_file = timed(lambda _: "write files", pipeline.write_file)
    markup.render_markdown = timed(lambda _: "render Markdown", markup.render_markdown)
    render.Renderer.render = timed(lambda args: f"page {args[1].template}",
                                   render.Renderer.render)
    for path in (site / ".cache", site / "public", site / ".public.spare"):
        shutil.rmtree(path, ignore_errors=True)
    started = time.process_time()
    pipeline.build(site, None, pipeline.BuildOptions(search=False, jobs=jobs))
    return time.process_time() - started, spent, calls


def table(total: float, spent: dict[str, float], calls: collections.Counter) -> str:
    rows = ["| stage | calls | CPU s | µs a call |", "|---|--:|--:|--:|",
            f"| whole build (in-process) | 1 | {total:.2f} | |"]
    # Rendering holds the pages, Markdown and writes: show them under it, largest first.
    inner = sorted((name for name in spent if not name.startswith("step ")),
                   key=lambda name: -spent[name])
    for name in sorted((n for n in spent if n.startswith("step ")),
                       key=lambda n: PIPELINE_STEPS.index(n.removeprefix("step "))):
        rows.append(f"| {name.removeprefix('step ')} | {calls[name]} | {spent[name]:.2f} | |")
        if name == "step _write":
            rows += [f"| · {inner_name} | {calls[inner_name]:,} | {spent[inner_name]:.2f} | "
                     f"{spent[inner_name] / calls[inner_name] * 1e6:,.0f} |"
                     for inner_name in inner if spent[inner_name] >= 0.005]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="reports in the corpus")
    parser.add_argument("--work", type=Path, default=None, help="where to build (kept)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="worker processes (default 1: workers' CPU is not counted)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="ipr-stages-"))
    try:
        site = work / f"corpus-{args.size}"
        if not (site / "content" / "reports").is_dir():
            write_corpus(args.size, site)
        print(table(*measure(site, args.jobs)))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
