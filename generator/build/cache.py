"""The build cache: what earlier builds parsed, rendered and wrote, so that a rebuild does
only the work its changes require.

Stored as SQLite under `.cache/` in the site root: plain rows of text and numbers, never
pickle. Everything in it is keyed by content digests; a cache that cannot be read, or was
written by another format or generator, is set aside with one warning and the build runs
as if there were none. The cache only ever saves work: a clean build gives the same bytes.
"""
from __future__ import annotations

import json
import re
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..errors import Problem
from .records import CacheUnreadable, unpack_body
from .state import LastBuild

if TYPE_CHECKING:
    from ..pages.markup import Rendered
    from ..search.index import Shard

CACHE_PATH = Path(".cache") / "ipr-archive" / "cache.sqlite"
FORMAT = "ipr-archive cache 4"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, digest TEXT NOT NULL,
                                    record TEXT NOT NULL, size INTEGER NOT NULL,
                                    mtime_ns INTEGER NOT NULL, ino INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html BLOB NOT NULL,
                                   headings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS report_pages (path TEXT PRIMARY KEY, position INTEGER NOT NULL,
                                         context TEXT NOT NULL, line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_shards (name TEXT PRIMARY KEY, position INTEGER NOT NULL,
                                          grp TEXT NOT NULL, key TEXT NOT NULL,
                                          pages TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, key TEXT NOT NULL,
                                    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
"""


class SourceState(NamedTuple):
    """A source file as a build read it; the same size, mtime and inode mean the same
    bytes (see BuildCache.read_at_ns for when they do not)."""

    size: int
    mtime_ns: int
    ino: int
    digest: str


@dataclass(frozen=True)
class SourceRow:
    """A source as the last build that parsed it cleanly saw it: the digest of its bytes,
    its record, and its file's size, mtime and inode when it was read."""

    digest: str
    record: str
    size: int
    mtime_ns: int
    ino: int


class Output(NamedTuple):
    """A file an earlier build wrote: the key of its inputs, and how it looked on disk.
    (A named tuple: a rebuild loads one for every file of the site.)"""

    key: str
    size: int
    mtime_ns: int


# {output path: (size, mtime_ns)} of the files in the output folder now
Present = dict[str, tuple[int, int]]


def still_there(path: str, output: Output, present: Present) -> bool:
    """Whether the file an earlier build wrote at `path` is in the output as it left it."""
    return present.get(path) == (output.size, output.mtime_ns)


def all_still_there(outputs: dict[str, Output], present: Present) -> bool:
    return all(still_there(path, output, present) for path, output in outputs.items())


class _NeverSaved(Exception):
    """The cache was made but no build saved into it (the first build failed)."""


class BuildCache:
    """Read once at the start of a build, written once at the end of a successful one.

    Each kind of thing a build saves has a method of its own; what they write stays in
    one transaction that commit() ends, so a failed build leaves the cache as it was."""

    def __init__(self, path: Path | None, connection: sqlite3.Connection | None,
                 sources: dict[str, SourceRow] | None, outputs: dict[str, Output],
                 last_build: LastBuild | None = None, read_at_ns: int = 0):
        self.path = path
        self._db = connection
        self._sources = sources  # None: not read yet (a build that changes nothing never does)
        self._states: dict[str, SourceState] | None = None
        self.outputs = outputs  # output path -> Output
        # The last build's input digest, page count and source warnings, when it was made
        # by this generator with these settings for this output.
        self.last_build = last_build or LastBuild()
        # When the last build began reading its sources (time.time_ns()); a file whose
        # mtime is near or after it may have changed within one tick of the file system's
        # clock since, so its size and mtime prove nothing (git's "racy clean" case).
        self.read_at_ns = read_at_ns
        self._unsaved: sqlite3.Error | None = None  # the first write that failed

    @classmethod
    def disabled(cls) -> BuildCache:
        return cls(None, None, {}, {})

    @classmethod
    def open(cls, site_root: Path, generator: str,
             build_key: str) -> tuple[BuildCache, list[Problem]]:
        """Open the site's cache. What another generator parsed is not reused, and pages
        are reused only by a build of the same `build_key` (generator, settings, output)."""
        path = site_root / CACHE_PATH
        problems = []
        if path.exists():
            try:
                return cls._read(path, generator, build_key), []
            except _NeverSaved:
                pass  # a first build failed before saving: simply an empty cache
            except (sqlite3.Error, CacheUnreadable, ValueError, TypeError) as exc:
                problems.append(Problem(path, 0, f"the build cache cannot be used ({exc}); "
                                                 "building everything anew", warning=True))
        try:
            return cls.fresh(site_root), problems
        except (sqlite3.Error, OSError) as exc:  # a full disk or read-only site: no cache
            return cls.disabled(), problems + [Problem(
                path, 0, f"the build cache cannot be written ({exc}); building without it",
                warning=True)]

    @classmethod
    def fresh(cls, site_root: Path) -> BuildCache:
        """An empty cache in place of whatever was there."""
        path = site_root / CACHE_PATH
        _remove_database(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _connect(path)
        db.executescript(_SCHEMA)
        return cls(path, db, {}, {})

    def start_over(self, site_root: Path) -> None:
        """Become an empty cache, this one being damaged."""
        self.close()
        fresh = BuildCache.fresh(site_root)
        self.__dict__.update(fresh.__dict__)

    @classmethod
    def _read(cls, path: Path, generator: str, build_key: str) -> BuildCache:
        db = _connect(path)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if not meta:
                raise _NeverSaved
            if meta.get("format") != FORMAT:
                raise CacheUnreadable(f"format {meta.get('format')!r}, not {FORMAT!r}")
            same_generator = meta.get("generator") == generator
            sources: dict[str, SourceRow] | None = None if same_generator else {}
            read_at_ns = int(meta.get("read_at_ns", 0)) if same_generator else 0
            outputs = {}
            last_build = LastBuild()
            if meta.get("build") == build_key:  # otherwise no earlier page can be reused
                outputs = {p: Output(k, s, m) for p, k, s, m in db.execute(
                    "SELECT path, key, size, mtime_ns FROM outputs")}
                # Paths are joined to the output folder and hard-linked from it: one that
                # could leave it (`..`, absolute) means the cache was tampered with.
                if not _all_inside(outputs):
                    raise CacheUnreadable("an output path outside the output directory")
                try:
                    last_build = LastBuild.from_json(meta.get("last_build", "{}"))
                except (KeyError, IndexError) as exc:
                    raise CacheUnreadable(f"a damaged summary of the last build: {exc}") \
                        from None
        except BaseException:
            db.close()
            raise
        return cls(path, db, sources, outputs, last_build, read_at_ns)

    @property
    def sources(self) -> dict[str, SourceRow]:
        """{relative source path: SourceRow} of what was parsed before."""
        if self._sources is None:
            try:
                self._sources = {row[0]: SourceRow(*row[1:]) for row in self._open().execute(
                    "SELECT path, digest, record, size, mtime_ns, ino FROM sources")}
            except sqlite3.Error as exc:
                raise CacheUnreadable(str(exc)) from None
        return self._sources

    def file_states(self) -> dict[str, SourceState]:
        """{relative source path: (size, mtime_ns, inode, digest)} as the last build read
        them, without the records: all a rebuild needs to tell which files changed.
        Empty when the cache cannot say (another generator's, or damaged)."""
        if self._states is None:
            if self._sources is not None:
                self._states = {p: SourceState(r.size, r.mtime_ns, r.ino, r.digest)
                                for p, r in self._sources.items()}
            else:
                try:
                    # Typed columns; a tampered value only fails to match, and the
                    # file is read again.
                    self._states = {p: SourceState(s, m, i, d) for p, d, s, m, i in
                                    self._open().execute("SELECT path, digest, size, "
                                                         "mtime_ns, ino FROM sources")}
                except (sqlite3.Error, CacheUnreadable, ValueError, TypeError):
                    self._states = {}
        return self._states

    def records(self, paths: set[str]) -> dict[str, str]:
        """The records of these sources, without loading all of them."""
        return dict(self._select("SELECT path, record FROM sources", "path", paths))

    def report_contexts(self, paths: set[str]) -> dict[str, str]:
        """For these reports' sources, the context of their pages (see delta.py)."""
        return dict(self._select("SELECT path, context FROM report_pages", "path", paths))

    def search_shards(self) -> list[Shard]:
        """Every search.Shard of the last build, in order, as it was keyed then; empty if
        the cache cannot say."""
        from ..search.index import Shard

        if self._db is None:
            return []
        try:
            return [Shard(str(name), str(group), str(key), tuple(map(str, json.loads(pages))))
                    for name, group, key, pages in self._db.execute(
                        "SELECT name, grp, key, pages FROM search_shards ORDER BY position")]
        except (sqlite3.Error, ValueError, TypeError):
            return []

    def report_lines(self) -> list[tuple[str, str]]:
        """(source path, reports.json line) of every published report, in archive order."""
        try:
            return [(str(p), str(line)) for p, line in self._open().execute(
                "SELECT path, line FROM report_pages ORDER BY position")]
        except sqlite3.Error as exc:
            raise CacheUnreadable(str(exc)) from None

    def _select(self, query: str, column: str, keys: set[str]) -> list[tuple]:
        if self._db is None or not keys:
            return []
        wanted = sorted(keys)
        rows = []
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows += self._db.execute(f"{query} WHERE {column} IN "
                                         f"({','.join('?' * len(chunk))})", chunk).fetchall()
        except sqlite3.Error as exc:
            raise CacheUnreadable(str(exc)) from None
        return rows

    def bodies(self, keys: set[str]) -> dict[str, Rendered]:
        """Rendered Markdown cached under these keys; missing ones are simply absent."""
        if self._db is None or not keys:
            return {}
        found = {}
        wanted = sorted(keys)
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows = self._db.execute(
                    f"SELECT key, html, headings FROM bodies WHERE key IN "
                    f"({','.join('?' * len(chunk))})", chunk)
                for key, html, headings in rows:
                    found[key] = unpack_body(html, headings)
        except (sqlite3.Error, ValueError, TypeError, zlib.error):
            return {}  # render them again, and store them anew
        return found

    # What a build saves. Nothing is committed until commit(); a cache that cannot take
    # a write costs only speed, and commit() says so once.

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        assert self._db is not None
        try:
            yield self._db
        except sqlite3.Error as exc:
            self._unsaved = self._unsaved or exc

    def save_sources(self, states: dict[str, SourceState], records: dict[str, str]) -> None:
        """`states`: every source that parsed cleanly, as read by this build; `records`: the
        records of those parsed anew. The others' rows keep their records and only have
        their states brought up to date, so a rebuild never loads what it did not parse.
        Saved as soon as parsing is done: the records (a tenth of a cold build's memory)
        need not be held until the end."""
        if self._db is None:
            return
        with self._writing() as db:
            if self._sources == {}:  # another generator's rows, or none: start over
                db.execute("DELETE FROM sources")
            old = self.file_states()
            db.executemany("DELETE FROM sources WHERE path = ?",
                           [(path,) for path in sorted(old.keys() - states.keys())])
            db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)", [
                (path, states[path].digest, record, *states[path][:3])
                for path, record in sorted(records.items())])
            db.executemany(
                "UPDATE sources SET size = ?, mtime_ns = ?, ino = ? WHERE path = ?",
                [(*state[:3], path) for path, state in sorted(states.items())
                 if path not in records and old.get(path) != state])

    def add_bodies(self, bodies: dict[str, tuple[bytes, str]]) -> None:
        """Rendered bodies (records.pack_body), stored as they come rather than held."""
        if self._db is None:
            return
        with self._writing() as db:
            db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                           [(key, *packed) for key, packed in sorted(bodies.items())])

    def keep_bodies(self, live: set[str]) -> None:
        """Forget every rendered body but these, the ones the site still uses."""
        if self._db is None:
            return
        with self._writing() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
            db.execute("DELETE FROM live")
            db.executemany("INSERT INTO live VALUES (?)", [(k,) for k in sorted(live)])
            db.execute("DELETE FROM bodies WHERE key NOT IN (SELECT key FROM live)")

    def save_outputs(self, outputs: dict[str, Output]) -> None:
        """Every file of the new site, with its key and how it lies on disk."""
        if self._db is None:
            return
        with self._writing() as db:
            db.executemany("DELETE FROM outputs WHERE path = ?",
                           [(path,) for path in sorted(self.outputs.keys() - outputs.keys())])
            db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)",
                           [(path, *output) for path, output in sorted(outputs.items())
                            if self.outputs.get(path) != output])

    def save_report_pages(self, rows: Iterable[tuple[str, int, str, str]]) -> None:
        """Every report page anew: (source path, position, context, reports.json line)."""
        if self._db is None:
            return
        with self._writing() as db:
            db.execute("DELETE FROM report_pages")
            db.executemany("INSERT INTO report_pages VALUES (?, ?, ?, ?)", rows)

    def update_report_lines(self, lines: dict[str, str]) -> None:
        """New reports.json lines of some reports, by source path."""
        if self._db is None:
            return
        with self._writing() as db:
            db.executemany("UPDATE report_pages SET line = ? WHERE path = ?",
                           [(line, path) for path, line in sorted(lines.items())])

    def save_shards(self, shards: list[tuple[Shard, str | None]]) -> None:
        """Every search bundle in order, as (search.Shard, its index as JSON, or None to
        keep the stored one)."""
        if self._db is None:
            return
        with self._writing() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS live_shards (name TEXT PRIMARY KEY)")
            db.execute("DELETE FROM live_shards")
            db.executemany("INSERT INTO live_shards VALUES (?)",
                           [(shard.name,) for shard, _ in shards])
            db.execute("DELETE FROM search_shards WHERE name NOT IN "
                       "(SELECT name FROM live_shards)")
            rows = [(shard.name, position, shard.group, shard.key,
                     json.dumps([str(page) for page in shard.pages], ensure_ascii=False), data)
                    for position, (shard, data) in enumerate(shards)]
            db.executemany("INSERT OR REPLACE INTO search_shards VALUES (?, ?, ?, ?, ?, ?)",
                           [row for row in rows if row[5] is not None])
            # A bundle kept as it was: its index stays; where it stands may have moved.
            db.executemany("UPDATE search_shards SET position = ?, grp = ?, key = ?, "
                           "pages = ? WHERE name = ?",
                           [(*row[1:5], row[0]) for row in rows if row[5] is None])

    def commit(self, generator: str, build_key: str, last_build: LastBuild,
               read_at_ns: int) -> list[Problem]:
        """Record a successful build, with everything saved since the cache was opened."""
        if self._db is None:
            return []
        with self._writing() as db:
            if self._unsaved is None:
                db.execute("DELETE FROM meta")
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("format", FORMAT), ("generator", generator), ("build", build_key),
                    ("last_build", last_build.to_json()), ("read_at_ns", str(read_at_ns))])
                db.commit()
        if self._unsaved is None:
            return []
        with suppress(sqlite3.Error):
            self._db.rollback()
        assert self.path is not None  # a cache with a database has a path
        return [Problem(self.path, 0, f"the build cache could not be saved ({self._unsaved}); "
                                      "the next build will do all the work again",
                        warning=True)]

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            raise CacheUnreadable("the cache is closed")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# An empty, `.` or `..` part anywhere (so also a leading `/`), or a NUL; with re.M, `^`
# and `$` also match at a line break, so paths joined by line breaks are searched at once.
_LEAVING = re.compile(r"(?:^|/)\.{0,2}(?:/|$)|\x00", re.M)


def _all_inside(paths: Iterable[object]) -> bool:
    """Whether every path is a str that stays inside the output: one search over them
    all, joined by line breaks, which costs a no-change rebuild of 40,000 files a few
    milliseconds where a search each took a tenth of a second. A line break inside a path
    only adds places where a part can start or end, so it can only find more."""
    try:
        joined = "\n".join(paths)  # type: ignore[arg-type]  # a non-str is refused below
    except TypeError:
        return False
    return _LEAVING.search(joined) is None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")  # a killed build leaves the last saved state
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
