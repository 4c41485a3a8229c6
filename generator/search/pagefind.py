"""Full-text search: Pagefind's index of the built pages, and an offline fallback index.

`build_search_files` reads the rendered report and page HTML (the parts marked
`data-pagefind-body` in the templates) from a built site and returns every search file as
{output path: bytes}: Pagefind's bundles under `pagefind/` for readers on a web server
(one, or for a large archive one a year, listed in `search/shards.json` and merged by the
search page), and `search/fallback-index.js`, the same records as a script that
`static/search.js` searches with character bigrams when the site is opened from disk
(Pagefind needs HTTP). Pagefind has no incremental mode; a bundle a year means an edit
re-indexes one year's reports, and the rest is carried over.

Pagefind's Python API starts the pinned `pagefind_extended` binary (its extended build
segments Chinese) as a subprocess. It is given a folder a bundle, in one request: the API
reads one reply per tenth of a second, so a request per page would take 17 minutes for
10,000 reports. Pagefind 1.5.2 writes its filter lists in hash-map order, so the filter
files and the metadata that names them differ from run to run; `_normalise` sorts them
and names them by their content, which makes the bundle byte-identical for the same pages.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import tempfile
import types
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import urls
from ..digests import digest
from ..errors import Problem, error

PAGEFIND_VERSION = "1.5.2"  # keep in step with pyproject.toml
INSTALL_HINT = ("install it with `python3 -m pip install "
                f"'pagefind[extended]=={PAGEFIND_VERSION}'`, or build without search: "
                "`ipr-archive build --no-search` or `search: false` in site.yaml")
BUNDLE = urls.PAGEFIND.parent
FALLBACK = urls.SEARCH_FALLBACK
WORDS = urls.SEARCH_WORDS
SHARDS = urls.SEARCH_SHARDS
# The offline index is loaded whole by every reader who opens the search page from disk;
# past this size it is left out and the search page says so.
FALLBACK_LIMIT = 5_000_000
FALLBACK_GLOBAL = "IPR_SEARCH_FALLBACK"
FALLBACK_FIELDS = ("url", "title", "date", "place", "region", "tags", "year", "text")
# The UI bundles Pagefind writes beside its API; the search page has its own UI.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
           "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
           "pagefind-highlight.js")
_SIGNATURE = b"pagefind_dcd"
_CHINESE_WORD = re.compile("^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                           "\uf900-\ufaff]{2,6}$")
_SEGMENT_MARK = "\u200b"  # Pagefind joins the words it segmented with zero-width spaces


class SearchFailed(Exception):
    """Pagefind could not be run or gave something this generator cannot read."""


@dataclass(frozen=True)
class SearchRecord:
    """One indexed page as the offline index ships it."""

    url: str  # relative to the site root
    title: str
    date: str
    place: str
    region: tuple[str, ...]
    tags: tuple[str, ...]
    year: str
    text: str


@dataclass(frozen=True)
class Shard:
    """Pages indexed together into one Pagefind bundle. A large archive gets one bundle a
    year (and one for its pages), which the search page merges in the browser: an edit
    then re-indexes one year's reports, not the archive. The first shard's bundle is at
    pagefind/, the others in folders under it."""

    name: str  # "" for the bundle at pagefind/
    group: str  # a year's (the stem of its archive page), PAGES_SHARD, or "" for all pages
    key: str  # digest of everything its pages are made from: the same key, the same bundle
    pages: tuple[PurePosixPath, ...]

    @property
    def bundle(self) -> PurePosixPath:
        return BUNDLE / self.name if self.name else BUNDLE


@dataclass(frozen=True)
class ShardIndex:
    """What the files shared by all shards need of one: kept in the build cache, so that
    a shard that did not change is never read back."""

    records: tuple[SearchRecord, ...]
    words: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps([[[r.url, r.title, r.date, r.place, list(r.region), list(r.tags),
                             r.year, r.text] for r in self.records], list(self.words)],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ShardIndex:
        rows, words = json.loads(text)
        return cls(tuple(SearchRecord(str(u), str(t), str(d), str(p), tuple(r), tuple(g),
                                      str(y), str(x)) for u, t, d, p, r, g, y, x in rows),
                   tuple(str(w) for w in words))


@dataclass(frozen=True)
class SearchFiles:
    files: dict[PurePosixPath, bytes]  # the indexed shards' bundles, and the shared files
    indexes: dict[str, ShardIndex]  # of the shards indexed this time, by name
    pages: int  # pages in the index
    pagefind_bytes: int  # the bundles written this time, every file
    fallback_bytes: int  # the offline index, whether shipped or not
    fallback_shipped: bool


# One bundle serves an archive this size well; past it, each year gets its own.
SHARD_MIN_PAGES = 2000
PAGES_SHARD = "pages"


def shard_pages(indexed: list[tuple[PurePosixPath, str]]) -> list[tuple[str, str, tuple]]:
    """(shard name, group, its pages) for pages given as (output path, group) in the order
    results should tie: a report's group is its year, a page's PAGES_SHARD. The pages'
    shard, rarely edited, is the one at pagefind/ when there is one."""
    if len(indexed) < SHARD_MIN_PAGES:
        return [("", "", tuple(path for path, _ in indexed))]
    groups: dict[str, list[PurePosixPath]] = {}
    for path, group in indexed:
        groups.setdefault(group, []).append(path)
    primary = PAGES_SHARD if PAGES_SHARD in groups else next(iter(groups))
    return [("", primary, tuple(groups[primary]))] + [
        (group, group, tuple(pages)) for group, pages in groups.items() if group != primary]


def shard_key(name: str, pages: list[tuple[PurePosixPath, str]]) -> str:
    """A bundle's key, from its pages and their output keys: the same key, the same bundle."""
    return digest("search", PAGEFIND_VERSION, name, *(f"{path}={key}" for path, key in pages))


