"""The postings of a whole archive, made with NumPy: what a build spends on search is
mostly here, done a whole array at a time rather than a step of the interpreter for
each character and each posting.

A report's CJK tokens (fold.py) are numbers here: a character is its code point, a pair
its first code point times PAIR plus its second (`token_of` reads one back).
`counted_tokens` folds texts through fold's table as an array and finds and counts their
tokens, a chunk of pages' texts at once; it is what the render step runs, where scans
made a Python string of every pair. `Keys` makes every token's posting list and `often`
bits with one sort: each (token, document, held often) is one 64-bit number, the token's
number above the document's and a bit, so sorting them lists each token's documents in
order; the gaps, their base-32 digits and the bits are then a few passes over the sorted
array, in runs of about CHUNK postings that end with a token's. The strings are the ones
index.py's `encode` and `encode_bits` write (tests/search/test_index.py checks every
token against postings made apart from the index).

Only a build that makes the index loads this module (and NumPy, about 70 ms): the short
path for a body edit patches the index with index.py's own strings.
"""
from __future__ import annotations

from collections import Counter
from functools import cache
from itertools import pairwise

import numpy as np

from .fold import _WORDS, CJK_RANGES, fold_pairs
from .index import _BITS, _LAST, _MORE

PAIR = 1 << 21  # a pair's number: its first code point times PAIR plus its second
# Postings a run of `Keys.postings` takes, about (whole tokens' only): its arrays, a few
# MB, are made again where the last run's were. (Runs of 2M postings made arrays the
# allocator took fresh from the kernel each time: twice the time, four times the faults.)
CHUNK = 1 << 17


@cache
def _is_cjk() -> np.ndarray:
    """Whether each code point is CJK, by its number."""
    table = np.zeros(0x110000, dtype=bool)
    for low, high in CJK_RANGES:
        table[low:high + 1] = True
    return table


@cache
def _folded() -> np.ndarray:
    """What each code point folds to, by its number: `fold`'s table as an array, which
    NumPy reads a whole text at a time (and a text's characters, mostly of one block, from
    a few nearby pages of it, where str.translate reads an object for each)."""
    table = np.arange(0x110000, dtype=np.uint32)
    pairs = fold_pairs()
    table[[ord(char) for char, _ in pairs]] = [ord(out) for _, out in pairs]
    return table


def counted_tokens(texts: list[str], often: int) -> list[tuple[bytes, bytes, Counter[str]]]:
    """The tokens of each text, folded: its CJK tokens as numbers, ascending, each once
    (uint64, as bytes), and a byte for each, 1 if the text holds it `often` times or
    more; its words, with how often it holds each."""
    return [(codes.tobytes(), (counts >= often).astype(np.uint8).tobytes(), words)
            for codes, counts, words in _counted(texts)]


_OWNER = 40  # a text's number in a batch is above this bit, its token's number below


def _counted(texts: list[str]) -> list[tuple[np.ndarray, np.ndarray, Counter[str]]]:
    """The tokens of each text, folded, as numbers, with how often it holds each; its
    words, with theirs. The texts are taken all at once, joined: the arrays' steps are
    then taken once for many texts, and the tables stay in the processor's cache while
    they are read (one text at a time between rendering pages, each took twice as long)."""
    joined = "\n".join(texts)  # a line break is no token's: a pair never spans two texts
    points = _folded()[np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")]
    folded = points.tobytes().decode("utf-32-le", "surrogatepass")
    lengths = [len(text) + 1 for text in texts]
    words, at = [], 0
    for length in lengths:
        words.append(Counter(_WORDS.findall(folded, at, at + length - 1)))
        at += length
    cjk = _is_cjk()[points]
    both = cjk[:-1] & cjk[1:]  # pairs: a character and the next are CJK
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64) << np.uint64(_OWNER),
                      lengths)[:len(points)]
    wide = points.astype(np.uint64)
    found = np.concatenate((owner[cjk] | wide[cjk],
                            owner[:-1][both] | (wide[:-1][both] * PAIR + wide[1:][both])))
    found.sort()
    starts = np.flatnonzero(np.concatenate(([True], found[1:] != found[:-1]))) \
        if len(found) else np.zeros(0, dtype=np.int64)
    counts = np.diff(starts, append=len(found))
    found = found[starts]
    bounds = np.searchsorted(found >> np.uint64(_OWNER),
                             np.arange(len(texts) + 1, dtype=np.uint64)).tolist()
    found &= np.uint64((1 << _OWNER) - 1)
    return [(found[begin:end], counts[begin:end], counted)
            for (begin, end), counted in zip(pairwise(bounds), words, strict=True)]


