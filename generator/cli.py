"""The command line: the only code that prints or exits."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .build import build
from .errors import SiteError


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ipr-archive",
        description="Build a static archive site of Chinese reports on intellectual property "
                    "from Markdown files with YAML front matter.",
        epilog="Run `ipr-archive COMMAND --help` for the options of a command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    build_parser = commands.add_parser(
        "build", help="build the site into an output directory",
        description="Read site.yaml, content/, templates/ and static/ under the site root, "
                    "check every file, and write the site. The new site replaces the old one "
                    "only when the whole build succeeds; on any error the previous output is "
                    "left as it was and every problem is listed as path:line: message.")
    build_parser.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                              help="the site root holding site.yaml and content/ (default: .)")
    build_parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                              help="where to write the site (default: public/ under the site root)")
    build_parser.add_argument("--drafts", action="store_true",
                              help="include reports and pages marked `draft: true`")
    build_parser.add_argument("--quiet", action="store_true",
                              help="print only warnings and errors: no progress, no summary")
    build_parser.add_argument("--jobs", type=_positive, default=None, metavar="N",
                              help="worker processes for large builds (default: one per core)")
    build_parser.add_argument("--no-cache", action="store_true",
                              help="ignore the build cache in .cache/ and render every page")
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.command == "build":
        return _run_build(args)
    return 2  # argparse has already refused unknown commands


def _run_build(args: argparse.Namespace) -> int:
    site_root: Path = args.site
    if not site_root.is_dir():
        print(f"{site_root}: error: no such site directory — pass --site DIR", file=sys.stderr)
        return 1
    progress = None if args.quiet else ProgressLine(sys.stderr)
    try:
        result = build(site_root, args.out, drafts=args.drafts, jobs=args.jobs,
                       use_cache=not args.no_cache,
                       on_progress=progress.update if progress else None)
    except SiteError as exc:
        if progress:
            progress.clear()
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        errors = [p for p in exc.problems if not p.warning]
        out = args.out if args.out is not None else site_root / "public"
        kept = f"the previous site in {out} is unchanged" if out.exists() else "nothing was written"
        print(f"build failed: {len(errors)} error{'s' if len(errors) != 1 else ''}; {kept}",
              file=sys.stderr)
        return 1
    if progress:
        progress.clear()
    for problem in result.warnings:
        print(problem, file=sys.stderr)
    if not args.quiet:
        print(f"built {result.pages} pages ({result.files} files: {result.written} written, "
              f"{result.reused} reused) in {result.seconds:.2f} s → {result.out_dir}")
    return 0


class ProgressLine:
    """Pages rendered so far: a bar redrawn in place on a terminal, a line every few
    seconds otherwise, and nothing at all for rendering that takes less than a moment."""

    def __init__(self, stream, delay: float = 0.5, every: float = 0.1, plain_every: float = 2):
        self.stream = stream
        self.tty = stream.isatty()
        self.delay = delay
        self.every = every if self.tty else plain_every
        self.started: float | None = None
        self.last = float("-inf")
        self.shown = False

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.started is None:
            self.started = now
        finished = done >= total
        if now - self.started < self.delay and not (finished and self.shown):
            return
        if now - self.last < self.every and not finished:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                              f"{done}/{total} pages  {rate:,.0f}/s ")
        else:
            self.stream.write(f"rendered {done}/{total} pages ({rate:,.0f}/s)\n")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
