"""This project against an earlier revision of itself, side by side on one corpus.

Both build their own copy of the same generated corpus, in turns, each repetition in
the other order: a cold build, a no-change rebuild and a one-report-changed rebuild, as
`python -m benchmarks` measures them. Prints the medians and, per repetition, the ratio
of the earlier revision's time to this work tree's (above 1: the work tree is faster).
For changes that must not slow the generator down.

    python -m benchmarks.against 12af7a5 --size 10000 --repeat 3
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
from pathlib import Path

from .corpus import write_corpus
from .run import ensure_requirements, measure_tool, rotated, work_directory
from .tools import REPO, compiled_copy, ours_setup

KINDS = ("cold", "no_change", "one_change")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", help="the git revision to compare with, e.g. 12af7a5")
    parser.add_argument("--size", type=int, default=10_000, help="reports in the corpus")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default: 3)")
    parser.add_argument("--work", type=Path, default=None, help="where to build (kept)")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv)
    ensure_requirements(["ours"])
    with work_directory(args.work) as work:
        earlier = work / "earlier-checkout"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(earlier),
                        args.revision], check=True, capture_output=True)
        try:
            setups = {}
            for side in (args.revision, "work tree"):
                folder = work / ("earlier" if side == args.revision else "tree")
                setup = ours_setup(write_corpus(args.size, folder / "corpus"), folder,
                                   args.size)
                if side == args.revision:
                    setup.cwd = compiled_copy(folder / "ours-code", earlier)
                setups[side] = setup
            runs: dict[str, list[dict]] = {side: [] for side in setups}
            for rep in range(args.repeat):
                for side in rotated(list(setups), rep):
                    result = measure_tool(setups[side], args.timeout)
                    failed = [f"{kind}: {m.error}" for kind, m in result.items() if not m.ok]
                    if failed:
                        print(f"{side} failed:\n" + "\n".join(failed))
                        return 1
                    runs[side].append(result)
                    print(f"rep {rep + 1}, {side}: " + ", ".join(
                        f"{kind} {result[kind].seconds:.2f} s" for kind in KINDS), flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(earlier)], check=False)
    report(runs, args.revision, args.size)
    return 0


def report(runs: dict[str, list[dict]], revision: str, size: int) -> None:
    before, after = runs[revision], runs["work tree"]
    print(f"\n{size:,} reports, {len(after)} repetitions: medians, and the median ratio "
          f"{revision} / work tree (above 1: the work tree is faster)")
    print("| build | " + revision + " | work tree | ratio | peak MB " + revision
          + " | peak MB work tree |")
    print("|---|--:|--:|--:|--:|--:|")
    for kind in KINDS:
        old = [r[kind] for r in before]
        new = [r[kind] for r in after]
        ratio = statistics.median(o.seconds / n.seconds for o, n in zip(old, new, strict=True))
        print(f"| {kind.replace('_', '-')} | {statistics.median(m.seconds for m in old):.2f} s"
              f" | {statistics.median(m.seconds for m in new):.2f} s | {ratio:.2f}"
              f" | {statistics.median(m.peak_mb for m in old):.0f}"
              f" | {statistics.median(m.peak_mb for m in new):.0f} |")


if __name__ == "__main__":
    raise SystemExit(main())