def shared_key(shards) -> str:
    """The key of the files all bundles share: it changes with any bundle's."""
    return digest("search files", *(f"{shard.name}={shard.key}" for shard in shards))


def file_keys(paths, shards, shared: str) -> dict[str, str]:
    """The cache key of each search file: its bundle's, or the shared files' key."""
    # Deepest bundle first: the one at pagefind/ holds the others' folders.
    bundles = sorted(((f"{shard.bundle}/", shard.key) for shard in shards),
                     key=lambda bundle: -len(bundle[0]))
    return {str(path): next((key for prefix, key in bundles if str(path).startswith(prefix)),
                            shared) for path in paths}


def tie_order(shards: list[Shard]) -> list[PurePosixPath]:
    """Every indexed page in the order results tie: reports (newest first), then pages."""
    return [page for shard in shards if shard.group != PAGES_SHARD for page in shard.pages] + \
        [page for shard in shards if shard.group == PAGES_SHARD for page in shard.pages]


def build_search_files(site_dir: Path, shards: list[Shard], to_index: set[str],
                       known: dict[str, ShardIndex], language: str,
                       fallback_limit: int | None = None) -> SearchFiles:
    """Index the shards named in `to_index` from the site built in `site_dir`, and make
    the files all shards share from those and the `known` indexes of the others. Raises
    SearchFailed when Pagefind is missing or fails."""
    fallback_limit = FALLBACK_LIMIT if fallback_limit is None else fallback_limit
    files: dict[PurePosixPath, bytes] = {}
    indexes: dict[str, ShardIndex] = {}
    pagefind_bytes = 0
    chosen = [shard for shard in shards if shard.name in to_index and shard.pages]
    whole = len([shard for shard in shards if shard.pages]) == 1
    for shard, bundle in zip(chosen, _index(site_dir, chosen, language, whole), strict=True):
        bundle = _normalise({path: data for path, data in bundle.items()
                             if str(path) not in _UNUSED})
        indexes[shard.name] = ShardIndex(tuple(fallback_records(bundle, list(shard.pages))),
                                         tuple(index_words(bundle)))
        files.update((shard.bundle / path, data) for path, data in bundle.items())
        pagefind_bytes += sum(len(data) for data in bundle.values())
    every = [indexes.get(shard.name) or known[shard.name] for shard in shards if shard.pages]
    by_url = {record.url: record for index in every for record in index.records}
    records = [by_url[str(page)] for page in tie_order(shards)]
    script = fallback_script(records)
    shipped = len(script) <= fallback_limit
    words = sorted({word for index in every for word in index.words})
    files[WORDS] = json.dumps(words, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    files[FALLBACK] = script if shipped else omitted_script(len(script), fallback_limit)
    files[SHARDS] = json.dumps({"bundles": [f"{shard.bundle}/" for shard in shards
                                            if shard.pages]}).encode("utf-8")
    return SearchFiles(files, indexes, len(records), pagefind_bytes, len(script), shipped)


def search_problem(config_path: Path, exc: SearchFailed) -> Problem:
    return error(config_path, 0, f"the search index could not be built: {exc}")


def index_words(bundle: dict[PurePosixPath, bytes]) -> list[str]:
    """The Chinese words of two to six characters Pagefind's index holds, sorted.

    Pagefind splits the text into words with its own dictionary when it indexes, but the
    browser splits a query with another (Intl.Segmenter), and where they disagree a word is
    lost: 泛珠三角 is indexed as 泛|珠三角 and queried as 泛|珠|三角, which finds nothing.
    search.js splits Chinese queries into these words instead (single characters need no
    list), so a query asks for exactly the words the index has.
    """
    words: set[str] = set()
    for path, data in bundle.items():
        if path.parts[0] == "index":
            chunk = _cbor_loads(_unpack(data, path))
            words.update(entry[0] for entry in chunk[0])  # [[word, pages, …], …]
    return sorted(word for word in words if _CHINESE_WORD.match(word))


# --- The offline index ---------------------------------------------------------------

def fallback_records(bundle: dict[PurePosixPath, bytes],
                     indexed: list[PurePosixPath]) -> list[SearchRecord]:
    """The pages Pagefind indexed, read back from its fragments: the same text, metadata
    and filters, in the order of `indexed`."""
    by_url = {}
    for path, data in bundle.items():
        if path.parts[0] == "fragment":
            fragment = json.loads(_unpack(data, path))
            by_url[fragment["url"].lstrip("/")] = fragment
    records = []
    for out_path in indexed:
        fragment = by_url.get(str(out_path))
        if fragment is None:
            raise SearchFailed(f"Pagefind did not index {out_path} — its template needs an "
                               "element marked data-pagefind-body")
        meta, filters = fragment.get("meta", {}), fragment.get("filters", {})
        records.append(SearchRecord(
            url=str(out_path), title=meta.get("title", ""), date=meta.get("date", ""),
            place=meta.get("place", ""), region=tuple(filters.get("region", ())),
            tags=tuple(filters.get("tag", ())), year=(filters.get("year") or [""])[0],
            text=fragment.get("content", "").replace(_SEGMENT_MARK, "")))
    return records


def fallback_script(records: list[SearchRecord]) -> bytes:
    """The offline index as a script that sets a global: `<script>` loads it from disk,
    where fetch() and modules may not. Rows are arrays in FALLBACK_FIELDS order."""
    rows = [[r.url, r.title, r.date, r.place, list(r.region), list(r.tags), r.year, r.text]
            for r in records]
    data = {"version": 1, "fields": list(FALLBACK_FIELDS), "records": rows}
    return _script(data)


def omitted_script(size: int, limit: int) -> bytes:
    """What stands in for an offline index too large to ship: the search page reads it and
    tells readers who opened the site from disk why there is no search."""
    return _script({"version": 1, "omitted": {"bytes": size, "limit": limit}})


def _script(data: dict) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # Inside JSON strings only, so the values are the same: `<` can then never spell
    # `</script>` or `<!--` wherever the script is inlined or read, and U+2028/U+2029 end a
    # line in older JavaScript engines.
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (f"// ipr-archive offline search index, written by the build.\n"
            f"window.{FALLBACK_GLOBAL} = {text};\n").encode()


# --- Running Pagefind ----------------------------------------------------------------

def _pagefind_language(language: str) -> str:
    """Pagefind wants an ISO 639-1 code: zh-CN is indexed as zh, with Chinese segmentation."""
    return language.split("-")[0].lower()


def _glob(indexed: list[PurePosixPath]) -> str:
    """One glob naming exactly the indexed pages: every report, and each page by name."""
    names = sorted({"reports/*.html" if path.parts[0] == "reports" else str(path)
                    for path in indexed})
    for name in names:
        if any(c in name for c in "{}[]*?,!\\") and name != "reports/*.html":
            raise SearchFailed(f"the page path {name} cannot be named in a Pagefind glob")
    return "{" + ",".join(names) + "}"


def _index(site_dir: Path, shards: list[Shard], language: str, whole: bool
           ) -> list[dict[PurePosixPath, bytes]]:
    """Each shard's Pagefind bundle, as {path in the bundle: bytes}. A shard that is the
    whole index (`whole`) is indexed in place; others are each given a folder of links to
    their pages (Pagefind indexes a folder), inside the staging folder so that the links
    are cheap and a killed build leaves none behind."""
    if not shards:
        return []
    with tempfile.TemporaryDirectory(prefix="ipr-archive-pagefind-") as scratch:
        runs = []
        for number, shard in enumerate(shards):
            bundle_dir = Path(scratch) / f"bundle-{number}"
            if whole:
                runs.append((site_dir, _glob(list(shard.pages)), bundle_dir))
                continue
            pages_dir = site_dir / f".shard-{number}"  # removed below, before the swap
            for page in shard.pages:
                target = pages_dir / page
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(site_dir / page, target)
                except OSError:
                    shutil.copyfile(site_dir / page, target)
            runs.append((pages_dir, _glob(list(shard.pages)), bundle_dir))
        try:
            _run_pagefind(runs, _pagefind_language(language))
        finally:
            for number in range(0 if whole else len(shards)):
                shutil.rmtree(site_dir / f".shard-{number}", ignore_errors=True)
        return [{PurePosixPath(path.relative_to(bundle_dir).as_posix()): path.read_bytes()
                 for path in sorted(bundle_dir.rglob("*")) if path.is_file()}
                for _, _, bundle_dir in runs]


def _run_pagefind(runs: list[tuple[Path, str, Path]], language: str) -> None:
    """Index each (folder, glob, bundle folder), one after another in one Pagefind."""
    # Loaded here: a rebuild that indexes nothing still needs this module's other parts,
    # and asyncio alone is a twentieth of a one-report rebuild.
    import asyncio
    import concurrent.futures

    try:
        import pagefind.service
        from pagefind.index import IndexConfig
        from pagefind.service import PagefindService
    except ImportError:
        raise SearchFailed(f"the pagefind package is not installed — {INSTALL_HINT}") from None
    _read_answers_at_once(pagefind.service)
    config = IndexConfig(force_language=language, keep_index_url=True)
    whole = False  # every bundle seen complete before the binary was stopped

    async def run() -> None:
        try:
            service = await PagefindService().launch()
        except (FileNotFoundError, PermissionError, OSError) as exc:
            raise SearchFailed(f"the Pagefind binary could not be started ({exc}) — "
                               f"{INSTALL_HINT}") from None
        process = service._backend  # pinned 1.5.2: the API waits forever if the binary dies
        nonlocal whole
        ok = False
        try:
            async def calls() -> None:
                for site_dir, glob, bundle_dir in runs:
                    index = await service.create_index(config)
                    await index.add_directory(str(site_dir), glob=glob)
                    await index.write_files(output_path=str(bundle_dir))

            work = asyncio.ensure_future(calls())
            exited = asyncio.ensure_future(process.wait())
            await asyncio.wait({work, exited}, return_when=asyncio.FIRST_COMPLETED)
            if work.done() and not work.exception():
                # Pagefind 1.5.2 answers "written" before its files are (Pagefind#1271):
                # give the writes time to land before the binary is stopped.
                whole = await _settled([bundle_dir for _, _, bundle_dir in runs])
            if not work.done():
                work.cancel()
                raise SearchFailed(f"the Pagefind binary stopped (exit status "
                                   f"{process.returncode}) — {INSTALL_HINT}")
            exited.cancel()
            try:
                work.result()
            except SearchFailed:
                raise
            except Exception as exc:  # Pagefind's own error replies arrive as Exception
                # a lost connection means the binary is stopping: let it finish
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 1)
                if process.returncode is not None:
                    raise SearchFailed(f"the Pagefind binary stopped (exit status "
                                       f"{process.returncode}: {exc}) — {INSTALL_HINT}") from None
                raise SearchFailed(f"Pagefind failed: {exc} — to build without search, use "
                                   "`ipr-archive build --no-search`") from None
            ok = True
        finally:
            if ok:
                await service.close()
            else:
                service._poll_task.cancel()
                if process.returncode is None:
                    process.kill()
                    await process.wait()

    # A thread of its own, so a caller with a running event loop (Playwright's sync API,
    # a server) can build too: asyncio.run refuses to run inside another loop.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pagefind") as pool:
        pool.submit(lambda: asyncio.run(run())).result()
    for _, _, bundle_dir in runs:
        entry = bundle_dir / "pagefind-entry.json"
        if not entry.is_file():
            raise SearchFailed(f"Pagefind wrote no index to {bundle_dir} — {INSTALL_HINT}")
        torn = None if whole else _torn(bundle_dir)
        if torn is not None:
            raise SearchFailed(f"Pagefind left {torn} incomplete (the machine may be "
                               "overloaded) — build again")
        version = json.loads(entry.read_text("utf-8")).get("version")
        if version != PAGEFIND_VERSION:
            raise SearchFailed(f"Pagefind {version} was run, but this generator reads the "
                               f"files of Pagefind {PAGEFIND_VERSION} — {INSTALL_HINT}")


