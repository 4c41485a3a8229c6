"""generator/search/index.py: the index finds exactly the documents that hold a query's
text, folded; it is deterministic, inert, and patched to the bytes of a fresh build."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search import postings
from generator.search.fold import fold
from generator.search.index import (
    FREQUENT,
    META,
    Indexer,
    IndexUnreadable,
    SearchDoc,
    build_index,
    decode,
    decode_bits,
    encode,
    encode_bits,
    html_text,
    index_files,
    patch_index,
    prepare,
    read_doc,
    read_script,
    shard_count,
    shard_of,
)
from tests.search.corpus import QUERIES, corpus_docs
from tests.search.querying import Index, expected


def write(root: Path, files: dict[PurePosixPath, bytes]) -> Path:
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


@pytest.mark.parametrize("shards", [1, 4, 64])
def test_every_query_finds_exactly_the_documents_that_hold_it(tmp_path, shards):
    docs = corpus_docs()
    index = Index(write(tmp_path, build_index(docs, shards)))
    for query in QUERIES:
        assert index.search(query) == expected(docs, query), query


def test_the_query_set_covers_what_it_should():
    docs = corpus_docs()
    assert expected(docs, "知识产权") == expected(docs, "知識產權")  # one form
    assert len(expected(docs, "知识产权")) >= 6
    assert expected(docs, "专利") == expected(docs, "專利")
    assert expected(docs, "产权局") and not set(expected(docs, "产权局")) & {
        "reports/r03.html"}  # 版权局 and 知识产权 elsewhere are not 产权局
    assert expected(docs, "乱码词汇不存在") == [] and expected(docs, "zzzz") == []
    assert expected(docs, "wipo") == expected(docs, "WIPO") != []
    assert len(expected(docs, "局")) > len(expected(docs, "产权局"))


def test_precision_pieces_are_not_enough(tmp_path):
    docs = [SearchDoc("a.html", "甲", "", "", (), (), "", "知识产权和版权局"),
            SearchDoc("b.html", "乙", "", "", (), (), "", "国家知识产权局")]
    index = Index(write(tmp_path, build_index(docs)))
    assert index.search("产权局") == ["b.html"]
    assert index.search("权局") == ["a.html", "b.html"]


def test_the_source_a_reader_remembers_is_searchable(tmp_path):
    docs = [SearchDoc("a.html", "甲", "", "", (), (), "", "正文", "新华网 地方新闻"),
            SearchDoc("b.html", "乙", "", "", (), (), "", "正文")]
    assert Index(write(tmp_path, build_index(docs))).search("新華網") == ["a.html"]


def test_postings_round_trip():
    for numbers in ([], [0], [0, 1, 2], [5, 31, 32, 33, 1023, 1024, 99_999, 250_000]):
        assert decode(encode(numbers)) == numbers
    assert re.fullmatch(r"[0-9a-zA-Z_-]*", encode(list(range(0, 5000, 7))))


def test_bit_strings_round_trip():
    body = list(range(0, 40, 3))
    for chosen in (set(), {0}, {39}, {3, 6, 21}, set(body)):
        bits = encode_bits(body, chosen)
        assert decode_bits(body, bits) == sorted(chosen & set(body))
        assert re.fullmatch(r"[A-Za-z0-9_-]*", bits) and not bits.endswith("A")
    assert encode_bits(body, set()) == ""


def test_a_token_held_three_times_or_more_marks_its_documents():
    docs = [SearchDoc("a.html", "甲", "", "", (), (), "", "专利" * 3),
            SearchDoc("b.html", "乙", "", "", (), (), "", "专利 专利"),
            SearchDoc("c.html", "丙", "", "", (), (), "", "专利、专利、专利和商标 wipo wipo wipo")]
    _, _, shard = read_script(build_index(docs, 1)[PurePosixPath("search/idx/0000.js")])
    assert isinstance(shard, dict)
    body, title, bits = shard["专利"]
    assert decode(body) == [0, 1, 2] and title == ""
    assert decode_bits(decode(body), bits) == [0, 2]
    assert decode_bits([2], shard["wipo"][2]) == [2]
    assert isinstance(shard["商标"], str)  # held once: no bits at all
    assert isinstance(shard["利专"], str)  # twice in 专利专利专利: not three times


def test_index_files_names_every_file_of_the_index():
    for docs in (corpus_docs()[:1], corpus_docs(), corpus_docs() * 7):
        assert sorted(index_files(len(docs))) == sorted(map(str, build_index(docs)))


def test_shard_counts_grow_with_the_archive():
    assert shard_count(3) == 1
    assert 128 <= shard_count(10_000) <= 512
    assert shard_count(100_000) >= 4 * shard_count(10_000) // 2
    assert shard_of("知识", 256) == shard_of("知识", 256)
    assert shard_of("ab", 1 << 32) == (ord("a") * 31 + ord("b"))


def test_the_index_is_deterministic_and_sorted(tmp_path):
    docs = corpus_docs()
    assert build_index(docs) == build_index(list(docs))
    files = build_index(docs, 8)
    assert list(files) == sorted(files)
    for data in files.values():
        kind, _, value = read_script(data)
        if kind == "shard":
            assert list(value) == sorted(value)


Entries = dict[str, tuple[list[int], list[int], list[int]]]


def _reference_entries(docs: list[SearchDoc]) -> Entries:
    """For every token, the documents holding it, those whose title holds it and those
    holding it FREQUENT times or more: from occurrences found by sliding over the text,
    apart from the index."""
    entries: Entries = {}
    for number, doc in enumerate(docs):
        counts = Counter(_occurrences(fold(doc.indexed_text())))
        counts.update(f"#{kind}:{value}" for kind, values in (
            ("region", doc.region), ("tag", doc.tags), ("year", (doc.year,) if doc.year else ()))
            for value in values)
        titled = set(_occurrences(fold(doc.title)))
        for token, count in counts.items():
            body, title, often = entries.setdefault(token, ([], [], []))
            body.append(number)
            if token in titled:
                title.append(number)
            if count >= FREQUENT and not token.startswith("#"):
                often.append(number)
    return entries


def _entries(files: dict[PurePosixPath, bytes]) -> Entries:
    """Every token's entry in the shards, decoded, and checked to be in its own shard."""
    found = {}
    shards = [path for path in files if path.parent.name == "idx"]
    for path in shards:
        kind, number, shard = read_script(files[path])
        assert kind == "shard" and isinstance(shard, dict)
        for token, entry in shard.items():
            assert shard_of(token, len(shards)) == number, token
            body = decode(entry if isinstance(entry, str) else entry[0])
            title = decode(entry[1]) if isinstance(entry, list) else []
            bits = entry[2] if isinstance(entry, list) and len(entry) > 2 else ""
            assert isinstance(entry, str) or (title or bits), (token, entry)  # shortest form
            found[token] = (body, title, decode_bits(body, bits))
    return found


