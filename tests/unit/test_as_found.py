"""The `as_found` front-matter field: read, checked against the body, and cached."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from generator.build.cache import record_of, source_of
from generator.source.content import parse_source

REPORT = """---
title: 盐城市大丰区召开知识产权联席会议
date: XXXX-05-10
as_found:
  - 据统计,,
  - "2015?2020年"
---

据统计,,盐城市大丰区共申请各类专利3326件。行动计划(2015?2020年)。
"""


def parse(text: str):
    return parse_source("report", Path("r.md"), text.encode("utf-8"))


def test_excerpts_are_read_in_order():
    report, problems = parse(REPORT)
    assert problems == []
    assert report.as_found == ("据统计,,", "2015?2020年")


def test_no_as_found_is_an_empty_tuple():
    report, problems = parse(REPORT.replace("as_found:\n  - 据统计,,\n  - \"2015?2020年\"\n", ""))
    assert problems == [] and report.as_found == ()


def test_an_excerpt_missing_from_the_body_is_an_error_at_its_line():
    report, problems = parse(REPORT.replace("  - 据统计,,", "  - 据统计，，"))
    assert report is None
    assert [(p.line, p.warning) for p in problems] == [(5, False)]
    assert "'据统计，，' is not in the body" in problems[0].message


def test_as_found_must_be_a_list_of_text():
    _, problems = parse(REPORT.replace("as_found:\n  - 据统计,,", "as_found: 据统计,,\nx_:\n  - a"))
    assert any(p.line == 4 and "'as_found' must be a list" in p.message for p in problems)


def test_the_cache_record_keeps_as_found():
    report, _ = parse(REPORT)
    again, warnings = source_of(record_of(report, []), report.src_path, report.digest)
    assert warnings == []
    assert again.as_found == report.as_found
    assert again == dataclasses.replace(report, body=None)
