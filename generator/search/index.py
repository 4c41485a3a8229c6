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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from itertools import chain
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .. import urls
from ..digests import digest_of
from .fold import fold, fold_pairs, token_counts, tokens

if TYPE_CHECKING:
    from ..pages.plan import PagePlan
    from .postings import Keys

VERSION = 1
META = urls.SEARCH_META
ROOT = META.parent
DOCS_PER_FILE = 4
DOCS_PER_SHARD = 40  # about 40 KB a shard: a query of a few characters loads a few
MAX_SHARDS = 4096
FILTERS = ("region", "tag", "year")
FREQUENT = 3  # a document holding a token this often ranks before those that hold it less
PREPARED_AT_ONCE = 256  # documents whose tokens are counted together (`prepare`)
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
# A line break with the white space around it, or a run of spaces: each alternative
# starts with a character the engine can look for (as `[ \t…]*\n\s*` did not: half the
# time of indexing a page's text).
_SPACES = re.compile(r"\n\s*|[ \t\r\f\v]+(?:\n\s*)?")


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


_SHARD_FILE = "idx/{:04d}.js"
_DOC_FILE = "doc/{:05d}.js"


def shard_path(number: int) -> PurePosixPath:
    return ROOT / _SHARD_FILE.format(number)


def doc_path(number: int) -> PurePosixPath:
    return ROOT / _DOC_FILE.format(number)


