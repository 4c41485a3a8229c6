"""Read every input of a build once, and parse the sources the cache does not already hold.

Reading is separate from parsing so that a rebuild can tell from the digests alone that
nothing changed, and parse only the files whose bytes did.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Callable

from .cache import BuildCache, record_of, source_of
from .content import (LINKS_FILE, PAGES_DIR, REPORTS_DIR, Content, content_of, digest_of,
                      load_links, markdown_files, parse_source)
from .errors import Problem, error
from .textfile import read_source_bytes
from .workers import map_in_order
from .writer import collect_static

TEMPLATES_DIR = "templates"


@dataclass(frozen=True)
class SourceFile:
    kind: str  # "report" or "page"
    path: Path
    key: str  # the path relative to the site root, with / separators
    data: bytes
    digest: str


@dataclass(frozen=True)
class Inputs:
    """Every file a build reads, with digests that together say whether anything changed."""

    files: tuple[SourceFile, ...]
    static: dict[PurePosixPath, Path]
    static_digests: dict[PurePosixPath, str]
    digest: str
    problems: tuple[Problem, ...]


def read_inputs(site_root: Path) -> Inputs:
    problems: list[Problem] = []
    files = []
    for kind, folder in (("report", REPORTS_DIR), ("page", PAGES_DIR)):
        for path in markdown_files(site_root, folder, problems):
            data, read_problems = read_source_bytes(path)
            problems.extend(read_problems)
            if data is not None:
                files.append(SourceFile(kind, path, f"{folder.as_posix()}/{path.name}", data,
                                        digest_of(data)))
    static, static_problems = collect_static(site_root / "static", site_root)
    problems += static_problems
    problems += _links_leaving(site_root, [site_root / LINKS_FILE, site_root / TEMPLATES_DIR,
                                           *_files_under(site_root / TEMPLATES_DIR)])
    static_digests = {out_path: digest_of(src_path.read_bytes())
                      for out_path, src_path in sorted(static.items())}
    digest = hashlib.blake2b(digest_size=16)
    for source in files:
        digest.update(f"S{source.key}\x1f{source.digest}\x1e".encode())
    for out_path, file_digest in static_digests.items():
        digest.update(f"F{out_path}\x1f{file_digest}\x1e".encode())
    for extra in [site_root / LINKS_FILE, *_files_under(site_root / TEMPLATES_DIR)]:
        if extra.is_file():
            digest.update(f"X{extra.relative_to(site_root).as_posix()}\x1f"
                          f"{digest_of(extra.read_bytes())}\x1e".encode())
    return Inputs(tuple(files), static, static_digests, digest.hexdigest(), tuple(problems))


def _links_leaving(site_root: Path, paths: list[Path]) -> list[Problem]:
    """Templates and the links file must be the site's own files, as sources are."""
    root = site_root.resolve()
    return [error(path, 0, "this link points outside the site — copy the file into the site "
                           "instead of linking to it")
            for path in paths if path.is_symlink() and not path.resolve().is_relative_to(root)]


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def parse_sources(site_root: Path, inputs: Inputs, cache: BuildCache, jobs: int,
                  on_parsed: Callable[[int], None] | None = None
                  ) -> tuple[Content, list[Problem], dict[str, tuple[str, str]]]:
    """All reports, pages and links, with every problem found, and the cache records of
    the sources that parsed cleanly: {relative path: (digest, record)}.
    Raises CacheUnreadable if a cached record is damaged."""
    problems: list[Problem] = []
    parsed = []
    records: dict[str, tuple[str, str]] = {}
    to_parse: list[SourceFile] = []
    for source in inputs.files:
        cached = cache.sources.get(source.key)
        if cached is not None and cached[0] == source.digest:
            found, warnings = source_of(cached[1], source.path, source.digest)
            parsed.append(found)
            problems.extend(warnings)
            records[source.key] = cached
        else:
            to_parse.append(source)
    for source, (found, found_problems) in zip(
            to_parse, map_in_order(_parse, to_parse, jobs, on_parsed)):
        problems.extend(found_problems)
        if found is not None:  # a source with errors is never returned, nor cached
            parsed.append(found)
            records[source.key] = (source.digest, record_of(found, found_problems))
    links = load_links(site_root / LINKS_FILE, problems)
    return content_of(parsed, links), problems, records


def _parse(source: SourceFile):
    found, problems = parse_source(source.kind, source.path, source.data)
    # Bodies are read again by the few pages that need them; keeping 10,000 of them here
    # (and sending them back from the workers) would double the build's memory.
    return (None if found is None else replace(found, body=None)), problems
