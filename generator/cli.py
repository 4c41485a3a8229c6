"""The command line: the only code that prints or exits."""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from . import __version__
from .build.pipeline import BuildOptions, build
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
    _add_shared(build_parser, "--site", "--out", "--drafts", out="public/")
    build_parser.add_argument("--quiet", action="store_true",
                              help="print only warnings and errors: no progress, no summary")
    _add_shared(build_parser, "--jobs")
    build_parser.add_argument("--no-cache", action="store_true",
                              help="ignore the build cache in .cache/ and render every page")
    build_parser.add_argument("--no-search", action="store_true",
                              help="leave the search index out (as `search: false` in "
                                   "site.yaml); the search page then says so")
    _add_serve_command(commands)
    _add_authoring_commands(commands)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


# The options several commands take, each declared once (as MkDocs' common_options).
_SHARED: dict[str, dict[str, Any]] = {
    "--site": {"type": Path, "default": Path("."), "metavar": "DIR",
               "help": "the site root holding site.yaml and content/ (default: .)"},
    "--out": {"type": Path, "default": None, "metavar": "DIR",
              "help": "where to write the site (default: {out} under the site root)"},
    "--drafts": {"action": "store_true",
                 "help": "include reports and pages marked `draft: true`"},
    "--jobs": {"type": _positive, "default": None, "metavar": "N",
               "help": "worker processes for large builds (default: one per core)"},
}


def _add_shared(parser: argparse.ArgumentParser, *names: str, out: str = "") -> None:
    """Add the shared options named, in that order; `out` is where --out writes by default."""
    for name in names:
        settings = dict(_SHARED[name])
        settings["help"] = settings["help"].format(out=out)
        parser.add_argument(name, **settings)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if args.command == "build":
        return _run_build(args)
    if args.command == "serve":
        return _run_serve(args)
    if args.command in _AUTHORING:
        return _AUTHORING[args.command](args)
    return 2  # argparse has already refused unknown commands


def _run_build(args: argparse.Namespace) -> int:
    site_root: Path = args.site
    if _no_site(site_root):
        return 1
    progress = None if args.quiet else ProgressLine(sys.stderr)
    out = args.out if args.out is not None else site_root / "public"
    # Looked at before the build, which may make folders on its way to a first output.
    kept = f"the previous site in {out} is unchanged" if _holds_files(out) \
        else "nothing was written"
    try:
        result = build(site_root, args.out, BuildOptions(
            drafts=args.drafts, jobs=args.jobs, use_cache=not args.no_cache,
            search=not args.no_search, on_progress=progress.update if progress else None,
            on_wait=lambda text: print(text, file=sys.stderr, flush=True)))
    except SiteError as exc:
        if progress:
            progress.clear()
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        errors = [p for p in exc.problems if not p.warning]
        print(f"build failed: {len(errors)} error{'s' if len(errors) != 1 else ''}; {kept}",
              file=sys.stderr)
        return 1
    except OSError as exc:  # a file that could not be read or written: say which, no traceback
        if progress:
            progress.clear()
        where = exc.filename if exc.filename is not None else site_root
        print(f"{where}: error: {exc.strerror or exc}", file=sys.stderr)
        print(f"build failed: 1 error; {kept}", file=sys.stderr)
        return 1
    if progress:
        progress.clear()
    for problem in result.warnings:
        print(problem, file=sys.stderr)
    if not args.quiet:
        print(f"built {result.pages} pages ({result.files} files: {result.written} written, "
              f"{result.reused} reused) in {result.seconds:.2f} s → {result.out_dir}")
    return 0


def _holds_files(folder: Path) -> bool:
    """Whether `folder` exists with something in it: a site an earlier build left."""
    try:
        return any(folder.iterdir())
    except OSError:  # missing, or not a folder
        return False