def index_files(documents: int) -> list[str]:
    """Every file of the index of this many documents, by output path (as strings: a
    body edit names thousands, and pathlib's joins cost more than the rest of its
    patch)."""
    return [str(META), *(f"{ROOT}/{_SHARD_FILE.format(n)}" for n in range(shard_count(documents))),
            *(f"{ROOT}/{_DOC_FILE.format(n)}" for n in range(-(-documents // DOCS_PER_FILE)))]


def index_key(pages: Iterable[tuple[str, str]]) -> str:
    """The key of every index file: the documents in order, with their pages' keys."""
    return digest_of(chain(("search index", str(VERSION)), map("=".join, pages)))


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
    gaps = list(map(operator.sub, numbers, chain((-1,), numbers)))
    top = max(gaps) + 1
    if top > len(_codes) and top > 4 * len(gaps) + 1024:
        # A few gaps, one of them long: each written alone costs less than a table up to
        # it (a body edit's patch, in a process of its own, encodes a few short lists).
        return "".join(map(_code, gaps))
    _codes_up_to(top)
    return "".join(map(_codes.__getitem__, gaps))


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
    places = [place for place, number in enumerate(body) if number in chosen]
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


def _entry(body: list[int], title: list[int], frequent: list[int]) -> str | list[str]:
    return _entry_of(encode(body), encode(title),
                     encode_bits(body, set(frequent)) if frequent else "")


def _parts(entry: str | list[str]) -> tuple[list[int], list[int], list[int]]:
    """(body, title, frequent) of a token's entry in a shard."""
    if isinstance(entry, str):
        return decode(entry), [], []
    body = decode(entry[0])
    return body, decode(entry[1]), decode_bits(body, entry[2]) if len(entry) > 2 else []


def counted(text: str) -> tuple[set[str], set[str]]:
    """The tokens of a text, folded (fold.tokens), and those it holds FREQUENT times or
    more."""
    counts = token_counts(fold(text))
    return set(counts), {token for token, count in counts.items() if count >= FREQUENT}


# --- Files ------------------------------------------------------------------------------

def _json(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # Inside JSON strings only, so the values are the same: `<` can then never spell
    # `</script>` or `<!--`, and U+2028/U+2029 end a line in older JavaScript engines.
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def script(kind: str, number: int, data: object) -> bytes:
    """A script file that hands `data` to the search page. Documents ("docs") are
    handed over compressed (see `_doc_script`)."""
    if kind == "docs":
        return _doc_script(number, _json(data).encode())
    return f"window.__iprSearch.{kind}({number},{_json(data)});\n".encode()


def _doc_script(number: int, data: bytes) -> bytes:
    """The script of document file `number`, its rows as JSON (UTF-8), handed over
    compressed (raw DEFLATE, in base64: "docz"), as the browser's DecompressionStream
    reads them: the text of the archive is most of the index."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9)
    packed = packer.compress(data) + packer.flush()
    return f'window.__iprSearch.docz({number},"{base64.b64encode(packed).decode()}");\n' \
        .encode()


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


# A document ready for the index (`Indexer.add`): its row of the document file, as JSON
# (UTF-8); its region and tags ("\0"-joined) and year; its CJK tokens as numbers
# (postings.counted_tokens: uint64, ascending) and a byte for each, 1 if it holds the token
# FREQUENT times or more; its words and those it holds FREQUENT times or more, "\0"-joined;
# its title's tokens, "\0"-joined (a title is a few: strings cost less than the arrays'
# set-up). Strings and bytes only: cheap to send from the core that rendered the page, and
# no work for the garbage collector.
Prepared = tuple[bytes, str, str, str, bytes, bytes, str, str, str]


def prepare(docs: Sequence[SearchDoc]) -> list[Prepared]:
    """Documents with their tokens, ready for `Indexer.add`: the part of indexing that
    each document alone decides, done where its page is rendered (on every core), a
    chunk of pages at a time."""
    from .postings import counted_tokens

    ready = []
    for start in range(0, len(docs), PREPARED_AT_ONCE):
        batch = docs[start:start + PREPARED_AT_ONCE]
        for doc, (codes, often, words) in zip(batch, counted_tokens(
                [doc.indexed_text() for doc in batch], FREQUENT), strict=True):
            ready.append((_json(doc.row()).encode(), "\0".join(doc.region),
                          "\0".join(doc.tags), doc.year, codes, often, "\0".join(words),
                          "\0".join(word for word, n in words.items() if n >= FREQUENT),
                          "\0".join(sorted(tokens(fold(doc.title))))))
    return ready


Files = dict[PurePosixPath, bytes]
# What the shards and meta take of a document: its region, tags, year, words, words held
# often and title's tokens, as Prepared has them.
_Fields = tuple[str, str, str, str, str, str]


class Indexer:
    """The index of `documents` documents, made from them as they are prepared, in any
    order: `add` each (numbered in the order results tie), then `files`. What a document
    decides alone is done as it comes, which in a build is while the other cores still
    render: its CJK tokens join one array (postings.Keys), and its row waits only for the
    others of its document file, which is then made. The files are the same whatever the
    order."""

    def __init__(self, documents: int, shards: int | None = None) -> None:
        from .postings import Keys

        self.documents = documents
        self.shards = shard_count(documents) if shards is None else shards
        self._keys = Keys(documents)
        self._fields: list[_Fields | None] = [None] * documents
        self._rows: dict[int, list[bytes]] = {}  # of the document files not yet made
        self._files: Files = {}

    def add(self, number: int, ready: Prepared) -> None:
        row, region, tags, year, codes, often, words, frequent, titled = ready
        if self._fields[number] is not None:
            raise ValueError(f"document {number} is in the index already")
        self._fields[number] = (region, tags, year, words, frequent, titled)
        self._keys.add(number, codes, often)
        file, place = divmod(number, DOCS_PER_FILE)
        rows = self._rows.setdefault(
            file, [b""] * min(DOCS_PER_FILE, self.documents - file * DOCS_PER_FILE))
        rows[place] = row
        if all(rows):
            del self._rows[file]
            self._files[doc_path(file)] = _doc_script(file, b"[" + b",".join(rows) + b"]")

    def missing(self) -> list[int]:
        """The documents not added yet."""
        return [number for number, fields in enumerate(self._fields) if fields is None]

    def made(self) -> Files:
        """The files done and not yet taken: the document files whose documents have all
        been added."""
        files, self._files = self._files, {}
        return files

    def files(self) -> Files:
        """Every file of the index not yet taken (`made`); once every document is
        added, and once."""
        fields = [entry for entry in self._fields if entry is not None]
        if len(fields) < self.documents:
            raise ValueError(f"documents {self.missing()[:5]} are not in the index yet")
        with _collector_off():
            files = self.made() | _shard_files(self._keys, fields, self.shards)
            files[META] = meta_script(fields, self.shards)
            return dict(sorted(files.items()))


def build_index(docs: Sequence[SearchDoc], shards: int | None = None) -> Files:
    """Every file of the index of these documents, numbered in this order."""
    indexer = Indexer(len(docs), shards)
    for number, ready in enumerate(prepare(docs)):
        indexer.add(number, ready)
    return indexer.files()


def _shard_files(keys: Keys, fields: list[_Fields], count: int) -> Files:
    """The shards of the index, `count` of them: the documents' CJK tokens from `keys`,
    the rest from their fields."""
    from .postings import shards_of_codes, token_of

    by_shard: list[dict[str, str | list[str]]] = [{} for _ in range(count)]
    # CJK tokens, all documents' at once, as numbers.
    codes, lists, bits = keys.postings()
    # Words, filter values and titles' tokens, a few a document, as strings.
    body, title, frequent = _postings_of_words(fields)
    for code, shard, listed, marked in zip(codes, shards_of_codes(codes, count), lists, bits,
                                           strict=True):
        token = token_of(code)
        by_shard[shard][token] = _entry_of(listed, encode(title.get(token, [])), marked)
    for token, numbers in body.items():
        often = frequent.get(token)
        by_shard[shard_of(token, count)][token] = _entry_of(
            encode(numbers), encode(title.get(token, [])),
            encode_bits(numbers, set(often)) if often else "")
    return {shard_path(n): script("shard", n, data) for n, data in enumerate(by_shard)}


@contextmanager
def _collector_off() -> Iterator[None]:
    """Indexing makes millions of strings and no reference cycles: the garbage
    collector's passes over them (and over everything else the build holds) would cost
    more than the index, and more than linearly with the archive's size."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _postings_of_words(fields: list[_Fields]) -> tuple[
        dict[str, list[int]], dict[str, list[int]], dict[str, list[int]]]:
    """The documents holding each word or filter value, those whose title holds a token,
    and those holding a word often."""
    body: defaultdict[str, list[int]] = defaultdict(list)
    title: defaultdict[str, list[int]] = defaultdict(list)
    often: defaultdict[str, list[int]] = defaultdict(list)
    for number, (region, tags, year, words, frequent, titled) in enumerate(fields):
        found = words.split("\0") if words else []
        # Filter values, as `#kind:value` tokens of their own.
        found += [f"#{kind}:{value}" for kind, value in _filter_values(region, tags, year)]
        for kind, listed in ((body, found), (title, titled.split("\0") if titled else ()),
                             (often, frequent.split("\0") if frequent else ())):
            for token in listed:
                kind[token].append(number)
    return body, title, often


def _filter_values(region: str, tags: str, year: str) -> list[tuple[str, str]]:
    """(filter, value) of a document's region, tags ("\0"-joined) and year."""
    return [*(("region", r) for r in region.split("\0") if region),
            *(("tag", t) for t in tags.split("\0") if tags),
            *((("year", year),) if year else ())]


def _entry_of(listed: str, titled: str, bits: str) -> str | list[str]:
    """A token's entry in its shard: its posting list; its title's if any; its frequent
    documents' bits if any."""
    if bits:
        return [listed, titled, bits]
    return [listed, titled] if titled else listed


def meta_script(fields: list[_Fields], shards: int) -> bytes:
    counts: dict[str, dict[str, int]] = {kind: {} for kind in FILTERS}
    for region, tags, year, *_ in fields:
        for kind, value in _filter_values(region, tags, year):
            counts[kind][value] = counts[kind].get(value, 0) + 1
    return script("meta", VERSION, {
        "documents": len(fields), "shards": shards, "perFile": DOCS_PER_FILE,
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
        (before, often_before), (after, often_after) = counted(old.indexed_text()), \
            counted(new.indexed_text())
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
