"""The build cache: what earlier builds parsed, rendered and wrote, so that a rebuild does
only the work its changes require.

Stored as SQLite under `.cache/` in the site root: plain rows of text and numbers, never
pickle. Everything in it is keyed by content digests; a cache that cannot be read, or was
written by another format or generator, is set aside with one warning and the build runs
as if there were none. The cache only ever saves work: a clean build gives the same bytes.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from .content import Page, Report, Source
from .dates import PartialDate
from .errors import Problem
from .markup import Heading, Rendered

CACHE_PATH = Path(".cache") / "ipr-archive" / "cache.sqlite"
FORMAT = "ipr-archive cache 3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, digest TEXT NOT NULL,
                                    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html BLOB NOT NULL,
                                   headings TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, key TEXT NOT NULL,
                                    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
"""


class CacheUnreadable(Exception):
    pass


@dataclass(frozen=True)
class Output:
    """A file an earlier build wrote: the key of its inputs, and how it looked on disk."""

    key: str
    size: int
    mtime_ns: int


class BuildCache:
    """Read once at the start of a build, written once at the end of a successful one."""

    def __init__(self, path: Path | None, connection: sqlite3.Connection | None,
                 sources: dict[str, tuple[str, str]] | None, outputs: dict[str, Output],
                 last_build: dict | None = None):
        self.path = path
        self._db = connection
        self._sources = sources  # None: not read yet (a build that changes nothing never does)
        self.outputs = outputs  # output path -> Output
        # The last build's input digest, page count and source warnings, when it was made
        # by this generator with these settings for this output.
        self.last_build = last_build or {}

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
            sources = None if meta.get("generator") == generator else {}
            outputs = {}
            last_build = {}
            if meta.get("build") == build_key:  # otherwise no earlier page can be reused
                outputs = {p: Output(k, int(s), int(m)) for p, k, s, m in db.execute(
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
        return cls(path, db, sources, outputs, last_build)

    @property
    def sources(self) -> dict[str, tuple[str, str]]:
        """{relative source path: (file digest, record JSON)} of what was parsed before."""
        if self._sources is None:
            try:
                self._sources = {p: (d, r) for p, d, r in self._db.execute(
                    "SELECT path, digest, record FROM sources")}
            except sqlite3.Error as exc:
                raise CacheUnreadable(str(exc)) from None
        return self._sources

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

    def save(self, generator: str, build_key: str, last_build: dict,
             sources: dict[str, tuple[str, str]],
             new_bodies: dict[str, tuple[bytes, str]], live_bodies: set[str],
             outputs: dict[str, Output]) -> list[Problem]:
        """Record a successful build. A cache that cannot be written costs only speed."""
        if self._db is None:
            return []
        try:
            with self._db:
                self._db.execute("DELETE FROM meta")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("format", FORMAT), ("generator", generator), ("build", build_key),
                    ("last_build", json.dumps(last_build, ensure_ascii=False, sort_keys=True))])
                self._replace("sources", self.sources, sources,
                              lambda p, v: (p, v[0], v[1]))
                self._replace("outputs", self.outputs, outputs,
                              lambda p, v: (p, v.key, v.size, v.mtime_ns))
                self._db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
                                     [(key, *packed) for key, packed in sorted(new_bodies.items())])
                self._forget_bodies_except(live_bodies)
        except sqlite3.Error as exc:
            return [Problem(self.path, 0, f"the build cache could not be saved ({exc}); the "
                                          "next build will do all the work again", warning=True)]
        return []

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
    return Rendered(zlib.decompress(html).decode("utf-8"),
                    tuple(Heading(int(level), str(anchor), str(text))
                          for level, anchor, text in json.loads(headings)))


def _inside(path: object) -> bool:
    return isinstance(path, str) and not path.startswith("/") and "\x00" not in path and \
        all(part not in ("", ".", "..") for part in path.split("/"))


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
