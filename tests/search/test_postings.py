"""generator/search/postings.py: a text's tokens folded and counted as numbers are the
ones fold.py defines; the posting lists themselves are checked through the index they
make, in test_index.py."""
from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from generator.search.fold import fold
from generator.search.postings import PAIR, _counted, counted_tokens, token_of
from tests.search.test_fold import ALPHABET, _counts_one_by_one


@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60), st.sampled_from([1, 2, 3]))
def test_a_text_is_folded_and_counted_as_fold_says(text, often):
    """Folded by the table as an array and counted as numbers, against the text folded by
    `fold` and counted a character at a time."""
    [(codes, counts, words)] = _counted([text])
    assert list(codes) == sorted(set(codes.tolist()))
    found = Counter(dict(zip(map(token_of, codes.tolist()), counts.tolist(), strict=True)))
    assert found + words == _counts_one_by_one(fold(text))
    [(packed, marks, _)] = counted_tokens([text], often)
    assert np.frombuffer(packed, dtype=np.uint64).tolist() == codes.tolist()
    assert list(marks) == [int(n >= often) for n in counts.tolist()]


@given(st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=30), max_size=8))
def test_texts_counted_together_are_counted_as_each_alone(texts):
    """A build counts a chunk of pages' texts at once: no token spans two of them."""
    together = counted_tokens(texts, 2)
    assert together == [counted_tokens([text], 2)[0] for text in texts]


def test_numbers_of_characters_and_pairs():
    [(codes, counts, words)] = _counted(["知識產權 𠀀𠀁 WIPO"])
    tokens = [token_of(code) for code in codes.tolist()]
    assert sorted(tokens) == sorted(["知", "识", "产", "权", "知识", "识产", "产权", "𠀀", "𠀁",
                                     "𠀀𠀁"])
    assert ord("知") * PAIR + ord("识") in codes.tolist()
    assert words == Counter({"wipo": 1})
    assert [len(part) for part in _counted([""])[0][:2]] == [0, 0]
    assert _counted([]) == []