TEXT = st.text(alphabet=st.sampled_from(list("知識产权局专利商标aZ09é 𠀀𠀁，。\n中国ア한")),
               max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.sampled_from(["", "香港", "澳门"])), max_size=12),
       st.sampled_from([1, 2, 8]), st.sampled_from([postings.CHUNK, 1, 5]))
def test_every_token_lists_exactly_the_documents_holding_it(texts, shards, chunk):
    """The shards, decoded, against postings made apart from the index: the documents
    holding each token, those whose title holds it, those holding it three times; with
    the postings made in runs of every length."""
    docs = [SearchDoc(f"r{n}.html", title, "", "", (region,) if region else (), (), "", text)
            for n, (title, text, region) in enumerate(texts)]
    default, postings.CHUNK = postings.CHUNK, chunk
    try:
        assert _entries(build_index(docs, shards)) == _reference_entries(docs)
    finally:
        postings.CHUNK = default


def test_long_gaps_are_written_as_encode_writes_them(monkeypatch):
    """Document numbers far apart, past one, two and three digits of a gap; a token with
    more postings than a run holds."""
    monkeypatch.setattr(postings, "CHUNK", 1000)
    docs = [SearchDoc(f"r{n}.html", "", "", "", (), (), "", "空") for n in range(34_000)]
    for number in (0, 40, 1100, 33_950):
        docs[number] = SearchDoc(f"r{number}.html", "专利", "", "", (), (), "", "专利专利专利")
    files = build_index(docs, 1)
    _, _, shard = read_script(files[PurePosixPath("search/idx/0000.js")])
    assert isinstance(shard, dict)
    assert shard["专利"] == [encode([0, 40, 1100, 33_950]), encode([0, 40, 1100, 33_950]),
                            encode_bits([0, 40, 1100, 33_950], {0, 40, 1100, 33_950})]
    assert decode(shard["空"]) == [n for n in range(34_000) if n not in (0, 40, 1100, 33_950)]


