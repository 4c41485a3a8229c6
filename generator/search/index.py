"""The search index: reports and pages as script files the search page loads by `<script>`.

Every indexed page (a document) gets a number, in the order results tie: reports newest
first, then pages. The index lists, for each token (fold.py), the documents that hold it:

- `search/meta.js`: how many documents and shards, the folding table for queries, and
  the filter values (region, tag, year) with their counts;
- `search/idx/NNNN.js`: the postings of the tokens whose hash falls in shard NNNN, for
  the body (the indexed text: title, tags, place, region and text), apart the title, and
  which of the body's documents hold the token FREQUENT times or more (a bit for each);
  filter values are listed as tokens `#region:…`, `#tag:…`, `#year:…`;
- `search/doc/NNNN.js`: the documents themselves (title, date, address, filters and their
  own text), DOCS_PER_FILE a file, loaded only for the results shown: the page folds the
  text there to check the query occurs in it and to cut an excerpt.

Each file calls `window.__iprSearch.<kind>(number, data)`, so the same files load from a
web server, under a subpath and from `file://` (where browsers refuse `fetch` but load
scripts). The data is JSON with `<`, U+2028 and U+2029 escaped: it stays data wherever
the script is read. A posting list is a string of gaps between document numbers, each a
base-32 number whose last digit is written from another alphabet than the others; the
frequent documents are a bit string over the body's list, six bits a character.

A change of one document's text changes only the shards of the tokens it gained or lost,
and its document file: `patch_index` rewrites those, from the files as they are, and
gives the bytes a build from scratch would.
"""
from __future__ import annotations

import base64
import gc
import json
import operator
import re
import zlib
from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from itertools import chain, repeat
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .. import urls
from ..digests import digest
from .fold import fold, fold_pairs, token_counts, tokens

if TYPE_CHECKING:
    from ..pages.plan import PagePlan

VERSION = 1
META = urls.SEARCH_META
ROOT = META.parent
DOCS_PER_FILE = 4
DOCS_PER_SHARD = 40  # about 40 KB a shard: a query of a few characters loads a few
MAX_SHARDS = 4096
FILTERS = ("region", "tag", "year")
FREQUENT = 3  # a document holding a token this often ranks before those that hold it less
_BITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"  # six bits each
_LAST = "0123456789abcdefghijklmnopqrstuv"  # the last digit of a gap
_MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"  # the digits before it
_DIGIT = {char: (value, False) for value, char in enumerate(_MORE)} | \
    {char: (value, True) for value, char in enumerate(_LAST)}


class IndexUnreadable(Exception):
    """An index file on disk is not what this module writes: build the index anew."""


@dataclass(frozen=True)
class SearchDoc:
    """One indexed page as the search page shows it."""

    url: str  # relative to the site root
    title: str
    date: str  # as the page shows it
    place: str
    region: tuple[str, ...]
    tags: tuple[str, ...]
    year: str
    text: str  # the body as a reader sees it, without markup
    source: str = ""  # the source's site, page title and section: a reader remembers them

    def indexed_text(self) -> str:
        """Everything a query is matched against, in the order the search page joins it."""
        return "\n".join((self.title, " ".join(self.tags), self.place, " ".join(self.region),
                          self.text, self.source))

    def row(self) -> list:
        return [self.url, self.title, self.date, self.place, list(self.region),
                list(self.tags), self.year, self.text, self.source]

    @classmethod
    def of_row(cls, row: list) -> SearchDoc:
        url, title, date, place, region, tags, year, text, source = row
        return cls(str(url), str(title), str(date), str(place), tuple(map(str, region)),
                   tuple(map(str, tags)), str(year), str(text), str(source))


@dataclass(frozen=True)
class Shard:
    """What the build cache keeps of the index: its key and its documents, in order (the
    cache's table has room for a shard list; the index is one)."""

    name: str
    group: str
    key: str
    pages: tuple[str, ...]  # output paths


# --- Text -----------------------------------------------------------------------------

_SKIPPED = re.compile(r"<(script|style|template)\b.*?</\1\s*>", re.S | re.I)
_BLOCK = re.compile(r"</?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|table|thead|tbody|tr|td|th|"
                    r"blockquote|pre|br|hr|section|figure|figcaption|details|summary)\b[^>]*>",
                    re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]*\n\s*|[ \t\r\f\v]+")


def html_text(html: str) -> str:
    """The text of rendered Markdown as a reader sees it: tags dropped (a block's end
    ends a line), entities read, runs of white space made one."""
    text = _TAG.sub("", _BLOCK.sub("\n", _SKIPPED.sub("", html)))
    text = _SPACES.sub(lambda m: "\n" if "\n" in m.group() else " ", unescape(text))
    return text.strip()


