"""generator/pages/markup.py against the CommonMark 0.31.2 spec, GitHub's extension tests
and cmark's pathological inputs, the way a build renders a body.

The spec file and its normaliser are vendored in tests/fixtures/commonmark/ (the spec is
CC-BY-SA 4.0, normalize.py BSD-2-Clause, both John MacFarlane); gfm-extensions.txt is
cmark-gfm's test/extensions.txt.
"""
from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pages import links
from generator.pages.markup import render_markdown
from generator.source.content import MAX_BODY_BYTES, load_report
from generator.source.textfile import MAX_SOURCE_BYTES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "commonmark"
_spec = importlib.util.spec_from_file_location("normalize", FIXTURES / "normalize.py")
assert _spec is not None and _spec.loader is not None
normalize = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(normalize)

FENCE = "`" * 32 + " example"


def examples(path: Path) -> list[tuple[int, str, str, str]]:
    """(number, section, Markdown, expected HTML) of each example, as spec_tests.py reads them."""
    found, section, state, markdown, expected = [], "", 0, [], []
    for line in path.read_text("utf-8").splitlines(keepends=True):
        if state == 0 and line.startswith("#"):
            section = line.lstrip("#").strip()
        if line.startswith(FENCE):
            state, markdown, expected = 1, [], []
        elif state == 1 and line.strip() == ".":
            state = 2
        elif state == 2 and line.startswith("`" * 32):
            found.append((len(found) + 1, section, "".join(markdown).replace("→", "\t"),
                          "".join(expected).replace("→", "\t")))
            state = 0
        elif state == 1:
            markdown.append(line)
        elif state == 2:
            expected.append(line)
    return found


def as_built(markdown: str) -> str:
    # Raw HTML passes (a site may trust it); the anchors the build adds to headings are not
    # CommonMark's, and links to files the site does not have are left as written.
    html = links.resolve(render_markdown(markdown, allow_raw_html=True).html, ())
    return re.sub(r'(<h[1-6]) id="[^"]*"', r"\1", html)


def passing(path: Path) -> tuple[list[int], list[int]]:
    passed, failed = [], []
    for number, _, markdown, expected in examples(path):
        if expected == "<IGNORE>\n":  # spec_tests.py's mark for "anything but a crash"
            as_built(markdown)
            passed.append(number)
            continue
        same = normalize.normalize_html(as_built(markdown)) == \
            normalize.normalize_html(expected)
        (passed if same else failed).append(number)
    return passed, failed


def test_commonmark_0_31_2_spec():
    passed, failed = passing(FIXTURES / "spec-0.31.2.txt")
    assert len(passed) + len(failed) == 652
    assert len(passed) / 652 >= 0.99, failed
    # What fails is GitHub's bare-URL linking, which CommonMark leaves as text.
    assert failed == [602, 606, 608, 611, 612]


def test_github_extension_examples():
    passed, failed = passing(FIXTURES / "gfm-extensions.txt")
    # Left out on purpose: table alignment as `style` (HTML5 has no `align`), the tag filter
    # (a site trusting its HTML keeps all of it; one that does not shows it as text), and
    # footnote markup (ids and labels of our own). 19 fails on one line of many: an emoji
    # domain (`http://🍄.ga/`), which is left as text.
    assert failed == [6, 19, 22, 23]


PATHOLOGICAL = {  # cmark's test/pathological_tests.py, at its sizes
    "nested strong emph": ("*a **a " * 65000) + "b" + (" a** a*" * 65000),
    "many emph closers with no openers": "a_ " * 65000,
    "many emph openers with no closers": "_a " * 65000,
    "many link closers with no openers": "a]" * 65000,
    "many link openers with no closers": "[a" * 65000,
    "mismatched openers and closers": "*a_ " * 50000,
    "openers and closers multiple of 3": "a**b" + ("c* " * 50000),
    "link openers and emph closers": "[ a_" * 50000,
    "pattern [ (]( repeated": "[ (](" * 80000,
    "hard link/emph case": "**x [a*b**c*](d)",
    "nested brackets": ("[" * 50000) + "a" + ("]" * 50000),
    "nested block quotes": ("> " * 50000) + "a",
    "deeply nested lists": "".join("  " * x + "* a\n" for x in range(1000)),
    "U+0000 in input": "abc\u0000de\u0000",
    "backticks": "".join("e" + "`" * x for x in range(1, 5000)),
    "unclosed links A": "[a](<b" * 30000,
    "unclosed links B": "[a](b" * 30000,
    "tables": "aaa\rbbb\n-\v\n" * 30000,
    "many references": "".join(f"[{x}]: u\n" for x in range(1, 5000 * 16)) + "[0] " * 5000,
    "image brackets": "![[]()" * 1600,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_renders_in_under_a_second_or_is_refused(name):
    body = PATHOLOGICAL[name]
    problems: list = []
    report = load_report(Path("content/reports/a.md"),
                         f"---\ntitle: 标题\ndate: 2020\n---\n{body}".encode(), problems)
    if len(body.encode()) > MAX_SOURCE_BYTES or "\0" in body:
        return  # not a text file of a size any report has: refused when read (test_textfile)
    if report is None:  # refused, for what it is: longer or nested deeper than any report
        messages = [p.message for p in problems if not p.warning]
        assert messages and all("nest lists and quotes less deeply" in m
                                or "split it into several reports" in m for m in messages)
        return
    # Processor time, not wall time: other processes on a loaded machine do not count.
    started = time.process_time()
    rendered = render_markdown(body)
    assert time.process_time() - started < 1.0
    assert rendered.html


PIECES = ["*", "**", "_", "[", "]", "(", ")", "![", "<", ">", "`", "\\", "&amp;", "#", "- ",
          "> ", "1. ", "|", "---", "~~", "[^1]", "[^1]: ", "www.a.bc", "https://x.y/", "中文",
          "“", "”", "：", "\n", "\n\n", "    ", "{#a}", "a@b.cd", ":", "<b>", "</b>"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=40),
       st.integers(min_value=1_000, max_value=MAX_BODY_BYTES))
def test_any_body_within_the_limit_renders_in_under_two_seconds(pieces, size):
    unit = "".join(pieces)
    body = (unit * (size // len(unit.encode()) + 1))[:size]
    while len(body.encode()) > MAX_BODY_BYTES:
        body = body[:-1]
    started = time.process_time()
    render_markdown(body)
    assert time.process_time() - started < 2.0
