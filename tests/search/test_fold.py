"""generator/search/fold.py: traditional and simplified fold to one form, length for
length; tokens are CJK characters, their pairs, and Latin words."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.search.fold import fold, fold_pairs, token_counts, tokens


def test_traditional_folds_to_simplified():
    assert fold("知識產權") == fold("知识产权") == "知识产权"
    assert fold("專利") == "专利"
    assert fold("粵港澳大灣區") == fold("粤港澳大湾区")
    assert fold("國家知識產權局") == "国家知识产权局"


def test_latin_folds_to_lower_case_and_full_width_to_ascii():
    assert fold("WIPO Cnipa PCT") == "wipo cnipa pct"
    assert fold("ＰＣＴ２０２４") == "pct2024"
    assert fold("ÉCOLE") == "école"


def test_folding_keeps_every_length_in_utf16_and_is_idempotent():
    for char, out in fold_pairs():
        assert len(char.encode("utf-16-le")) == len(out.encode("utf-16-le")), char
        assert fold(out) == out, char
    text = "知識產權 ＷＩＰＯ 𠀀 ABC"
    assert len(fold(text)) == len(text)
    assert fold(fold(text)) == fold(text)


def test_folding_is_deterministic():
    assert fold_pairs() == tuple(sorted(fold_pairs()))
    assert len(fold_pairs()) > 3000


def test_the_table_matches_opencc():
    opencc = pytest.importorskip("opencc")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "fold_table.py"
    spec = importlib.util.spec_from_file_location("fold_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TABLE.read_text("utf-8") == module.text(module.table())
    assert opencc.OpenCC("t2s").convert("產") == fold("產")


def test_tokens_are_characters_pairs_and_words():
    assert tokens(fold("知识产权 WIPO 2024年")) == {
        "知", "识", "产", "权", "知识", "识产", "产权", "wipo", "2024", "年"}


def test_pairs_do_not_cross_punctuation_or_latin():
    assert "权专" not in tokens("产权，专利")
    assert "产专" not in tokens("产a专")
    assert tokens("") == set()
    assert tokens("，。！") == set()


def test_token_counts_count_what_tokens_lists():
    text = fold("專利、专利和专利 PCT pct 2024")
    counts = token_counts(text)
    assert set(counts) == tokens(text)
    assert counts["专利"] == 3 and counts["专"] == 3 and counts["利和"] == 1
    assert counts["pct"] == 2 and counts["2024"] == 1


def _counts_one_by_one(folded: str) -> Counter[str]:
    """The tokens and how often each occurs, as their definition reads, a character at a
    time."""
    import re

    from generator.search.fold import CJK, WORD

    cjk, word = re.compile(f"[{CJK}]"), re.compile(f"[{WORD}]")
    found: Counter[str] = Counter()
    current = ""
    for index, char in enumerate(folded):
        if cjk.fullmatch(char):
            found[char] += 1
            if index and cjk.fullmatch(folded[index - 1]):
                found[folded[index - 1] + char] += 1
        if word.fullmatch(char):
            current += char
        elif current:
            found[current] += 1
            current = ""
    if current:
        found[current] += 1
    return found


def _tokens_one_by_one(folded: str) -> set[str]:
    return set(_counts_one_by_one(folded))


ALPHABET = list("知識产权局专利專產aZ09éÉＷｉ２ 𠀀，。\n-中国ア한")


@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40))
def test_tokens_are_every_character_pair_and_word(text):
    assert tokens(fold(text)) == _tokens_one_by_one(fold(text))


@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_token_counts_count_every_occurrence(text):
    assert token_counts(fold(text)) == _counts_one_by_one(fold(text))


def test_folding_leaves_characters_past_the_table_as_they_are():
    text = "\U0003134a\U0001f600\u00e9"
    assert fold(text) == text
    assert fold("知識產權\U0003134a") == "知识产权\U0003134a"