@settings(max_examples=20, deadline=None)
@given(st.permutations(range(len(corpus_docs()) * 3)))
def test_the_index_is_the_same_whatever_order_documents_come_in(order):
    """A build adds documents as their pages come back from the cores, in any order."""
    docs = corpus_docs() * 3
    ready = prepare(docs)
    indexer = Indexer(len(docs), 4)
    for number in order[:-1]:
        indexer.add(number, ready[number])
    assert indexer.missing() == [order[-1]]
    with pytest.raises(ValueError, match="not in the index yet"):
        indexer.files()
    indexer.add(order[-1], ready[order[-1]])
    with pytest.raises(ValueError, match="in the index already"):
        indexer.add(order[0], ready[order[0]])
    assert indexer.files() == build_index(docs, 4)


def test_every_token_marks_exactly_the_documents_holding_it_three_times():
    """The frequent tier, against counts made apart from the index: for every token of
    every shard, its bits mark the documents whose folded text holds it FREQUENT times or
    more."""
    docs = corpus_docs() * 5
    counts = [Counter(_occurrences(fold(doc.indexed_text()))) for doc in docs]
    files = build_index(docs, 4)
    checked = 0
    for path, data in files.items():
        if path.parent.name != "idx":
            continue
        _, _, shard = read_script(data)
        assert isinstance(shard, dict)
        for token, entry in shard.items():
            body = decode(entry if isinstance(entry, str) else entry[0])
            bits = entry[2] if isinstance(entry, list) and len(entry) > 2 else ""
            often = [n for n in body if counts[n][token] >= FREQUENT]
            assert decode_bits(body, bits) == often, token
            checked += bool(often)
    assert checked > 20  # the corpus does hold tokens three times over


def _occurrences(folded: str) -> list[str]:
    """Every occurrence of every token, found by sliding over the text."""
    found = re.findall(r"[0-9a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f]+", folded)
    runs = re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                      r"\uac00-\ud7af\U00020000-\U0003ffff]+", folded)
    for run in runs:
        found += list(run) + [run[i:i + 2] for i in range(len(run) - 1)]
    return found


HOSTILE = "<img src=x onerror=alert(1)>\"'</script><!--\u2028\u2029&amp;"


def test_hostile_text_stays_data_in_every_file(tmp_path):
    doc = SearchDoc("reports/x.html", HOSTILE, HOSTILE, HOSTILE, (HOSTILE,), (HOSTILE,),
                    HOSTILE, HOSTILE + " 知识产权 " + HOSTILE, HOSTILE)
    files = build_index([doc], 4)
    for path, data in files.items():
        text = data.decode("utf-8")
        assert "<" not in text and "\u2028" not in text and "\u2029" not in text, path
        assert text.count("\n") == 1 and text.endswith(");\n"), path
        kind, _, value = read_script(data)  # and the values are the same
        if kind == "docs":
            assert SearchDoc.of_row(value[0]) == doc