def _read_answers_at_once(service: types.ModuleType) -> None:
    """Pagefind 1.5.2's service sleeps 0.1 s before each read of the binary's answers,
    three reads a bundle: 0.3 s of a small site's 0.75 s build, and half the test suite's
    time in Pagefind. The read waits for the answer anyway, so the sleep goes: the
    module's `asyncio` becomes a copy whose sleep only yields (the pin in pyproject.toml
    keeps this to the version read)."""
    import asyncio

    if getattr(service.asyncio, "yields_only", False):
        return
    quick = types.ModuleType("asyncio")
    quick.__dict__.update(vars(asyncio))

    async def sleep(delay: float, result: object = None) -> object:
        return await asyncio.sleep(0, result)

    quick.sleep = sleep  # type: ignore[attr-defined]
    quick.yields_only = True  # type: ignore[attr-defined]
    service.asyncio = quick  # type: ignore[attr-defined]


async def _settled(bundle_dirs: list[Path], patience: float = 10.0) -> bool:
    """Wait until every bundle is whole and no file in it grew over one short look
    (True), or `patience` seconds have passed (False)."""
    import asyncio

    def sizes() -> dict[Path, int]:
        return {path: path.stat().st_size for folder in bundle_dirs if folder.is_dir()
                for path in folder.rglob("*") if path.is_file()}

    waited, before = 0.0, sizes()
    while waited < patience:
        await asyncio.sleep(0.02)
        waited += 0.02
        now = sizes()
        if now == before and all(_torn(folder) is None for folder in bundle_dirs):
            return True
        before = now
    return False


