"""generator/pages/markup.py: Markdown to HTML. The inline shortcut renders what
Python-Markdown renders; raw HTML is sanitised unless the site trusts it; dangerous link
schemes are neutralised; fuzzed Markdown never makes a script."""
from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import event, given, settings
from hypothesis import strategies as st

from generator.build.pipeline import BuildResult
from generator.pages import markup
from generator.pages.markup import render_markdown
from tests.fuzzing import ANY_TEXT, FUZZ, MARKDOWN, fuzz_site, outcome, write_report
from tests.helpers import REPORT, assert_no_active_content, build_out, report


def test_paragraphs_keep_the_text_exactly():
    text = "据统计,,盐城市大丰区共申请各类专利3326件。\n\n(2015?2020年)“9+2”各方"
    html = render_markdown(text).html
    paragraphs = [p.get_text() for p in BeautifulSoup(html, "html.parser").find_all("p")]
    assert paragraphs == ["据统计,,盐城市大丰区共申请各类专利3326件。", "(2015?2020年)“9+2”各方"]


def test_chinese_headings_get_anchors_for_a_table_of_contents():
    rendered = render_markdown("## 会议内容\n\n正文\n\n### 下一步 & 要求\n")
    assert [(h.level, h.text) for h in rendered.headings] == [(2, "会议内容"), (3, "下一步 & 要求")]
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.find("h2")["id"] == rendered.headings[0].anchor == "会议内容"


def test_raw_html_and_script_links_are_removed_by_default():
    text = ('<script>alert(1)</script>\n\n<p onclick="x()">p</p>\n\n'
            '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1)) '
            '![i](data:text/html,x) [ok](https://example.org/) [rel](../a/index.html)')
    soup = BeautifulSoup(render_markdown(text).html, "html.parser")
    assert soup.find("script") is None
    assert all(not k.startswith("on") for tag in soup.find_all(True) for k in tag.attrs)
    hrefs = [a.get("href") for a in soup.find_all("a")]
    assert hrefs == [None, None, None, "https://example.org/", "../a/index.html"]
    assert soup.find("img").get("src") is None


def test_a_site_that_trusts_its_authors_keeps_raw_html():
    html = render_markdown('<div class="note">注</div>', allow_raw_html=True).html
    assert '<div class="note">注</div>' in html


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


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join))
def test_the_shortcut_renders_what_python_markdown_renders(text):
    fast, slow = both(text)
    assert fast == slow


def test_the_archive_and_the_benchmark_corpus_render_the_same():
    import random

    from benchmarks.corpus import make_report, seed_clauses

    rng, clauses = random.Random(7), seed_clauses()
    texts = [p.read_text("utf-8") for p in (REPO / "content").rglob("*.md")]
    texts += [make_report(i, rng, clauses) for i in range(1, 201)]
    for text in texts:
        fast, slow = both(text)
        assert fast == slow


RAW_HTML = """\
正文开始。

<script>alert("script")</script>

<iframe src="https://evil.example/"></iframe>

<p onclick="alert('p')">点我</p>

<img src="x" onerror="alert('img')">

<svg onload="alert('svg')"><circle r="1"/></svg>

<a href="https://example.org/" onmouseover="alert('a')">链接</a>

<style>body { display: none }</style>

<object data="evil.swf"></object><embed src="evil.swf">
<form action="https://evil.example/"><input name="q"></form>

<details open ontoggle="alert('toggle')"><summary>s</summary></details>

正文结束。
"""

DANGEROUS_LINKS = """\
[a](javascript:alert(1))
[b](JaVaScRiPt:alert(1))
[c](&#106;avascript:alert(1))
[d](&#x6A;&#x61;vascript:alert(1))
[e](java&#x09;script:alert(1))
[f](vbscript:msgbox(1))
[g](VBScript:msgbox(1))
[h](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[i](DATA:text/html,<script>alert(1)</script>)
![j](javascript:alert(1))
![k](data:text/html,<script>alert(1)</script>)
<javascript:alert(1)>
<a href="javascript:alert(1)">l</a>
<a href="&#106;avascript:alert(1)">m</a>
<img src="javascript:alert(1)">
[n][ref]

[ref]: javascript:alert(1)

[ok](https://example.org/安全) [mail](mailto:a@example.org) [local](#小标题)
"""


def body_of(site_out, name="reports/a.html"):
    page = BeautifulSoup((site_out / name).read_bytes(), "html.parser")
    return page, page.select_one("article .report-body") or page.select_one("article")


def test_raw_html_in_markdown_is_sanitised_by_default(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", RAW_HTML)})
    build_out(site)
    out = site.parent / "site-out"
    page, body = body_of(out)
    assert_no_active_content(page, "reports/a.html")
    text = body.get_text()
    assert "正文开始。" in text and "正文结束。" in text and "点我" in text and "链接" in text
    assert body.find("a", href="https://example.org/") is not None  # the harmless part stays


def test_allow_raw_html_passes_trusted_html_through(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", RAW_HTML),
                      "site.yaml": "allow_raw_html: true\n"})
    build_out(site)
    _, body = body_of(site.parent / "site-out")
    assert body.find("iframe", src="https://evil.example/") is not None
    assert body.find("script").string == 'alert("script")'
    assert body.find("p", onclick=True) is not None


def test_dangerous_link_schemes_are_neutralised_in_markdown(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", DANGEROUS_LINKS)})
    build_out(site)
    page, body = body_of(site.parent / "site-out")
    assert_no_active_content(page, "reports/a.html")
    hrefs = [a.get("href") for a in body.find_all("a")]
    assert "https://example.org/%E5%AE%89%E5%85%A8" in hrefs or \
        "https://example.org/安全" in hrefs, hrefs
    assert "mailto:a@example.org" in hrefs and "#小标题" in hrefs
    assert not any("script" in (h or "").lower() or (h or "").lower().startswith("data")
                   for h in hrefs), hrefs
    for text in "abcdefghi":  # the link text stays readable
        assert body.find(string=re.compile(rf"^{text}$")) is not None, text


@pytest.mark.slow
@FUZZ
@given(body=MARKDOWN, title=ANY_TEXT)
def test_markdown_never_crashes_and_never_makes_a_script(make_site, body, title):
    site = fuzz_site(make_site)
    write_report(site, f"---\ntitle: {json.dumps(title or 'x')}\ndate: 2020\n---\n{body}")
    result = outcome(site)
    if isinstance(result, BuildResult):
        page = (result.out_dir / "reports/a.html").read_bytes()
        assert_no_active_content(BeautifulSoup(page, "html.parser"), "reports/a.html")
    # Whether or not the build took the report, the sanitiser meets every body.
    try:
        rendered = render_markdown(body)
    except RecursionError:  # the build refuses such a body; see test_pipeline
        event("too deep to render")
        return
    assert_no_active_content(BeautifulSoup(rendered.html, "html.parser"), "the body")
