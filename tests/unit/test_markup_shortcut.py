"""The inline shortcut in markup.py must render exactly what Python-Markdown renders."""
from __future__ import annotations

from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pages import markup

REPO = Path(__file__).resolve().parents[2]
# Pieces that exercise every inline pattern, the block syntax of `extra`, Markdown's own
# placeholders, and the triggers alone.
PIECES = ["*a*", "_b_", "**s**", "`c`", "\\*", "[l](http://x)", "![i](y.png)", "<b>x</b>",
          "&amp;", "&#1;", "  \n", "[^1]", "\n\n[^1]: note\n\n", "<http://a.b>", "<a@b.c>",
          "\n\n# H\n\n", "\n\n## 标题 *强*\n\n", "\n- item\n- two\n", "\n1. a\n2. b\n",
          "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n", "\n\n```\ncode *x*\n```\n\n",
          "\n\n    indented\n\n", "\n\nterm\n: def\n\n", "*[HTML]: Hyper\n", "HTML",
          "{: .cls }", "\n> quote\n", "中文，", "plain words ", "\n", "<!-- c -->", "\x02",
          "\x03", "klzzwxh:1", "wzxhzdk:0", "[x]", "[x]: http://r\n", "***", "___",
          "<div markdown=\"1\">*x*</div>\n", "*[link](x)*", "**bold `code`**",
          "<span>*x*</span>", "a\\_b", "[a *b*](c)", "![a *b*][r]", "[r]: /u\n", "__x__",
          "_a_b_", "x  \ny", "&copy;", "[", "]", "(", ")", "\\", "`", "<", "&", "*", "_", "  "]


def plain() -> markdown.Markdown:
    return markdown.Markdown(extensions=markup._EXTENSIONS,
                             extension_configs=markup._EXTENSION_CONFIGS, output_format="html")


def both(text: str) -> tuple[tuple[str, list], tuple[str, list]]:
    fast, slow = markup._converter(), plain()
    fast.reset()
    return (fast.convert(text), fast.toc_tokens), (slow.convert(text), slow.toc_tokens)


def test_the_shortcut_is_in_use_with_the_pinned_markdown():
    # If an upgrade of Python-Markdown switches it off, builds are slower, not wrong; this
    # says so, so that the trigger table can be checked against the new patterns.
    assert type(markup._converter().treeprocessors["inline"]) is markup._TriggerCheckingInline


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join))
def test_the_shortcut_renders_what_python_markdown_renders(text):
    fast, slow = both(text)
    assert fast == slow


def test_the_archive_and_the_benchmark_corpus_render_the_same():
    from benchmarks.corpus import make_report, seed_clauses
    import random

    rng, clauses = random.Random(7), seed_clauses()
    texts = [p.read_text("utf-8") for p in (REPO / "content").rglob("*.md")]
    texts += [make_report(i, rng, clauses) for i in range(1, 201)]
    for text in texts:
        fast, slow = both(text)
        assert fast == slow
