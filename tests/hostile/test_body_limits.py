"""Markdown nested deeper than Python-Markdown can take is refused at its line, quickly,
instead of minutes of recursion ending in a RecursionError."""
from __future__ import annotations

import pytest

from generator.source.content import (MAX_HEADINGS, MAX_HTML_TAGS, MAX_MARKDOWN_IN_HTML,
                               MAX_NESTING_PREFIX)
from hostile.helpers import REPORT, build_out, errors_of, report

FRONT = "title: a\ndate: 2020\n"  # the body starts on line 5 of the file


@pytest.mark.parametrize("body, first_bad", [
    # 3,000 nested list items, two spaces deeper each: took 155 s and crashed before.
    ("".join("  " * i + "- x\n" for i in range(3_000)), 128),
    ("".join("    " * i + "- x\n" for i in range(300)), 64),
    ("".join("\t" * i + "- x\n" for i in range(300)), 64),
    ("- " * 5_000 + "x\n", 0),
    ("> " * 5_000 + "x\n", 0),
    ("1. " * 5_000 + "x\n", 0),
], ids=["two-space-lists", "four-space-lists", "tab-lists", "dash-line", "quote-line",
        "number-line"])
def test_deep_nesting_in_the_body_is_an_error_at_its_line(make_site, body, first_bad):
    site = make_site({REPORT: report(FRONT, body)})
    errors = errors_of(site)
    line = 6 + first_bad  # report() puts a blank line between the front matter and the body
    assert errors[0].startswith(f"{REPORT}:{line}: this line starts with "), errors[0]
    assert f"the limit is {MAX_NESTING_PREFIX}" in errors[0]
    assert len(errors) <= 10  # the first few, not thousands


def test_markdown_inside_html_blocks_is_limited(make_site):
    n = 3_000
    body = '<div markdown="1">\n' * n + "x\n" + "</div>\n" * n
    site = make_site({REPORT: report(FRONT, body)})
    assert errors_of(site) == [f"{REPORT}: the text has {n:,} HTML blocks with a `markdown` "
                               f"attribute; the limit is {MAX_MARKDOWN_IN_HTML} — write the "
                               "text as plain Markdown"]


def test_nesting_up_to_the_limit_still_builds(make_site):
    body = ("".join("    " * i + "- 第{}层\n".format(i) for i in range(MAX_NESTING_PREFIX // 4))
            + "\n\n" + "> " * (MAX_NESTING_PREFIX // 2) + "引文\n")
    site = make_site({REPORT: report(FRONT, body)})
    out = build_out(site).out_dir
    page = (out / "reports/a.html").read_text("utf-8")
    assert "第63层" in page and "引文" in page


@pytest.mark.parametrize("body, what, limit", [
    ("".join(f"## 第{i}节\n\n正文。\n\n" for i in range(MAX_HEADINGS + 1)), "headings",
     MAX_HEADINGS),
    ("<div>" * (MAX_HTML_TAGS + 1) + "\n", "HTML tags", MAX_HTML_TAGS),
])
def test_bodies_whose_markdown_time_would_grow_quadratically_are_refused(make_site, body, what,
                                                                         limit):
    site = make_site({REPORT: report(FRONT, body)})
    [message] = errors_of(site)
    assert message.startswith(f"{REPORT}: the text has {limit + 1:,} {what}; the limit is "
                              f"{limit:,} — "), message


def test_a_body_at_the_heading_and_tag_limits_builds(make_site):
    body = ("".join(f"## 第{i}节\n\n<b>粗</b>正文。\n\n" for i in range(MAX_HEADINGS)))
    site = make_site({REPORT: report(FRONT, body)})
    page = (build_out(site).out_dir / "reports/a.html").read_text("utf-8")
    assert f"第{MAX_HEADINGS - 1}节" in page


def test_emphasis_nested_past_pythons_recursion_limit_is_a_clean_error(make_site):
    # Within every limit above, yet Python-Markdown recurses once per pair of stars.
    body = "*" * 5_000 + "x" + "*" * 5_000 + "\n"
    site = make_site({REPORT: report(FRONT, body),
                      "content/reports/b.md": report(FRONT, "正文。\n")})
    assert errors_of(site) == [f"{REPORT}: the Markdown body nests too deeply to be rendered "
                               "— flatten its nested lists, quotes or HTML blocks"]