class ProgressLine:
    """Sources parsed and pages rendered so far: a bar redrawn in place on a terminal, a
    line every few seconds otherwise, and nothing at all for a build that takes less than
    a moment."""

    # What a plain line says of each step.
    _DONE: ClassVar[dict[str, str]] = {"sources": "parsed", "pages": "rendered"}

    def __init__(self, stream, delay: float = 0.5, every: float = 0.1, plain_every: float = 2):
        self.stream = stream
        self.tty = stream.isatty()
        self.delay = delay
        self.every = every if self.tty else plain_every
        self.first: float | None = None  # when the build's first step began
        self.started = 0.0  # when this step began: its rate is its own
        self.what = ""
        self.last = float("-inf")
        self.shown = False

    def update(self, done: int, total: int, what: str = "pages") -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = now
        if what != self.what:  # a new step: parsing gives way to rendering
            self.what, self.started, self.last = what, now, float("-inf")
        finished = done >= total
        if now - self.first < self.delay and not (finished and self.shown):
            return
        if (now - self.last < self.every and not finished) or (done == 0 and not self.tty):
            return  # too soon; or a plain line that would say only that a step began
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                              f"{done}/{total} {what}  {rate:,.0f}/s \033[K")
        else:
            self.stream.write(f"{self._DONE.get(what, 'done')} {done}/{total} {what} "
                              f"({rate:,.0f}/s)\n")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


# --- ipr-archive serve ------------------------------------------------------------------

SERVE_OUT = Path(".cache") / "ipr-archive" / "serve"


def _add_serve_command(commands) -> None:
    serve = commands.add_parser(
        "serve", help="preview the site on this machine, rebuilt and reloaded on every save",
        description="Build the site, serve it over HTTP on 127.0.0.1, and rebuild it whenever "
                    "a file in content/, templates/, static/ or site.yaml changes; open pages "
                    "reload by themselves. A failed rebuild is shown in the terminal and over "
                    "the open page, while the last good site stays served. The preview is "
                    "built into .cache/ipr-archive/serve/, never into public/. Ctrl-C stops.")
    _add_shared(serve, "--site", "--out", "--drafts", out=f"{SERVE_OUT.as_posix()}/")
    # The index rewrites only what a save touches, so the preview searches too.
    serve.add_argument("--no-search", action="store_true",
                       help="leave the search index out of the preview")
    serve.add_argument("--search", action="store_true", help=argparse.SUPPRESS)  # the default
    serve.add_argument("--port", type=_port, default=8000, metavar="N",
                       help="the port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--bind", type=_address, default="127.0.0.1", metavar="ADDRESS",
                       help="the address to listen on (default: 127.0.0.1, this machine only); "
                            "another address lets other machines read the site, drafts included")


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def _address(text: str) -> str:
    import ipaddress

    if text.lower() == "localhost":
        return "localhost"
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IP address such as 127.0.0.1 "
                                         "or ::1") from None


def _run_serve(args: argparse.Namespace) -> int:
    from .build.writer import check_output_dir
    from .serve.events import Channel
    from .serve.http import PreviewServer, is_loopback
    from .serve.rebuild import Rebuilder, Reporter
    from .serve.watch import SourceWatcher

    site_root: Path = args.site
    if _no_site(site_root):
        return 1
    out_dir = args.out if args.out is not None else site_root / SERVE_OUT
    refused = [p for p in check_output_dir(site_root, out_dir) if not p.warning]
    if refused:
        for problem in refused:
            print(problem, file=sys.stderr)
        print("serve: nothing served — choose another --out", file=sys.stderr)
        return 1
    if not is_loopback(args.bind):
        print(f"warning: serving on {args.bind}, not only on this machine: anyone who can "
              f"reach this address can read the preview, drafts included", file=sys.stderr,
              flush=True)
    channel = Channel()
    try:
        server = PreviewServer(args.bind, args.port, out_dir, channel,
                               on_error=lambda text: _say(text.rstrip(), error=True))
    except OSError as exc:
        print(f"serve: cannot listen on {args.bind} port {args.port}: {exc.strerror or exc} — "
              "choose another with --port", file=sys.stderr)
        return 1
    progress = ProgressLine(sys.stderr)
    builds = [0]
    warned: set = set()

    def built(result, changes: tuple[str, ...]) -> None:
        builds[0] += 1
        # The first build is always told; the check after it only if it found something.
        if builds[0] == 1 or changes or result.written:
            _say_built(result, changes, progress, warned)
        warned.clear()
        warned.update(result.warnings)

    rebuilder = Rebuilder(site_root, out_dir, channel, Reporter(
        built=built,
        failed=lambda problems, changes: _say_failed(problems, changes, out_dir, progress),
        crashed=lambda text: _say(f"the build stopped on a bug:\n{text.rstrip()}", error=True),
        waiting=lambda text: _say(text, error=True)),
        drafts=args.drafts, search=not args.no_search)
    watcher = SourceWatcher(site_root, rebuilder.request,
                            on_error=lambda text: _say(text, error=True))
    try:
        rebuilder.build_now(jobs=None, on_progress=progress.update)
        rebuilder.start()
        watcher.start()  # once in place, it asks for a build: what was saved meanwhile
        print(f"serving {server.url()} (Ctrl-C to stop); watching content/, templates/, "
              f"static/ and site.yaml in {site_root}", flush=True)
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        rebuilder.stop()
        channel.close()
        server.server_close()
    print("stopped", flush=True)
    return 0