def _torn(bundle_dir: Path) -> str | None:
    """The first file of a bundle that is not whole, or None: the entry must be JSON, and
    every compressed file must decompress to its end (gzip's trailer has its length)."""
    entry = bundle_dir / "pagefind-entry.json"
    try:
        json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return entry.name
    for path in sorted(bundle_dir.rglob("*")):
        if path.suffix.startswith((".pf_", ".pagefind")) and path.is_file():
            try:
                gzip.decompress(path.read_bytes())
            except (OSError, EOFError, zlib.error):
                return path.relative_to(bundle_dir).as_posix()
    return None


# --- Making Pagefind's bundle deterministic ------------------------------------------

def _normalise(bundle: dict[PurePosixPath, bytes]) -> dict[PurePosixPath, bytes]:
    """Sort the filter values and the filter list, and name the rewritten filter and
    metadata files by their content, so the same pages always give the same bytes."""
    bundle = dict(bundle)
    entry_path = PurePosixPath("pagefind-entry.json")
    entry = json.loads(bundle[entry_path])
    for language, info in sorted(entry["languages"].items()):
        meta_path = PurePosixPath(f"pagefind.{info['hash']}.pf_meta")
        meta = _cbor_loads(_unpack(bundle.pop(meta_path), meta_path))
        # [version, pages, index chunks, filters [[name, hash]], sorts, meta fields]
        filters = []
        for name, old_hash in meta[3]:
            old_path = PurePosixPath("filter", f"{old_hash}.pf_filter")
            filter_name, values = _cbor_loads(_unpack(bundle.pop(old_path), old_path))
            payload = _cbor_dumps([filter_name, sorted(values, key=lambda v: v[0])])
            new_hash = f"{language}_{_hex(payload, 7)}"
            bundle[PurePosixPath("filter", f"{new_hash}.pf_filter")] = _pack(payload)
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        payload = _cbor_dumps(meta)
        info["hash"] = f"{language}_{_hex(payload, 10)}"
        bundle[PurePosixPath(f"pagefind.{info['hash']}.pf_meta")] = _pack(payload)
    bundle[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return dict(sorted(bundle.items()))


def _hex(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def _unpack(data: bytes, path: PurePosixPath) -> bytes:
    raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    if not raw.startswith(_SIGNATURE):
        raise SearchFailed(f"pagefind/{path} is not a Pagefind {PAGEFIND_VERSION} file")
    return raw[len(_SIGNATURE):]


def _pack(payload: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + payload, compresslevel=9, mtime=0)


# A CBOR codec for the few types Pagefind's metadata uses (RFC 8949, definite lengths):
# unsigned and negative integers, byte and text strings, arrays, maps, false/true/null.

def _cbor_loads(data: bytes):
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise SearchFailed("unexpected bytes after a Pagefind CBOR value")
    return value


def _cbor_item(data: bytes, at: int):
    head = data[at]
    major, info = head >> 5, head & 31
    at += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[at:at + size], "big")
        at += size
    else:
        raise SearchFailed("a Pagefind file uses a CBOR form this generator does not read")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major == 2:
        return bytes(data[at:at + arg]), at + arg
    if major == 3:
        return data[at:at + arg].decode("utf-8"), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = _cbor_item(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, at = _cbor_item(data, at)
            value, at = _cbor_item(data, at)
            pairs.append((key, value))
        return _CborMap(pairs), at
    if major == 7 and arg in (20, 21, 22):
        return {20: False, 21: True, 22: None}[arg], at
    raise SearchFailed("a Pagefind file uses a CBOR form this generator does not read")


class _CborMap(list):
    """A CBOR map kept as its (key, value) pairs, in the order written."""


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise SearchFailed("a number too large for CBOR")


def _cbor_dumps(value) -> bytes:
    if value is None or isinstance(value, bool):
        return bytes([0xf6 if value is None else 0xf5 if value else 0xf4])
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        encoded = value.encode("utf-8")
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, _CborMap):
        return _cbor_head(5, len(value)) + b"".join(
            _cbor_dumps(k) + _cbor_dumps(v) for k, v in value)
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_dumps(v) for v in value)
    raise SearchFailed(f"cannot write {type(value).__name__} as CBOR")