def doc_of(page: PagePlan, body_html: str) -> SearchDoc:
    """The document of a page that shows a report's or a page's Markdown."""
    from ..source.content import Report

    shown = page.body_of
    assert shown is not None
    text = html_text(body_html)
    if not isinstance(shown, Report):
        return SearchDoc(str(page.out_path), shown.title, "", "", (), (), "", text)
    year = dict(page.values).get("year")  # (the year's name, its page)
    source = shown.source
    found = " ".join(part for part in (source.site, source.page_title, source.section)
                     if part) if source is not None else ""
    return SearchDoc(str(page.out_path), shown.title, shown.date.chinese, shown.place or "",
                     (shown.region,) if shown.region else (), tuple(shown.tags),
                     str(year[0]) if isinstance(year, tuple) else "", text, found)


# --- Layout -----------------------------------------------------------------------------

def shard_count(documents: int) -> int:
    """Shards for an index of this many documents: a power of two, about DOCS_PER_SHARD
    documents' postings each."""
    count = 1
    while count * DOCS_PER_SHARD < documents and count < MAX_SHARDS:
        count *= 2
    return count


def shard_of(token: str, shards: int) -> int:
    """The shard of a token: a hash of its code points (static/search.js has the same)."""
    value = 0
    for char in token:
        value = (value * 31 + ord(char)) & 0xFFFFFFFF
    return value % shards


def shard_path(number: int) -> PurePosixPath:
    return ROOT / "idx" / f"{number:04d}.js"


def doc_path(number: int) -> PurePosixPath:
    return ROOT / "doc" / f"{number:05d}.js"


def index_key(pages: Iterable[tuple[str, str]]) -> str:
    """The key of every index file: the documents in order, with their pages' keys."""
    return digest("search index", str(VERSION), *(f"{path}={key}" for path, key in pages))


# --- Postings ---------------------------------------------------------------------------

_codes: list[str] = []


def _code(gap: int) -> str:
    digits = [_LAST[gap & 31]]
    gap >>= 5
    while gap:
        digits.append(_MORE[gap & 31])
        gap >>= 5
    return "".join(reversed(digits))


def _codes_up_to(top: int) -> None:
    """`_codes[gap]` is `_code(gap)` for every gap below `top`."""
    if len(_codes) < top:
        _codes.extend(_code(gap) for gap in range(len(_codes), top))


def encode(numbers: list[int]) -> str:
    """Ascending document numbers as a string of gaps (the first from -1)."""
    if not numbers:
        return ""
    _codes_up_to(numbers[-1] + 2)
    return "".join(map(_codes.__getitem__, map(operator.sub, numbers, chain((-1,), numbers))))


def decode(text: str) -> list[int]:
    numbers, last, value = [], -1, 0
    try:
        for char in text:
            digit, final = _DIGIT[char]
            value = value * 32 + digit
            if final:
                last += value
                numbers.append(last)
                value = 0
    except KeyError:
        raise IndexUnreadable(f"a posting list holds {char!r}") from None
    return numbers


def encode_bits(body: list[int], chosen: set[int]) -> str:
    """Which of `body`'s documents are `chosen`, a bit each in order, six to a character
    (the first the lowest), trailing zeros left out."""
    return bits_of_places([place for place, number in enumerate(body) if number in chosen])


