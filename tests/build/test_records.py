"""generator/build/records.py: parsed sources and rendered bodies as the cache stores them,
read back exactly, and a damaged record refused with the file it belongs to."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from generator.build.records import CacheUnreadable, pack_body, record_of, source_of, unpack_body
from generator.pages.markup import render_markdown
from generator.source.content import parse_source
from tests.helpers import AS_FOUND_REPORT

FULL_REPORT = """---
title: 关于开展2024年世界知识产权日宣传活动的方案
date: 2024-04
place: 澳门
region: 澳门
tags: [世界知识产权日, 宣传]
summary: 活动方案。
source:
  site: 某局网站
  page_title: 新闻
  url: https://example.org/a
  retrieved: 2024-05-01
  capture: content/captures/r.html
  capture_sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
---

## 一、活动主题

正文。
"""


def parse(text: str, name: str = "r.md"):
    return parse_source("report", Path(name), text.encode("utf-8"))


@pytest.mark.parametrize("text", [AS_FOUND_REPORT, FULL_REPORT])
def test_a_record_gives_back_the_report_without_its_body(text):
    report, problems = parse(text)
    assert report is not None and problems == []
    again, warnings = source_of(record_of(report, []), report.src_path, report.digest)
    assert warnings == []
    assert again == dataclasses.replace(report, body=None)


def test_the_record_keeps_as_found():
    report, _ = parse(AS_FOUND_REPORT)
    again, _ = source_of(record_of(report, []), report.src_path, report.digest)
    assert again.as_found == ("据统计,,", "2015?2020年")


def test_a_page_record_gives_back_the_page():
    page, _ = parse_source("page", Path("p.md"),
                           "---\ntitle: 关于\ndescription: 说明\n---\n\n正文\n".encode())
    again, _ = source_of(record_of(page, []), page.src_path, page.digest)
    assert again == dataclasses.replace(page, body=None)


def test_the_warnings_of_a_source_come_back_as_warnings_of_that_file():
    report, _ = parse(FULL_REPORT)
    from generator.errors import warning

    record = record_of(report, [warning(report.src_path, 3, "注意")])
    _, warnings = source_of(record, Path("elsewhere/r.md"), report.digest)
    assert [str(w) for w in warnings] == ["elsewhere/r.md:3: warning: 注意"]


@pytest.mark.parametrize("damage", [
    lambda f: f.pop("title"),
    lambda f: f.update(date=["2024", None, None, False]),
    lambda f: f.update(tags=None),
    lambda f: f.update(kind="report", source=[1]),
])
def test_a_damaged_record_is_refused_naming_its_file(damage):
    report, _ = parse(FULL_REPORT)
    fields = json.loads(record_of(report, []))
    damage(fields)
    with pytest.raises(CacheUnreadable, match="r.md"):
        source_of(json.dumps(fields), Path("content/reports/r.md"), report.digest)


def test_a_rendered_body_comes_back_byte_for_byte():
    body = render_markdown("## 一、活动主题\n\n知识产权**保护**。\n\n### 小标题\n")
    html, headings = pack_body(body)
    assert isinstance(html, bytes) and len(html) < len(body.html.encode())
    assert unpack_body(html, headings) == body