def _say(text: str, error: bool = False) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {text}", file=sys.stderr if error else sys.stdout, flush=True)


def _changed(changes: tuple[str, ...]) -> str:
    if not changes:
        return ""
    shown = changes[0] if len(changes) == 1 else f"{len(changes)} files"
    return f"{shown} changed: "


def _say_built(result, changes: tuple[str, ...], progress: ProgressLine,
               warned: set) -> None:
    progress.clear()
    for problem in result.warnings:
        if problem not in warned:  # each rebuild tells only the warnings it adds
            _say(str(problem), error=True)
    _say(f"{_changed(changes)}built {result.pages} pages ({result.files} files: "
         f"{result.written} written, {result.reused} reused) in {result.seconds:.2f} s "
         f"→ {result.out_dir}")


def _say_failed(problems, changes: tuple[str, ...], out_dir: Path,
                progress: ProgressLine) -> None:
    progress.clear()
    for problem in problems:
        print(problem, file=sys.stderr, flush=True)
    errors = [p for p in problems if not p.warning]
    kept = ("still serving the last good build" if out_dir.exists()
            else "nothing to serve until the build succeeds")
    _say(f"{_changed(changes)}build failed: {len(errors)} error{'s' if len(errors) != 1 else ''}"
         f"; {kept}", error=True)


# --- ipr-archive new, check, import, init, theme ------------------------------------------

WEB_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")

