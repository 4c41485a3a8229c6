"""Reading a built index as static/search.js does, and the answers it should give,
found without it: a substring search over the folded texts."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

from generator.search.fold import fold, tokens
from generator.search.index import (
    DOCS_PER_FILE,
    META,
    SearchDoc,
    decode,
    doc_path,
    read_script,
    shard_of,
    shard_path,
)


def terms_of(query: str) -> list[str]:
    """The terms of a query: split at spaces, punctuation and symbols (\\s, \\p{P}, \\p{S})."""
    text = "".join(" " if c.isspace() or unicodedata.category(c)[0] in "PS" else c
                   for c in fold(query))
    return [t for t in dict.fromkeys(text.split()) if tokens(t)]


def expected(docs: list[SearchDoc], query: str) -> list[str]:
    """The documents holding every term of the query, by substring over folded text."""
    terms = terms_of(query)
    if not terms:
        return []
    return [doc.url for doc in docs
            if all(term in fold(doc.indexed_text()) for term in terms)]


def query_tokens(term: str) -> list[str]:
    """A term's tokens as search.js makes them: one character alone, else its pairs."""
    found: list[str] = []
    for match in re.finditer(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                             r"\uac00-\ud7af\U00020000-\U0003ffff]+)|[0-9a-z\u00df-\u024f]+",
                             term):
        run = match.group(1)
        if run is None:
            found.append(match.group())
        elif len(run) == 1:
            found.append(run)
        else:
            found += [run[i:i + 2] for i in range(len(run) - 1)]
    return list(dict.fromkeys(found))


class Index:
    """A built index read from disk, searched as the search page searches it."""

    def __init__(self, root: Path):
        self.root = root
        _, _, self.meta = read_script((root / META).read_bytes())

    def _shard(self, number: int) -> dict:
        return read_script((self.root / shard_path(number)).read_bytes())[2]  # type: ignore

    def postings(self, token: str) -> list[int]:
        entry = self._shard(shard_of(token, self.meta["shards"])).get(token, "")
        return decode(entry if isinstance(entry, str) else entry[0])

    def doc(self, number: int) -> SearchDoc:
        rows = read_script((self.root / doc_path(number // DOCS_PER_FILE)).read_bytes())[2]
        return SearchDoc.of_row(rows[number % DOCS_PER_FILE])  # type: ignore

    def search(self, query: str) -> list[str]:
        terms = terms_of(query)
        if not terms:
            return []
        found: set[int] | None = None
        for term in terms:
            for token in query_tokens(term):
                listed = set(self.postings(token))
                found = listed if found is None else found & listed
        docs = [self.doc(n) for n in sorted(found or ())]
        return [doc.url for doc in docs if all(t in fold(doc.indexed_text()) for t in terms)]

    def files(self) -> list[PurePosixPath]:
        return sorted(PurePosixPath(p.relative_to(self.root).as_posix())
                      for p in (self.root / META.parent).rglob("*.js"))


def rank_key(doc: SearchDoc, number: int, query: str) -> tuple:
    """Where a document holding the query ranks among those shown with it, as
    docs/search.md says, found without the index: its title holds every term first; then
    the most occurrences of its rarest term; then the shortest stretch of its text that
    holds every term; then newer (the lower number)."""
    terms = terms_of(query)
    text = fold(doc.indexed_text())
    hits = sorted((at, at + len(term), which) for which, term in enumerate(terms)
                  for at in _occurrences(text, term))
    span = min((max(end for _, end, _ in hits[i:j + 1]) - hits[i][0]
                for i in range(len(hits)) for j in range(i, len(hits))
                if {w for _, _, w in hits[i:j + 1]} == set(range(len(terms)))),
               default=len(text) + 1)
    return (not all(term in fold(doc.title) for term in terms),
            -min(text.count(term) for term in terms), span, number)


def _occurrences(text: str, term: str) -> list[int]:
    """Where `term` occurs in `text`, left to right, without overlap (as str.count counts)."""
    found, at = [], text.find(term)
    while at >= 0:
        found.append(at)
        at = text.find(term, at + len(term))
    return found


def ranked(docs: list[SearchDoc], query: str) -> list[str]:
    """expected(docs, query) in the order of rank_key, the documents numbered as a build
    numbers them (newest first, by their ISO dates): the order of results shown together."""
    found = set(expected(docs, query))
    in_order = sorted((d for d in docs if d.url in found), key=lambda d: d.date, reverse=True)
    return [doc.url for number, doc in sorted(enumerate(in_order),
                                              key=lambda pair: rank_key(pair[1], pair[0], query))]
