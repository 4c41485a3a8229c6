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
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from ..source.content import Page, Report, Source
from ..source.dates import PartialDate
from ..errors import Problem

if TYPE_CHECKING:
    from ..pages.markup import Rendered

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


class CacheUnreadable(Exception):
    pass


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


class BuildCache:
    """Read once at the start of a build, written once at the end of a successful one."""

    def __init__(self, path: Path | None, connection: sqlite3.Connection | None,
                 sources: dict[str, tuple[str, str]] | None, outputs: dict[str, Output],
                 last_build: dict | None = None, read_at_ns: int = 0):
        self.path = path
        self._db = connection
        self._sources = sources  # None: not read yet (a build that changes nothing never does)
        self._states: dict[str, SourceState] | None = None
        self.outputs = outputs  # output path -> Output
        # The last build's input digest, page count and source warnings, when it was made
        # by this generator with these settings for this output.
        self.last_build = last_build or {}
        # When the last build began reading its sources (time.time_ns()); a file whose
        # mtime is near or after it may have changed within one tick of the file system's
        # clock since, so its size and mtime prove nothing (git's "racy clean" case).
        self.read_at_ns = read_at_ns

    @classmethod
    def disabled(cls) -> "BuildCache":
        return cls(None, None, {}, {})

    @classmethod
    def open(cls, site_root: Path, generator: str,
             build_key: str) -> tuple["BuildCache", list[Problem]]:
        """Open the site's cache. What another generator parsed is not reused, and pages
        are reused only by a build of the same `build_key` (generator, settings, output)."""
        path = site_root / CACHE_PATH
        problems = []
        if path.exists():
            try:
                return cls._read(path, generator, build_key), []
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
    def fresh(cls, site_root: Path) -> "BuildCache":
        """An empty cache in place of whatever was there."""
        path = site_root / CACHE_PATH
        _remove_database(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _connect(path)
        db.executescript(_SCHEMA)
        return cls(path, db, {}, {})

    @classmethod
    def _read(cls, path: Path, generator: str, build_key: str) -> "BuildCache":
        db = _connect(path)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != FORMAT:
                raise CacheUnreadable(f"format {meta.get('format')!r}, not {FORMAT!r}")
            same_generator = meta.get("generator") == generator
            sources = None if same_generator else {}
            read_at_ns = int(meta.get("read_at_ns", 0)) if same_generator else 0
            outputs = {}
            last_build = {}
            if meta.get("build") == build_key:  # otherwise no earlier page can be reused
                outputs = {p: Output(k, s, m) for p, k, s, m in db.execute(
                    "SELECT path, key, size, mtime_ns FROM outputs")}
                # Paths are joined to the output folder and hard-linked from it: one that
                # could leave it (`..`, absolute) means the cache was tampered with.
                if not all(_inside(path) for path in outputs):
                    raise CacheUnreadable("an output path outside the output directory")
                last_build = json.loads(meta.get("last_build", "{}"))
                if not isinstance(last_build, dict):
                    raise CacheUnreadable("a damaged summary of the last build")
        except BaseException:
            db.close()
            raise
        return cls(path, db, sources, outputs, last_build, read_at_ns)

    @property
    def sources(self) -> dict[str, SourceRow]:
        """{relative source path: SourceRow} of what was parsed before."""
        if self._sources is None:
            try:
                self._sources = {row[0]: SourceRow(*row[1:]) for row in self._db.execute(
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
                                    self._db.execute("SELECT path, digest, size, mtime_ns, "
                                                     "ino FROM sources")}
                except (sqlite3.Error, ValueError, TypeError):
                    self._states = {}
        return self._states

    def records(self, paths: set[str]) -> dict[str, str]:
        """The records of these sources, without loading all of them."""
        return dict(self._select("SELECT path, record FROM sources", "path", paths))

    def report_contexts(self, paths: set[str]) -> dict[str, str]:
        """For these reports' sources, the context of their pages (see delta.py)."""
        return dict(self._select("SELECT path, context FROM report_pages", "path", paths))

    def shard_indexes(self, keys: dict[str, str]) -> dict:
        """The search.ShardIndex of each shard named in `keys` whose stored key matches."""
        from ..search.pagefind import ShardIndex

        if self._db is None or not keys:
            return {}
        found = {}
        try:
            for name, key, data in self._select("SELECT name, key, data FROM search_shards",
                                                "name", set(keys)):
                if key == keys[name]:
                    found[name] = ShardIndex.from_json(data)
        except (CacheUnreadable, ValueError, TypeError):
            return {}  # index those shards again
        return found

    def search_shards(self) -> list:
        """Every search.Shard of the last build, in order, as it was keyed then; empty if
        the cache cannot say."""
        from ..search.pagefind import Shard

        if self._db is None:
            return []
        try:
            return [Shard(str(name), str(group), str(key),
                          tuple(PurePosixPath(page) for page in json.loads(pages)))
                    for name, group, key, pages in self._db.execute(
                        "SELECT name, grp, key, pages FROM search_shards ORDER BY position")]
        except (sqlite3.Error, ValueError, TypeError):
            return []

    def report_lines(self) -> list[tuple[str, str]]:
        """(source path, reports.json line) of every published report, in archive order."""
        try:
            return [(str(p), str(line)) for p, line in self._db.execute(
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

    def add_bodies(self, bodies: dict[str, tuple[bytes, str]]) -> None:
        """Store rendered bodies now; they are committed with the rest by save(), or not at
        all if the build fails. A cache that cannot take them costs only speed."""
        if self._db is None:
            return
        try:
            self._db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                                 [(key, *packed) for key, packed in sorted(bodies.items())])
        except sqlite3.Error:
            pass  # save() reports a cache that cannot be written

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
            return {}  # render them again; save() will rebuild the table
        return found

    def save(self, generator: str, build_key: str, last_build: dict, read_at_ns: int,
             states: dict[str, SourceState] | None, records: dict[str, str] | None,
             new_bodies: dict[str, tuple[bytes, str]], live_bodies: set[str] | None,
             outputs: dict[str, Output],
             report_pages: list[tuple[str, int, str, str]] | None = None,
             new_lines: dict[str, str] | None = None,
             shards: list[tuple] | None = None) -> list[Problem]:
        """Record a successful build. A cache that cannot be written costs only speed.
        `live_bodies`: the rendered bodies still in use (None: keep them all);
        `report_pages`: every report page's row anew (None: keep them), `new_lines`:
        reports.json lines that changed; `shards`: every search shard in order, as
        (search.Shard, its index as JSON, or None to keep the stored one), or None to keep
        them all."""
        if self._db is None:
            return []
        try:
            with self._db:
                self._db.execute("DELETE FROM meta")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("format", FORMAT), ("generator", generator), ("build", build_key),
                    ("last_build", json.dumps(last_build, ensure_ascii=False, sort_keys=True)),
                    ("read_at_ns", str(read_at_ns))])
                if states is not None:  # else stage_sources() has done it
                    self._save_sources(states, records or {})
                self._replace("outputs", self.outputs, outputs,
                              lambda p, v: (p, v.key, v.size, v.mtime_ns))
                self._db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                                     [(key, *packed) for key, packed in sorted(new_bodies.items())])
                if live_bodies is not None:
                    self._forget_bodies_except(live_bodies)
                if report_pages is not None:
                    self._db.execute("DELETE FROM report_pages")
                    self._db.executemany("INSERT INTO report_pages VALUES (?, ?, ?, ?)",
                                         report_pages)
                if shards is not None:
                    self._save_shards(shards)
                self._db.executemany("UPDATE report_pages SET line = ? WHERE path = ?",
                                     [(line, path) for path, line in
                                      sorted((new_lines or {}).items())])
        except sqlite3.Error as exc:
            return [Problem(self.path, 0, f"the build cache could not be saved ({exc}); the "
                                          "next build will do all the work again", warning=True)]
        return []

    def stage_sources(self, states: dict[str, SourceState], records: dict[str, str]) -> None:
        """What save() would do with the sources, done now: the records (a tenth of a cold
        build's memory) need not be held until the end. Committed by save(), or not at all
        if the build fails."""
        if self._db is None:
            return
        try:
            self._save_sources(states, records)
        except sqlite3.Error:
            pass  # save() reports a cache that cannot be written

    def _save_sources(self, states: dict[str, SourceState], records: dict[str, str]) -> None:
        """`states`: every source that parsed cleanly, as read by this build; `records`: the
        records of those parsed anew. The others' rows keep their records and only have
        their states brought up to date, so a rebuild never loads what it did not parse."""
        if self._sources == {}:  # another generator's rows, or none: start over
            self._db.execute("DELETE FROM sources")
        old = self.file_states()
        self._db.executemany("DELETE FROM sources WHERE path = ?",
                             [(path,) for path in sorted(old.keys() - states.keys())])
        self._db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)", [
            (path, states[path].digest, record, *states[path][:3])
            for path, record in sorted(records.items())])
        self._db.executemany(
            "UPDATE sources SET size = ?, mtime_ns = ?, ino = ? WHERE path = ?",
            [(*state[:3], path) for path, state in sorted(states.items())
             if path not in records and old.get(path) != state])

    def _save_shards(self, shards: list[tuple]) -> None:
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live_shards (name TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM live_shards")
        self._db.executemany("INSERT INTO live_shards VALUES (?)",
                             [(shard.name,) for shard, _ in shards])
        self._db.execute("DELETE FROM search_shards WHERE name NOT IN "
                         "(SELECT name FROM live_shards)")
        rows = [(shard.name, position, shard.group, shard.key,
                 json.dumps([str(page) for page in shard.pages], ensure_ascii=False), data)
                for position, (shard, data) in enumerate(shards)]
        self._db.executemany("INSERT OR REPLACE INTO search_shards VALUES (?, ?, ?, ?, ?, ?)",
                             [row for row in rows if row[5] is not None])
        # A bundle kept as it was: its index stays; where it stands may have moved.
        self._db.executemany("UPDATE search_shards SET position = ?, grp = ?, key = ?, "
                             "pages = ? WHERE name = ?",
                             [row[1:5] + (row[0],) for row in rows if row[5] is None])

    def _replace(self, table: str, old: dict, new: dict, row) -> None:
        gone = [(path,) for path in old.keys() - new.keys()]
        self._db.executemany(f"DELETE FROM {table} WHERE path = ?", gone)
        changed = [row(path, value) for path, value in sorted(new.items())
                   if old.get(path) != value]
        if changed:
            marks = ",".join("?" * len(changed[0]))
            self._db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", changed)

    def _forget_bodies_except(self, live: set[str]) -> None:
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM live")
        self._db.executemany("INSERT INTO live VALUES (?)", [(k,) for k in live])
        self._db.execute("DELETE FROM bodies WHERE key NOT IN (SELECT key FROM live)")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def pack_body(body: Rendered) -> tuple[bytes, str]:
    """Rendered Markdown as stored: compressed, since it crosses from the worker processes
    and fills most of the cache (Chinese HTML shrinks about threefold)."""
    headings = json.dumps([[h.level, h.anchor, h.text] for h in body.headings],
                          ensure_ascii=False)
    return zlib.compress(body.html.encode("utf-8"), 1), headings


def unpack_body(html: bytes, headings: str) -> Rendered:
    from ..pages.markup import Heading, Rendered  # Markdown is loaded only by builds that render

    return Rendered(zlib.decompress(html).decode("utf-8"),
                    tuple(Heading(int(level), str(anchor), str(text))
                          for level, anchor, text in json.loads(headings)))


# An empty, `.` or `..` part anywhere (so also a leading `/`), or a NUL.
_LEAVING = re.compile(r"(?:^|/)\.{0,2}(?:/|$)|\x00")


def _inside(path: object) -> bool:
    return isinstance(path, str) and _LEAVING.search(path) is None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    db.execute("PRAGMA journal_mode=WAL")  # a killed build leaves the last saved state
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# Parsed reports and pages are cached as JSON records without their bodies: a page is
# re-rendered only when its file changed, and then the file is parsed anew.

def record_of(source: Report | Page, warnings: list[Problem]) -> str:
    if isinstance(source, Report):
        s = source.source
        fields = {
            "kind": "report", "slug": source.slug, "title": source.title,
            "date": _date_record(source.date),
            "place": source.place, "region": source.region, "tags": list(source.tags),
            "summary": source.summary, "draft": source.draft,
            "body_sha256": source.body_sha256, "as_found": list(source.as_found),
            "field_lines": [list(pair) for pair in source.field_lines],
            "source": None if s is None else [
                s.site, s.page_title, s.section, s.url,
                None if s.retrieved is None else _date_record(s.retrieved)],
        }
    else:
        fields = {"kind": "page", "slug": source.slug, "title": source.title,
                  "description": source.description, "draft": source.draft}
    fields["warnings"] = [[p.line, p.message] for p in warnings]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def source_of(record: str, path: Path, digest: str) -> tuple[Report | Page, list[Problem]]:
    """Rebuild a parsed source from its record; raises CacheUnreadable if it is damaged."""
    try:
        f = json.loads(record)
        warnings = [Problem(path, int(line), str(message), warning=True)
                    for line, message in f["warnings"]]
        if f["kind"] == "page":
            return Page(path, f["slug"], f["title"], None, f["description"], f["draft"],
                        digest), warnings
        s = f["source"]
        source = None if s is None else Source(
            s[0], s[1], s[2], s[3], None if s[4] is None else _date_of(s[4]))
        return Report(path, f["slug"], f["title"], _date_of(f["date"]), None, f["place"],
                      f["region"], tuple(f["tags"]), f["summary"], source, f["draft"],
                      tuple((str(k), int(v)) for k, v in f["field_lines"]), digest,
                      str(f["body_sha256"]),
                      as_found=tuple(str(e) for e in f["as_found"])), warnings
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CacheUnreadable(f"a damaged record for {path}: {exc}") from None


def _date_record(date: PartialDate) -> list:
    return [date.year, date.month, date.day, date.uncertain]


def _date_of(record: list) -> PartialDate:
    year, month, day, uncertain = record
    if not all(v is None or type(v) is int for v in (year, month, day)) or \
            type(uncertain) is not bool:
        raise ValueError(f"not a date: {record!r}")
    return PartialDate(year, month, day, uncertain)