def test_html_text_reads_like_the_page():
    assert html_text("<p>知识<strong>产权</strong>&amp;专利</p><p>第二段</p>") == \
        "知识产权&专利\n第二段"
    assert html_text("<p>a<script>alert(1)</script>b</p>") == "ab"
    assert html_text("<ul><li>一</li><li>二</li></ul>") == "一\n二"


def _spaces_one_by_one(text: str) -> str:
    """White space as html_text makes it, a character at a time: spaces and tabs before a
    line break, the break and all white space after it, are one line break; other runs of
    spaces and tabs are one space; other white space (an ideographic space) stays."""
    spaces, out, at = " \t\r\f\v", [], 0
    while at < len(text):
        end = at
        while end < len(text) and text[end] in spaces:
            end += 1
        if end < len(text) and text[end] == "\n":
            end += 1
            while end < len(text) and text[end].isspace():
                end += 1
            out.append("\n")
        elif end > at:
            out.append(" ")
        else:
            out.append(text[at])
            end += 1
        at = end
    return "".join(out).strip()


@given(st.text(alphabet=st.sampled_from(" \t\n\r\x0b\x0c\u3000\xa0\x1c\u2028\x85a字"),
               max_size=40))
def test_html_text_makes_white_space_one(text):
    assert html_text(text) == _spaces_one_by_one(text)


def test_meta_lists_the_filters_with_counts():
    _, _, meta = read_script(build_index(corpus_docs())[META])
    assert isinstance(meta, dict)
    assert ["专利", 2] in meta["filters"]["tag"]
    assert meta["documents"] == len(corpus_docs())
    assert json.loads(json.dumps(meta)) == meta


texts = st.text(alphabet=st.sampled_from(list("知识产权專利局版权香港澳門 AbCz12，")),
                max_size=40)
# Few characters, so that tokens cross the three times that rank a document first.
repeats = st.lists(st.sampled_from(["知识", "产权", "知识产权", "專利", "ab", " ", "，"]),
                   max_size=12).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts | repeats, min_size=1, max_size=12), st.data())
def test_a_patched_index_is_a_fresh_one(old_texts, data):
    shards = shard_count(len(old_texts))
    docs = [SearchDoc(f"r{n}.html", f"题{n}", "", "", (), (), "", text)
            for n, text in enumerate(old_texts)]
    files = build_index(docs)
    edited = data.draw(st.dictionaries(st.integers(0, len(docs) - 1), texts | repeats,
                                       max_size=3))
    new_docs = list(docs)
    for number, text in edited.items():
        new_docs[number] = SearchDoc(f"r{number}.html", f"题{number}", "", "", (), (), "", text)
    patched = patch_index(files.__getitem__, len(docs),
                          {n: (docs[n], new_docs[n]) for n in edited})
    fresh = build_index(new_docs)
    assert shard_count(len(docs)) == shards
    assert {**files, **patched} == fresh


def test_a_patch_touches_only_the_shards_of_changed_tokens():
    docs = [SearchDoc(f"r{n}.html", f"题{n}", "", "", (), (), "", "知识产权" * (n + 1))
            for n in range(400)]
    files = build_index(docs)
    new = SearchDoc("r7.html", "题7", "", "", (), (), "", docs[7].text + "版权")
    patched = patch_index(files.__getitem__, len(docs), {7: (docs[7], new)})
    assert len(patched) <= 1 + 5  # its document file, and the shards of 版, 权?, 版权, 权版
    assert read_doc({**files, **patched}.__getitem__, 7) == new


def test_an_unreadable_index_is_said(tmp_path):
    with pytest.raises(IndexUnreadable):
        read_script(b"alert(1)")
    with pytest.raises(IndexUnreadable):
        decode("!")
    doc = SearchDoc("a.html", "甲", "", "", (), (), "", "文")
    with pytest.raises(IndexUnreadable):
        patch_index(build_index([doc]).__getitem__, 1,
                    {0: (doc, SearchDoc("a.html", "乙", "", "", (), (), "", "文"))})