def _add_authoring_commands(commands) -> None:
    new = commands.add_parser(
        "new", help="start a new report file with complete front matter",
        description="Write content/reports/<slug>.md with every front-matter field and a "
                    "placeholder body, and print its path. The slug is made from the title "
                    "(pinyin for Chinese) and made unique, unless --slug is given. An "
                    "existing file is never overwritten.")
    new.add_argument("title", metavar="TITLE", help="the report's title")
    new.add_argument("--date", metavar="D",
                     help="YYYY-MM-DD, YYYY-MM, YYYY or XXXX-MM-DD (default: today)")
    new.add_argument("--slug", metavar="S", help="the report's address: a-z, 0-9 and hyphens")
    new.add_argument("--region", metavar="R", help="the province-level region, e.g. 江苏省")
    new.add_argument("--tag", metavar="T", action="append", default=[],
                     help="a subject; repeat for several tags")
    _add_shared(new, "--site")

    check = commands.add_parser(
        "check", help="check links, pages and the reports' text without publishing",
        description="Build the site into a temporary folder and report, as path:line: "
                    "message, every front-matter problem, every internal link or #anchor "
                    "that leads nowhere (errors), pages no other page links to, and "
                    "scraping artifacts in the reports' text (warnings). Slips a report "
                    "keeps on purpose are listed in its `as_found` field and not reported. "
                    "Exits 1 if there is any error. public/ and the build cache are not "
                    "touched.")
    check.add_argument("--strict", action="store_true",
                       help="count the check's own warnings (text lint, unlinked pages) "
                            "and unknown fields as errors")
    _add_shared(check, "--site", "--jobs")

    imports = commands.add_parser(
        "import", help="turn a scraped page or a saved web page into reports and links",
        description="Read a scraped plain-text page (its title, an update line, sections "
                    "headed …一/…二 or 一、/（一）, or one article, and a tail of "
                    "related-article titles), write one report per section to "
                    "content/reports/, and append the related titles content/links.yaml "
                    "does not list yet. A saved web page (.html, .htm) is one article: its "
                    "text is extracted with trafilatura, nothing is fetched, and the page is "
                    "kept as captured in content/captures/. Sections already archived are "
                    "left alone, and no file is ever overwritten. Nothing is written if the "
                    "page cannot be read.")
    imports.add_argument("file", type=Path, metavar="FILE",
                         help="the scraped page, as text, or a saved web page (.html, .htm)")
    imports.add_argument("--url", metavar="URL",
                         help="where a saved web page was published, when its own canonical "
                              "link does not say (or says otherwise)")
    imports.add_argument("--dry-run", action="store_true",
                         help="print what would be written, and write nothing")
    _add_shared(imports, "--site")

    init = commands.add_parser(
        "init", help="start a new archive in a folder",
        description="Write a new archive into DIR (made if missing): site.yaml with every "
                    "setting and its doc, one example report, content/pages/about.md, an "
                    "empty content/links.yaml and a .gitignore. If any of these files "
                    "exists, nothing is written.")
    init.add_argument("dir", type=Path, nargs="?", default=Path("."), metavar="DIR",
                      help="the new archive's folder (default: .)")

    themes = commands.add_parser(
        "theme", help="copy the built-in theme's templates and static files into the site",
        description="Copy built-in theme files into the site's templates/ and static/ to "
                    "edit them: all of them, or those named (base.html, "
                    "templates/base.html, style.css, static/style.css). A file the site "
                    "already has is never overwritten: it is named and left as it is. The "
                    "site's files override the theme's, so an unedited copy changes "
                    "nothing; delete one to return to the theme's.")
    themes.add_argument("names", nargs="*", metavar="NAME",
                        help="a theme file to copy; none: every file")
    themes.add_argument("--list", action="store_true",
                        help="list the theme's files and which ones the site overrides")
    _add_shared(themes, "--site")


def _no_site(site_root: Path) -> bool:
    if site_root.is_dir():
        return False
    print(f"{site_root}: error: no such site directory — pass --site DIR", file=sys.stderr)
    return True


def _run_new(args: argparse.Namespace) -> int:
    from .authoring.new import NewRequest, ScaffoldError, plan_new_report, write_new_report

    if _no_site(args.site):
        return 1
    try:
        report, path = plan_new_report(args.site, NewRequest(
            args.title, date=args.date, slug=args.slug, region=args.region,
            tags=tuple(args.tag)))
        path = write_new_report(args.site, report)
    except ScaffoldError as exc:
        for message in exc.messages:
            print(f"ipr-archive new: error: {message}", file=sys.stderr)
        return 1
    except FileExistsError:
        print(f"{path}: error: the file already exists and is left as it is — choose another "
              "--slug", file=sys.stderr)
        return 1
    print(path)
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from .authoring.check import check_site

    if _no_site(args.site):
        return 1
    result = check_site(args.site, strict=args.strict, jobs=args.jobs)
    for problem in result.problems:
        print(problem)
    counts = [_plural(result.errors, "error"), _plural(result.warnings, "warning")]
    notes = [f"{_plural(result.reports, 'report')} and {_plural(result.pages, 'page')} "
             "checked" if result.built else "the build failed, so links were not checked"]
    if result.acknowledged:
        notes.append(f"{_plural(result.acknowledged, 'slip')} kept as found (as_found)")
    print(f"check: {', '.join(counts)}; {'; '.join(notes)}")
    return 1 if result.errors else 0