def bits_of_places(places: list[int]) -> str:
    """The bit string with these places (ascending) of a list set: what `encode_bits`
    writes, from places the index already knows (see `_join_parts`)."""
    values = [0] * (places[-1] // 6 + 1 if places else 0)
    for place in places:
        values[place // 6] |= 1 << (place % 6)
    return "".join(_BITS[value] for value in values)


def decode_bits(body: list[int], text: str) -> list[int]:
    """The documents of `body` whose bit is set in `text`."""
    try:
        values = [_BITS.index(char) for char in text]
    except ValueError:
        raise IndexUnreadable(f"a bit string holds {text!r}") from None
    return [number for place, number in enumerate(body[:6 * len(values)])
            if values[place // 6] >> (place % 6) & 1]


def _entry(body: list[int], title: list[int] | None, frequent: list[int] | None = None
           ) -> str | list[str]:
    bits = encode_bits(body, set(frequent)) if frequent else ""
    if bits:
        return [encode(body), encode(title or []), bits]
    return [encode(body), encode(title)] if title else encode(body)


def _parts(entry: str | list[str]) -> tuple[list[int], list[int], list[int]]:
    """(body, title, frequent) of a token's entry in a shard."""
    if isinstance(entry, str):
        return decode(entry), [], []
    body = decode(entry[0])
    return body, decode(entry[1]), decode_bits(body, entry[2]) if len(entry) > 2 else []


def counted(folded: str) -> tuple[set[str], set[str]]:
    """The tokens of a folded text (fold.tokens), and those it holds FREQUENT times or
    more."""
    counts = token_counts(folded)
    return set(counts), {token for token, count in counts.items() if count >= FREQUENT}


# --- Files ------------------------------------------------------------------------------

def _json(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # Inside JSON strings only, so the values are the same: `<` can then never spell
    # `</script>` or `<!--`, and U+2028/U+2029 end a line in older JavaScript engines.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def script(kind: str, number: int, data: object) -> bytes:
    """A script file that hands `data` to the search page. Documents ("docs") are
    handed over compressed (raw DEFLATE, in base64: "docz"), as the browser's
    DecompressionStream reads them: the text of the archive is most of the index."""
    if kind == "docs":
        packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9)
        packed = packer.compress(_json(data).encode()) + packer.flush()
        return f'window.__iprSearch.docz({number},"{base64.b64encode(packed).decode()}");\n' \
            .encode()
    return f"window.__iprSearch.{kind}({number},{_json(data)});\n".encode()


_SCRIPT = re.compile(r"window\.__iprSearch\.(\w+)\((\d+),(.*)\);\n", re.S)


def read_script(data: bytes) -> tuple[str, int, object]:
    """(kind, number, data) of a file `script` wrote; raises IndexUnreadable."""
    try:
        match = _SCRIPT.fullmatch(data.decode("utf-8"))
        if match is None:
            raise ValueError("not an index script")
        kind, value = match.group(1), json.loads(match.group(3))
        if kind == "docz":
            kind, value = "docs", json.loads(zlib.decompress(base64.b64decode(value), -15))
        return kind, int(match.group(2)), value
    except (ValueError, TypeError, zlib.error) as exc:
        raise IndexUnreadable(str(exc)) from None


# A document ready for `build_index`: its fields (region and tags "\0"-joined), then its
# tokens and its title's, "\0"-joined, then those it holds FREQUENT times or more. Strings
# only: a build holds one for every page until the index is made, and a tuple of strings
# is no work for the garbage collector (a dataclass would be, on every pass: quadratic
# time at 30,000 reports).
Prepared = tuple[str, str, str, str, str, str, str, str, str, str, str, str]


def prepare(doc: SearchDoc) -> Prepared:
    """A document with its tokens, ready for `build_index`: the part of indexing that
    one document alone decides, done where the page is rendered (on every core)."""
    every, frequent = counted(fold(doc.indexed_text()))
    return (doc.url, doc.title, doc.date, doc.place, "\0".join(doc.region),
            "\0".join(doc.tags), doc.year, doc.text, doc.source,
            "\0".join(every), "\0".join(tokens(fold(doc.title))), "\0".join(frequent))


def _unprepared(ready: Prepared) -> SearchDoc:
    url, title, date, place, region, tags, year, text, source, _, _, _ = ready
    return SearchDoc(url, title, date, place, tuple(region.split("\0")) if region else (),
                     tuple(tags.split("\0")) if tags else (), year, text, source)


def build_index(docs: list[SearchDoc] | list[Prepared], shards: int | None = None,
                map_parts: Callable[[Callable[[int], Part], list[int]], list[Part]] | None
                = None, parts: int = 1) -> dict[PurePosixPath, bytes]:
    """Every file of the index of these documents (or prepared documents), numbered in
    this order. The documents are indexed in `parts` runs of consecutive numbers, each
    alone (`index_part`), then joined: `map_parts(func, starts)` may run them on other
    cores (forked after `docs` is made, so nothing big is sent to them); the bytes are
    the same however many parts and wherever they ran."""
    ready = [entry if isinstance(entry, tuple) else prepare(entry) for entry in docs]
    count = shard_count(len(ready)) if shards is None else shards
    size = -(-len(ready) // max(1, parts))
    size = max(DOCS_PER_FILE, -(-size // DOCS_PER_FILE) * DOCS_PER_FILE)
    starts = list(range(0, len(ready), size)) or [0]
    with _collector_off():
        made = (map_parts or _map)(lambda start: index_part(ready, start, start + size), starts)
        return _join_parts(ready, made, count)


def _map(func: Callable[[int], Part], starts: list[int]) -> list[Part]:
    return [func(start) for start in starts]


@contextmanager
def _collector_off() -> Iterator[None]:
    """Indexing makes millions of strings and lists and no reference cycles: the garbage
    collector's passes over them (and over everything else the build holds) would cost
    more than the index, and more than linearly with the archive's size."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The postings of documents start..stop-1: for each token, its first and last document
# and the gaps after the first as `encode` writes them, so that the parts' lists join
# into the whole list's without decoding; and the document files of those documents.
Postings = dict[str, tuple[int, int, str, int]]  # first, last, gaps, how many
# For each token some document of the part holds FREQUENT times or more: the places of
# those documents in the part's list of the token.
Frequent = dict[str, list[int]]
Part = tuple[Postings, Postings, Frequent, dict[PurePosixPath, bytes]]


def index_part(ready: list[Prepared], start: int, stop: int) -> Part:
    """The postings and document files of documents start..stop-1 (start a multiple of
    DOCS_PER_FILE) of `ready`."""
    assert start % DOCS_PER_FILE == 0
    stop = min(stop, len(ready))
    body: defaultdict[str, list[int]] = defaultdict(list)
    title: defaultdict[str, list[int]] = defaultdict(list)
    often: defaultdict[str, list[int]] = defaultdict(list)
    add_body, add_title, add = body.__getitem__, title.__getitem__, list.append
    for number in range(start, stop):
        entry = ready[number]
        listed, titled, region, tags, year = entry[9], entry[10], entry[4], entry[5], entry[6]
        if entry[11]:
            deque(map(add, map(often.__getitem__, entry[11].split("\0")), repeat(number)), 0)
        found = listed.split("\0") if listed else []
        # Filter values, as `#kind:value` tokens of their own.
        found += [f"#region:{r}" for r in region.split("\0")] if region else []
        found += [f"#tag:{t}" for t in tags.split("\0")] if tags else []
        found += [f"#year:{year}"] if year else []
        # The same as `for token in found: body[token].append(number)`, without a step of
        # the interpreter for each of the millions of postings.
        deque(map(add, map(add_body, found), repeat(number)), 0)
        if titled:
            deque(map(add, map(add_title, titled.split("\0")), repeat(number)), 0)
    _codes_up_to(stop + 1)
    files = {}
    for first in range(start, stop, DOCS_PER_FILE):
        rows = [_row(entry) for entry in ready[first:first + DOCS_PER_FILE]]
        files[doc_path(first // DOCS_PER_FILE)] = script("docs", first // DOCS_PER_FILE, rows)
    # Only documents that hold a token have a place in its list, so the frequent ones'
    # places are found in it; tokens no document holds often are most, and cost nothing.
    frequent = {token: [bisect_left(body[token], number) for number in numbers]
                for token, numbers in often.items()}
    return _pieces(body), _pieces(title), frequent, files


def _pieces(postings: dict[str, list[int]]) -> Postings:
    code = _codes.__getitem__
    return {token: (numbers[0], numbers[-1],
                    "".join(map(code, map(operator.sub, numbers[1:], numbers))), len(numbers))
            for token, numbers in postings.items()}


def _join_parts(ready: list[Prepared], parts: list[Part], count: int
                ) -> dict[PurePosixPath, bytes]:
    body: dict[str, list[tuple[int, int, str, int]]] = {}
    title: dict[str, list[tuple[int, int, str, int]]] = {}
    places: dict[str, list[int]] = {}  # of the frequent documents in the whole list
    files: dict[PurePosixPath, bytes] = {}
    for part_body, part_title, part_frequent, part_files in parts:
        for token, here in part_frequent.items():  # after the earlier parts' documents
            offset = sum(piece[3] for piece in body.get(token, ()))
            places.setdefault(token, []).extend(offset + place for place in here)
        for joined, part in ((body, part_body), (title, part_title)):
            for token, piece in part.items():
                pieces = joined.get(token)
                if pieces is None:
                    joined[token] = [piece]
                else:
                    pieces.append(piece)
        files.update(part_files)
    by_shard: list[dict[str, str | list[str]]] = [{} for _ in range(count)]
    for token, pieces in body.items():
        titled = title.get(token)
        often = places.get(token)
        if often:
            entry: str | list[str] = [_joined(pieces), _joined(titled) if titled else "",
                                      bits_of_places(often)]
        elif titled:
            entry = [_joined(pieces), _joined(titled)]
        else:
            entry = _joined(pieces)
        by_shard[shard_of(token, count)][token] = entry
    files.update((shard_path(n), script("shard", n, data)) for n, data in enumerate(by_shard))
    files[META] = meta_script([_unprepared(entry) for entry in ready], count)
    return dict(sorted(files.items()))


def _joined(pieces: list[tuple[int, int, str, int]]) -> str:
    """The posting list of the parts' pieces, as `encode` writes the whole list."""
    if len(pieces) == 1:
        first, _, rest, _ = pieces[0]
        return _code(first + 1) + rest
    out: list[str] = []
    last = -1
    for first, end, rest, _ in pieces:
        out += (_code(first - last), rest)
        last = end
    return "".join(out)


def _row(entry: Prepared) -> list:
    url, title, date, place, region, tags, year, text, source, _, _, _ = entry
    return [url, title, date, place, region.split("\0") if region else [],
            tags.split("\0") if tags else [], year, text, source]


def meta_script(docs: list[SearchDoc], shards: int) -> bytes:
    counts: dict[str, dict[str, int]] = {kind: {} for kind in FILTERS}
    for doc in docs:
        for kind, values in (("region", doc.region), ("tag", doc.tags),
                             ("year", (doc.year,) if doc.year else ())):
            for value in values:
                counts[kind][value] = counts[kind].get(value, 0) + 1
    return script("meta", VERSION, {
        "documents": len(docs), "shards": shards, "perFile": DOCS_PER_FILE,
        "fold": "".join(char + out for char, out in fold_pairs()),
        "filters": {kind: sorted(values.items()) for kind, values in counts.items()}})


def patch_index(read: Callable[[PurePosixPath], bytes], documents: int,
                edits: dict[int, tuple[SearchDoc, SearchDoc]]) -> dict[PurePosixPath, bytes]:
    """The index files that change when documents change text, {number: (old, new)},
    their title, filters and place kept: the same bytes `build_index` would give. `read`
    gives the bytes of a file of the index as it is; raises IndexUnreadable."""
    count = shard_count(documents)
    changes: defaultdict[int, list[tuple[str, int, bool, bool]]] = defaultdict(list)
    for number, (old, new) in sorted(edits.items()):
        if (old.url, old.title, old.place, old.tags, old.region, old.year, old.source) != \
                (new.url, new.title, new.place, new.tags, new.region, new.year, new.source):
            raise IndexUnreadable("only a document's text can be patched")
        (before, often_before), (after, often_after) = counted(fold(old.indexed_text())), \
            counted(fold(new.indexed_text()))
        for token in sorted((before ^ after) | (often_before ^ often_after)):
            changes[shard_of(token, count)].append((token, number, token in after,
                                                    token in often_after))
    files: dict[PurePosixPath, bytes] = {}
    for shard, edited in sorted(changes.items()):
        kind, _, data = read_script(read(shard_path(shard)))
        if kind != "shard" or not isinstance(data, dict):
            raise IndexUnreadable(f"{shard_path(shard)} is not a shard")
        for token, number, present, often in edited:
            entry = data.get(token, "")
            if not isinstance(entry, (str, list)) or not all(isinstance(p, str) for p in entry):
                raise IndexUnreadable(f"{shard_path(shard)} holds {token!r} as {entry!r}")
            numbers, title, frequent = _parts(entry)
            if present:
                numbers = sorted(set(numbers) | {number})
            else:
                numbers = [n for n in numbers if n != number]
            frequent = sorted((set(frequent) - {number}) | ({number} if often else set()))
            if numbers:
                data[token] = _entry(numbers, title, frequent)
            else:
                data.pop(token, None)
        files[shard_path(shard)] = script("shard", shard, data)
    for file in sorted({number // DOCS_PER_FILE for number in edits}):
        kind, _, rows = read_script(read(doc_path(file)))
        if kind != "docs" or not isinstance(rows, list):
            raise IndexUnreadable(f"{doc_path(file)} is not a document file")
        for number, (_, new) in edits.items():
            if number // DOCS_PER_FILE == file:
                rows[number % DOCS_PER_FILE] = new.row()
        files[doc_path(file)] = script("docs", file, rows)
    return files


def read_doc(read: Callable[[PurePosixPath], bytes], number: int) -> SearchDoc:
    """Document `number` as the index on disk holds it; raises IndexUnreadable."""
    kind, _, rows = read_script(read(doc_path(number // DOCS_PER_FILE)))
    try:
        assert kind == "docs" and isinstance(rows, list)
        return SearchDoc.of_row(rows[number % DOCS_PER_FILE])
    except (AssertionError, IndexError, ValueError, TypeError):
        raise IndexUnreadable(f"document {number} is not in the index") from None
