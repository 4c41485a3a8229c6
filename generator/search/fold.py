"""Folding and tokens: the one form a report's text and a reader's query are compared in.

Folding maps each character to one character of the same length in UTF-16, so a folded
text lines up with its original, offset for offset, in Python and in the browser alike:
traditional Chinese to simplified by OpenCC's character table (`t2s.txt`, made by
scripts/fold_table.py from OpenCC's t2s, tw2s and hk2s), Latin letters to lower case,
full-width Latin letters and digits to ASCII. `static/search.js` applies the same table,
shipped in the index (see index.py).

Tokens are what the index lists reports under: every CJK character and every overlapping
pair of CJK characters in a run of them (a query of two or more characters is found
through its pairs, one of one character through the character itself), and every Latin
word or number.

`tokens` says what they are (the runs of CJK characters and the words, two scans), and
`token_counts` counts them in one text; a build finds and counts a whole archive's as
numbers (postings.py).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cache
from importlib import resources

# CJK: kana, ideographs (extension A, the main block, compatibility, extensions B on),
# Hangul syllables. A query's runs of these are searched by character pairs.
CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0xAC00, 0xD7AF), (0x20000, 0x3FFFF))
CJK = "".join(f"{chr(low)}-{chr(high)}" for low, high in CJK_RANGES)
WORD = "0-9a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f"  # after folding
_RUNS = re.compile(f"[{CJK}]+")
_WORDS = re.compile(f"[{WORD}]+")


@cache
def fold_pairs() -> tuple[tuple[str, str], ...]:
    """(character, what it folds to) for every character folding changes, sorted."""
    pairs = {chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}
    pairs.update((chr(c), chr(c - 0xFEE0).lower()) for c in range(0xFF10, 0xFF5B)
                 if chr(c - 0xFEE0).isalnum())  # full-width digits and letters
    pairs.update((chr(c), chr(c).lower()) for c in range(0xC0, 0x250)
                 if len(chr(c).lower()) == 1 and chr(c).lower() != chr(c))
    text = resources.files(__package__).joinpath("t2s.txt").read_text("utf-8")
    pairs.update((line[0], line[1]) for line in text.splitlines() if len(line) == 2)
    return tuple(sorted(pairs.items()))


@cache
def _table() -> dict[int, str]:
    """What each character folding changes folds to, by its number. (A build folds its
    reports as arrays, postings.py; this folds titles and the two texts of a body edit,
    where a list by every code point, read faster, took longer to make than to read.)"""
    return {ord(char): out for char, out in fold_pairs()}


def fold(text: str) -> str:
    """`text` in the form the index compares: simplified, lower case, the same length."""
    return text.translate(_table())


def tokens(folded: str) -> set[str]:
    """The tokens of a folded text: CJK characters and character pairs, Latin words."""
    found = set(_cjk_tokens(folded))
    found.update(_WORDS.findall(folded))
    return found


def token_counts(folded: str) -> Counter[str]:
    """How often a folded text holds each of its tokens (`tokens`). A build counts a
    report's as numbers (postings.py); this is the count of one text that `patch_index`
    needs, with nothing to load."""
    counts = Counter(_cjk_tokens(folded))
    counts.update(_WORDS.findall(folded))
    return counts


def _cjk_tokens(folded: str) -> list[str]:
    """Every CJK character and pair of a folded text, as often as it holds them: one scan
    for the runs of CJK characters (one character class to compile: a process that
    patches the index pays for each), their characters and pairs made in C."""
    found: list[str] = []
    for run in _RUNS.findall(folded):
        found += run
        found += map(str.__add__, run, run[1:])
    return found
