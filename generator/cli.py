"""The command line: the only code that prints or exits."""
from __future__ import annotations

import argparse
import sys
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
                              help="print only warnings and errors, not the summary line")
    return parser


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
    try:
        result = build(site_root, args.out, drafts=args.drafts)
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        errors = [p for p in exc.problems if not p.warning]
        out = args.out if args.out is not None else site_root / "public"
        kept = f"the previous site in {out} is unchanged" if out.exists() else "nothing was written"
        print(f"build failed: {len(errors)} error{'s' if len(errors) != 1 else ''}; {kept}",
              file=sys.stderr)
        return 1
    for problem in result.warnings:
        print(problem, file=sys.stderr)
    if not args.quiet:
        print(f"built {result.pages} pages ({result.files} files) in {result.seconds:.2f} s "
              f"→ {result.out_dir}")
    return 0