def _run_import(args: argparse.Namespace) -> int:
    from .authoring.importer import import_page, write_import

    if _no_site(args.site):
        return 1
    web_page = args.file.suffix.lower() in WEB_PAGE_SUFFIXES
    if args.url is not None and not web_page:
        print(f"{args.file}: error: --url is for saved web pages (.html, .htm); a text page "
              "gives its address nowhere — leave --url out", file=sys.stderr)
        return 1
    try:
        if web_page:
            from .authoring.webpage import import_webpage
            plan = import_webpage(args.file, args.site, args.url)
        else:
            plan = import_page(args.file, args.site)
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("import failed; nothing was written", file=sys.stderr)
        return 1
    for section, path in plan.kept:
        print(f"{section}: already archived in {path}; left as it is")
    if plan.links_known:
        print(f"{_plural(len(plan.links_known), 'related title')} already in "
              f"{plan.links_path}")
    if args.dry_run:
        for path, data in plan.captures:
            print(f"would keep the saved page as {path} ({len(data):,} bytes, "
                  f"SHA-256 {hashlib.sha256(data).hexdigest()})")
        for path, text in plan.reports:
            print(f"would write {path}:\n{text}")
        if plan.links_text:
            print(f"would append {_plural(len(plan.links_added), 'title')} to "
                  f"{plan.links_path}:{plan.links_text}")
        print("dry run: nothing was written")
        return 0
    try:
        created = write_import(plan)
    except OSError as exc:
        print(f"{exc.filename or args.site}: error: {exc.strerror} — nothing was imported",
              file=sys.stderr)
        return 1
    for path in created:
        print(f"wrote {path}")
    if plan.links_added:
        print(f"added {_plural(len(plan.links_added), 'title')} to {plan.links_path}")
    if not created and not plan.links_added:
        print("nothing new to import")
    return 0


def _run_init(args: argparse.Namespace) -> int:
    import datetime

    from .authoring.init import archive_files, existing_files, write_archive

    root: Path = args.dir
    files = archive_files(datetime.date.today())
    existing = existing_files(root)
    for path in existing:
        print(f"{path}: error: {path.name} is already there — init starts an archive only "
              "in a new or empty folder; choose another folder", file=sys.stderr)
    if existing:
        print("init: nothing was written", file=sys.stderr)
        return 1
    try:
        written = write_archive(root, files)
    except OSError as exc:  # a file made meanwhile, or a folder that cannot be written
        print(f"{exc.filename or root}: error: {exc.strerror or exc} — init stopped; "
              "the files listed above it were written", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    here = root.resolve() == Path.cwd().resolve()
    print(f"next: {'' if here else f'cd {root} && '}ipr-archive build")
    return 0


def _run_theme(args: argparse.Namespace) -> int:
    from .authoring.theme import (
        ThemeError,
        overridden,
        plan_theme_copy,
        theme_files,
        write_theme_copy,
    )

    if _no_site(args.site):
        return 1
    if args.list:
        if args.names:
            print("ipr-archive theme: error: --list takes no names", file=sys.stderr)
            return 2
        for theme_path in theme_files():
            mine = "overridden by the site" if overridden(args.site, theme_path) else "theme"
            print(f"{theme_path}  ({mine})")
        return 0
    try:
        plan = plan_theme_copy(args.site, args.names)
    except ThemeError as exc:
        print(f"ipr-archive theme: error: {exc}; nothing was copied", file=sys.stderr)
        return 1
    try:
        copied, kept = write_theme_copy(args.site, plan)
    except OSError as exc:
        print(f"{exc.filename or args.site}: error: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for theme_path in copied:
        print(f"copied {args.site / theme_path}")
    for theme_path in kept:
        print(f"kept {args.site / theme_path}: the site already has it; left as it is")
    if copied:
        print("edit the copies: the site's files override the theme's; delete one to go back "
              "to the theme's")
    return 0


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_AUTHORING = {"new": _run_new, "check": _run_check, "import": _run_import,
              "init": _run_init, "theme": _run_theme}
