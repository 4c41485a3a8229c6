"""Read every input of a build once, and parse the sources the cache does not already hold.

Reading is separate from parsing so that a rebuild can tell from the digests alone that
nothing changed, and parse only the files whose bytes did. A source whose size, mtime and
inode are those the last build saw is not read at all: its digest is the one on record.
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..errors import Problem, error
from ..pages import theme
from ..source.content import (
    LINKS_FILE,
    PAGES_DIR,
    PUBLISHED_FILES,
    REPORTS_DIR,
    Content,
    content_of,
    digest_of,
    load_links,
    markdown_entries,
    parse_source,
)
from ..source.textfile import read_source_bytes
from .cache import BuildCache, SourceState
from .records import record_of, source_of
from .workers import map_in_order
from .writer import collect_static

TEMPLATES_DIR = "templates"


# A file changed less than this before the last build read it may have changed again
# within the same tick of a coarse file system clock (FAT's is two seconds).
_CLOCK_SLACK_NS = 2_000_000_000


@dataclass(frozen=True)
class SourceFile:
    kind: str  # "report" or "page"
    site_root: Path
    key: str  # the path relative to the site root, with / separators
    state: SourceState  # its bytes are read again only if it must be parsed

    @property
    def path(self) -> Path:
        # Made only when needed: a rebuild that changes nothing would spend more time
        # making 10,000 Path objects than looking at the files.
        return self.site_root / self.key


@dataclass(frozen=True)
class Inputs:
    """Every file a build reads, with digests that together say whether anything changed."""

    files: tuple[SourceFile, ...]
    static: dict[PurePosixPath, Path]
    static_digests: dict[PurePosixPath, str]
    digest: str
    # The same, but for the reports' bytes: which reports there are, and every other file.
    # Equal frames mean only the contents of reports changed (see delta.py).
    frame: str
    problems: tuple[Problem, ...]
    read_at_ns: int  # when reading began, for the next build's racy-file check
    # Files in content/*/files/ (also in `static`), by path from the site root -> output path
    attachments: dict[str, PurePosixPath] = field(default_factory=dict)


def read_inputs(site_root: Path, known: dict[str, SourceState] | None = None,
                known_read_at_ns: int = 0) -> Inputs:
    """Every input of the build. `known`: the sources' states when the last build, which
    began reading at `known_read_at_ns`, read them; a file in that state is not read."""
    known = known or {}
    trusted_before = known_read_at_ns - _CLOCK_SLACK_NS
    read_at_ns = time.time_ns()
    problems: list[Problem] = []
    files = []
    for kind, folder in (("report", REPORTS_DIR), ("page", PAGES_DIR)):
        prefix = folder.as_posix() + "/"
        for entry in markdown_entries(site_root, folder, problems):
            key = prefix + entry.name
            was = known.get(key)
            if was is not None:
                try:
                    stat = entry.stat()
                except OSError:
                    stat = None
                if stat is not None and stat.st_mtime_ns < trusted_before and \
                        (stat.st_size, stat.st_mtime_ns, stat.st_ino) == was[:3]:
                    files.append(SourceFile(kind, site_root, key, was))
                    continue
            # Digested and let go: holding every file's bytes until they are parsed would
            # be a fifth of a cold build's memory; the few that need parsing are read again.
            state, read_problems = _read_state(Path(entry.path))
            problems.extend(read_problems)
            if state is not None:
                files.append(SourceFile(kind, site_root, key, state))
    # The built-in theme's static files, each replaced by the site's own of the same name.
    static, _ = collect_static(theme.STATIC, theme.THEME)
    site_static, static_problems = collect_static(site_root / "static", site_root)
    static.update(site_static)
    problems += static_problems
    attachments: dict[str, PurePosixPath] = {}
    for folder, published_at in PUBLISHED_FILES:
        found, found_problems = collect_static(site_root / folder, site_root, published_at)
        problems += found_problems
        static.update(found)
        attachments.update((src.relative_to(site_root).as_posix(), out)
                           for out, src in found.items())
    problems += _links_leaving(site_root, [site_root / LINKS_FILE, site_root / TEMPLATES_DIR,
                                           *_files_under(site_root / TEMPLATES_DIR)])
    static_digests = {out_path: digest_of(src_path.read_bytes())
                      for out_path, src_path in sorted(static.items())}
    digest = hashlib.blake2b(digest_size=16)
    frame = hashlib.blake2b(digest_size=16)
    for source in files:
        digest.update(f"S{source.key}\x1f{source.state.digest}\x1e".encode())
        frame.update(f"S{source.key}\x1f{'' if source.kind == 'report' else source.state.digest}"
                     f"\x1e".encode())
    others = [f"F{out_path}\x1f{file_digest}\x1e" for out_path, file_digest in
              static_digests.items()]
    for extra in [site_root / LINKS_FILE, *_files_under(site_root / TEMPLATES_DIR)]:
        if extra.is_file():
            others.append(f"X{extra.relative_to(site_root).as_posix()}\x1f"
                          f"{digest_of(extra.read_bytes())}\x1e")
    for template in _files_under(theme.TEMPLATES):  # the ones the site does not override
        others.append(f"T{template.relative_to(theme.TEMPLATES).as_posix()}\x1f"
                      f"{digest_of(template.read_bytes())}\x1e")
    for other in others:
        digest.update(other.encode())
        frame.update(other.encode())
    return Inputs(tuple(files), static, static_digests, digest.hexdigest(), frame.hexdigest(),
                  tuple(problems), read_at_ns, attachments)


def _read_state(path: Path) -> tuple[SourceState | None, list[Problem]]:
    try:  # the state before the bytes: a save in between makes the next build read again
        stat = os.stat(path)
    except OSError:
        stat = None
    data, problems = read_source_bytes(path)
    if data is None:
        return None, problems
    if stat is None:
        return SourceState(-1, -1, -1, digest_of(data)), problems
    return SourceState(stat.st_size, stat.st_mtime_ns, stat.st_ino, digest_of(data)), problems


def read_again(source: SourceFile) -> tuple[bytes | None, list[Problem]]:
    """A source's bytes, which must still be those whose digest the build took."""
    data, problems = read_source_bytes(source.path)
    if data is not None and digest_of(data) != source.state.digest:
        return None, [error(source.path, 0, "the file changed while the site was being built "
                                            "— build again")]
    return data, problems