def token_of(code: int) -> str:
    """The token a number of `counted_tokens` stands for."""
    return chr(code) if code < PAIR else chr(code // PAIR) + chr(code % PAIR)


_LAST_BYTES = np.frombuffer(_LAST.encode(), dtype=np.uint8)
_MORE_BYTES = np.frombuffer(_MORE.encode(), dtype=np.uint8)
_BITS_BYTES = np.frombuffer(_BITS.encode(), dtype=np.uint8)


class Keys:
    """Every (token, document, held often) of an index, each one 64-bit number: the
    token's number above the document's and a bit, so that sorting them lists each token's
    documents in order. Documents are added as they come, in any order (`add`); `postings`
    sorts them once and makes every token's posting list and `often` bits with a few
    passes of NumPy: a step of the interpreter for each of the millions of postings is
    what this saves."""

    def __init__(self, documents: int) -> None:
        # A pair's number is below 2**39 (PAIR times a code point below 0x40000): the
        # document's number and a bit for "often" fit in the 25 bits below it.
        self.shift = max(1, documents.bit_length()) + 1
        if self.shift > 25:
            raise ValueError(f"{documents} documents are too many for one index")
        # One array, grown as needed: large, so NumPy asks the kernel for huge pages, and
        # memory a process touches the first time costs more here than the arithmetic.
        self._keys = np.empty(1 << 20, dtype=np.uint64)
        self._used = 0

    def add(self, number: int, codes: bytes, often: bytes) -> None:
        """Document `number`'s CJK tokens (`counted_tokens`: uint64, ascending) and a byte
        for each, 1 if it holds the token often."""
        found = np.frombuffer(codes, dtype=np.uint64)
        end = self._used + len(found)
        if end > len(self._keys):
            grown = np.empty(max(end, 2 * len(self._keys)), dtype=np.uint64)
            grown[:self._used] = self._keys[:self._used]
            self._keys = grown
        part = self._keys[self._used:end]
        np.left_shift(found, np.uint64(self.shift), out=part)
        part |= np.uint64(number << 1)
        part |= np.frombuffer(often, dtype=np.uint8)
        self._used = end

    def postings(self) -> tuple[list[int], list[str], list[str]]:
        """The tokens, ascending, with their posting lists as `encode` writes them and the
        bits of the documents holding them often as `encode_bits` writes them ("" for
        none). Once: the keys are sorted in place and let go."""
        keys, total, shift = self._keys[:self._used], self._used, self.shift
        self._keys, self._used = np.empty(0, dtype=np.uint64), 0
        keys.sort()
        codes: list[int] = []
        lists: list[str] = []
        bits: list[str] = []
        # In runs of about CHUNK postings, each ending where a token's do: the arrays made
        # for a run are small enough to be made again in the memory the last run's were in.
        start = 0
        while start < total:
            stop = min(total, start + CHUNK)
            if stop < total:  # back to the first posting of the token there
                token = keys[stop] >> np.uint64(shift) << np.uint64(shift)
                stop = max(int(np.searchsorted(keys, token)), start + 1)
                if stop == start + 1:  # a token with more than CHUNK postings: all of them
                    stop = int(np.searchsorted(keys,
                                               token + (np.uint64(1) << np.uint64(shift))))
            _postings_of_run(keys[start:stop], shift, codes, lists, bits)
            start = stop
        return codes, lists, bits


def _postings_of_run(keys: np.ndarray, shift: int, codes: list[int], lists: list[str],
                     bits: list[str]) -> None:
    """`Keys.postings` for the sorted keys of whole tokens' postings: adds each
    token's number, list and bits to `codes`, `lists` and `bits`."""
    scratch = np.empty(len(keys), dtype=np.uint64)
    # Where a token's postings start: the key before it differs in the token's bits.
    np.bitwise_xor(keys[1:], keys[:-1], out=scratch[1:])
    scratch[0] = np.uint64(1) << np.uint64(shift)
    starts = np.flatnonzero(scratch >= np.uint64(1) << np.uint64(shift))
    codes += (keys[starts] >> np.uint64(shift)).tolist()
    np.right_shift(keys, np.uint64(1), out=scratch)
    scratch &= np.uint64((1 << (shift - 1)) - 1)  # the documents' numbers
    gaps = np.empty(len(keys), dtype=np.int32)  # from the document before, in the token's list
    np.subtract(scratch[1:], scratch[:-1], out=gaps[1:], casting="unsafe")
    gaps[starts] = scratch[starts] + np.uint64(1)  # a token's first document: from -1
    text, ends = _gap_text(gaps)
    cuts = [0, *ends[starts[1:] - 1].tolist(), len(text)]
    lists += [text[begin:end] for begin, end in pairwise(cuts)]
    marked = [""] * len(starts)
    flagged = np.flatnonzero(keys & np.uint64(1))
    if len(flagged):
        owner = np.searchsorted(starts, flagged, side="right") - 1  # token of each
        places = flagged - starts[owner]  # in its token's list
        holders, first = np.unique(owner, return_index=True)
        sizes = places[np.append(first[1:], len(flagged)) - 1] // 6 + 1  # characters
        at = np.cumsum(sizes) - sizes
        slots = np.repeat(at, np.diff(np.append(first, len(flagged)))) + places // 6
        values = np.bincount(slots, weights=1 << places % 6, minlength=int(sizes.sum()))
        chars = _BITS_BYTES[values.astype(np.int64)].tobytes().decode("ascii")
        edges = np.append(at, len(chars)).tolist()
        for holder, (begin, end) in zip(holders.tolist(), pairwise(edges), strict=True):
            marked[holder] = chars[begin:end]
    bits += marked


def _gap_text(gaps: np.ndarray) -> tuple[str, np.ndarray]:
    """Every gap as `_code` writes it, one after the other, and where each ends."""
    digits = np.ones(len(gaps), dtype=np.uint8)
    longer, power = np.flatnonzero(gaps >= 32), 1
    while len(longer):
        digits[longer] += 1
        power += 1
        longer = longer[gaps[longer] >= 1 << 5 * power]
    ends = np.cumsum(digits, dtype=np.int64)
    out = np.empty(int(ends[-1]), dtype=np.uint8)
    ends -= 1  # the last digit of each
    out[ends] = _LAST_BYTES[gaps & 31]
    longer, power = np.flatnonzero(digits > 1), 1
    while len(longer):
        out[ends[longer] - power] = _MORE_BYTES[gaps[longer] >> 5 * power & 31]
        power += 1
        longer = longer[digits[longer] > power]
    ends += 1
    return out.tobytes().decode("ascii"), ends


def shards_of_codes(codes: list[int], shards: int) -> list[int]:
    """index.shard_of each token of these numbers."""
    found = np.array(codes, dtype=np.uint64)
    pairs = (found // PAIR * 31 + found % PAIR) & np.uint64(0xFFFFFFFF)
    return (np.where(found < PAIR, found, pairs) % np.uint64(shards)).tolist()