def _links_leaving(site_root: Path, paths: list[Path]) -> list[Problem]:
    """Templates and the links file must be the site's own files, as sources are."""
    root = site_root.resolve()
    return [error(path, 0, "this link points outside the site — copy the file into the site "
                           "instead of linking to it")
            for path in paths if path.is_symlink() and not path.resolve().is_relative_to(root)]


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def parse_sources(site_root: Path, inputs: Inputs, cache: BuildCache, jobs: int,
                  on_parsed: Callable[[int, int], None] | None = None
                  ) -> tuple[Content, list[Problem], dict[str, SourceState], dict[str, str]]:
    """All reports, pages and links, with every problem found; the states of the sources
    that parsed cleanly, and the cache records of those parsed anew, by relative path.
    `on_parsed(done, total)` follows the parsing of the files the cache does not hold.
    Raises CacheUnreadable if a cached record is damaged."""
    problems: list[Problem] = []
    parsed = []
    states: dict[str, SourceState] = {}
    records: dict[str, str] = {}
    to_parse: list[SourceFile] = []
    for source in inputs.files:
        cached = cache.sources.get(source.key)
        if cached is not None and cached.digest == source.state.digest:
            found, warnings = source_of(cached.record, source.path, cached.digest)
            parsed.append(found)
            problems.extend(warnings)
            states[source.key] = source.state
        else:
            to_parse.append(source)
    done = 0
    if on_parsed and to_parse:
        on_parsed(0, len(to_parse))  # the step begins: its rate is counted from here

    def count(chunk: int) -> None:
        nonlocal done
        done += chunk
        if on_parsed is not None:
            on_parsed(done, len(to_parse))

    for source, (found, found_problems, record) in zip(
            to_parse, map_in_order(_parse, to_parse, jobs, count if on_parsed else None),
            strict=True):
        problems.extend(found_problems)
        if found is not None:  # a source with errors is never returned, nor cached
            parsed.append(found)
            states[source.key] = source.state
            records[source.key] = record
    links = load_links(site_root / LINKS_FILE, problems)
    return content_of(parsed, links), problems, states, records


def parse_file(source: SourceFile):
    """Read a source again and parse it: (the source, body included, or None; its
    problems; its cache record, or None)."""
    data, problems = read_again(source)
    if data is None:
        return None, problems, None
    found, parse_problems = parse_source(source.kind, source.path, data)
    problems += parse_problems
    return found, problems, None if found is None else record_of(found, problems)


def _parse(source: SourceFile):
    # The record is made here, on the worker, rather than one after another in the main
    # process. Bodies are read again by the few pages that need them; keeping 10,000 of
    # them here (and sending them back from the workers) would double the build's memory.
    found, problems, record = parse_file(source)
    return (None if found is None else replace(found, body=None)), problems, record
