"""Every front-matter rule, checked by the file and line its message names."""
from pathlib import Path

import pytest

from conftest import write_files
from generator.source.content import load_content
from generator.source.dates import PartialDate
from generator.source.validate import validate_content

GOOD = """---
title: 盐城市大丰区召开知识产权联席会议
date: XXXX-05-10
slug: dafeng
place: 江苏省盐城市大丰区
region: 江苏省
tags: [知识产权联席会议, 专利]
summary: 一句话。
source:
  site: 高考猫
  page_title: 最新知识产权联席会议总结
  section: 知识产权联席会议总结一
---

据统计,,盐城市大丰区共申请各类专利3326件。
"""


def load(tmp_path: Path, files: dict[str, str | bytes]):
    write_files(tmp_path, files)
    content, problems = load_content(tmp_path)
    return content, problems + validate_content(content)


def test_a_complete_report_is_read_field_by_field(tmp_path):
    content, problems = load(tmp_path, {"content/reports/a.md": GOOD})
    assert problems == []
    (report,) = content.reports
    assert report.title == "盐城市大丰区召开知识产权联席会议"
    assert report.date == PartialDate(None, 5, 10)
    assert (report.slug, report.place, report.region) == ("dafeng", "江苏省盐城市大丰区", "江苏省")
    assert report.tags == ("知识产权联席会议", "专利")
    assert report.source.page_title == "最新知识产权联席会议总结"
    assert report.source.section == "知识产权联席会议总结一"
    assert report.body == "据统计,,盐城市大丰区共申请各类专利3326件。"


def test_the_slug_defaults_to_the_file_name(tmp_path):
    content, problems = load(tmp_path, {"content/reports/my-report.md":
                                        "---\ntitle: 标题\ndate: 2020\n---\n正文\n"})
    assert problems == [] and content.reports[0].slug == "my-report"


@pytest.mark.parametrize("text, line, words", [
    ("---\ntitle: a\nsummary: \"open\ndate: 2020\n---\n", 3, "quoted value is not closed"),
    ("---\ntitle: a\n\tdate: 2020\n---\n", 3, "spaces, not tabs"),
    ("---\ntitle: a\ndate: 2020\nstray line\n---\n", 4, "invalid YAML"),
    ("title: a\ndate: 2020\n", 1, "no front matter"),
    ("---\ntitle: a\ndate: 2020\n", 1, "never closed"),
    ("---\ndate: 2020\n---\n", 2, "missing required field 'title'"),
    ("---\ntitle: a\n---\n", 2, "missing required field 'date'"),
    ("---\ntitle: 2024\ndate: 2020\n---\n", 2, "put it in quotes"),
    ("---\ntitle: a\ndate: 2023-02-30\n---\n", 3, "not a real date"),
    ("---\ntitle: a\ndate: 2023/02/03\n---\n", 3, "is not a date"),
    ("---\ntitle: a\ndate: 2020\ntitle: b\n---\n", 4, "duplicate key 'title' (also on line 2)"),
    ("---\ntitle: a\ndate: 2020\nslug: Bad_Slug\n---\n", 4, "may hold only a-z"),
    ("---\ntitle: a\ndate: 2020\ntags: 专利\n---\n", 4, "must be a list"),
    ("---\ntitle: a\ndate: 2020\ndraft: yes\n---\n", 4, "true or false"),
    ("---\n- a\n---\n", 2, "must be `key: value` lines"),
    ("---\n---\n", 1, "is empty"),
    ("---\ntitle: a\ndate: 2020\nregion: ../etc\n---\n", 4, "cannot name a page"),
    ("---\ntitle: a\ndate: 2020\nsource:\n  url: javascript:alert(1)\n---\n", 5,
     "not an http(s) address"),
])
def test_each_broken_rule_is_an_error_at_its_line(tmp_path, text, line, words):
    _, problems = load(tmp_path, {"content/reports/r.md": text})
    errors = [p for p in problems if not p.warning]
    assert len(errors) == 1, errors
    assert errors[0].path == tmp_path / "content/reports/r.md"
    assert errors[0].line == line
    assert words in errors[0].message
    assert " — " in errors[0].message  # every message says what to do


def test_the_line_counts_a_byte_order_mark_and_crlf_like_plain_text(tmp_path):
    text = "---\r\ntitle: a\r\ndate: 2023-02-30\r\n---\r\n"
    _, problems = load(tmp_path, {"content/reports/r.md": b"\xef\xbb\xbf" + text.encode()})
    assert [p.line for p in problems] == [3]


def test_unknown_fields_are_warnings_with_their_line(tmp_path):
    content, problems = load(tmp_path, {"content/reports/r.md":
                                        "---\ntitle: a\ndate: 2020\nauthor: x\n---\n"})
    assert len(content.reports) == 1
    assert [(p.line, p.warning) for p in problems] == [(4, True)]
    assert "unknown field 'author'" in problems[0].message


def test_every_error_of_every_file_is_reported(tmp_path):
    _, problems = load(tmp_path, {
        "content/reports/a.md": "---\ntitle: 2024\ndate: 2023-02-30\n---\n",
        "content/reports/b.md": "no front matter\n",
    })
    assert sorted((p.path.name, p.line) for p in problems) == [("a.md", 2), ("a.md", 3),
                                                               ("b.md", 1)]


def test_a_duplicate_slug_names_both_files(tmp_path):
    _, problems = load(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\nslug: same\n---\n",
        "content/reports/b.md": "---\ntitle: b\ndate: 2021\nslug: same\n---\n",
    })
    (problem,) = problems
    assert problem.path.name == "b.md" and problem.line == 4
    assert str(tmp_path / "content/reports/a.md") + ":4" in problem.message


def test_tags_differing_only_in_case_are_refused_with_every_source(tmp_path):
    _, problems = load(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\ntags: [WIPO]\n---\n",
        "content/reports/b.md": "---\ntitle: b\ndate: 2021\ntags: [wipo]\n---\n",
    })
    (problem,) = problems
    assert "a.md" in problem.message and "b.md" in problem.message


def test_links_are_read_with_their_source(tmp_path):
    content, problems = load(tmp_path, {"content/links.yaml": (
        "- title: 关于第17个世界知识产权日活动方案\n"
        "  source:\n    site: 高考猫\n    page_title: 最新知识产权联席会议总结\n"
        "- title: 有地址的文章\n  url: https://example.org/a\n")})
    assert problems == []
    first, second = content.links
    assert first.title == "关于第17个世界知识产权日活动方案" and first.url is None
    assert first.source.page_title == "最新知识产权联席会议总结"
    assert second.url == "https://example.org/a"


@pytest.mark.parametrize("text, line, words", [
    ("title: x\n", 1, "must be a list"),
    ("- url: https://example.org\n", 1, "missing required field 'title'"),
    ("- title: x\n  url: javascript:alert(1)\n", 2, "not an http(s) address"),
])
def test_broken_links_data_is_an_error_at_its_line(tmp_path, text, line, words):
    _, problems = load(tmp_path, {"content/links.yaml": text})
    (problem,) = problems
    assert (problem.line, problem.path.name) == (line, "links.yaml") and words in problem.message


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    lambda t: t.replace("\n", "\r").encode("utf-8"),
], ids=["utf-8", "utf-8 bom", "utf-16 bom", "crlf", "cr"])
def test_encodings_and_line_endings_read_the_same(tmp_path, encode):
    content, problems = load(tmp_path, {"content/reports/a.md": encode(GOOD)})
    assert problems == []
    assert content.reports[0].body == "据统计,,盐城市大丰区共申请各类专利3326件。"
    assert content.reports[0].title == "盐城市大丰区召开知识产权联席会议"


def test_bytes_that_are_not_utf8_are_an_error_with_their_offset(tmp_path):
    _, problems = load(tmp_path, {"content/reports/a.md": b"---\ntitle: \xff\n---\n"})
    (problem,) = problems
    assert problem.line == 2 and "byte offset 11" in problem.message


def test_a_tag_may_not_take_the_place_of_the_tag_index(tmp_path):
    _, problems = load(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\ntags: [index]\n---\n"})
    (problem,) = problems
    assert "tags/index.html" in problem.message and problem.path.name == "a.md"


def test_a_body_read_again_must_be_the_file_the_build_read(tmp_path):
    """A body is read again at render time; a file saved since then stops the build
    rather than pairing the new body with the old front matter and cache key."""
    from dataclasses import replace

    from generator.source.content import body_text, load_report
    from generator.errors import SiteError

    path = tmp_path / "a.md"
    text = "---\ntitle: 甲\ndate: 2020-01-02\n---\n\n第一版。\n"
    path.write_text(text, "utf-8")
    report = replace(load_report(path, path.read_bytes(), []), body=None)  # as from the cache
    assert body_text(report).strip() == "第一版。"
    path.write_text(text.replace("第一版", "第二版"), "utf-8")
    with pytest.raises(SiteError) as caught:
        body_text(report)
    assert "changed while the site was being built" in str(caught.value)


def test_two_hundred_thousand_tags_are_one_clear_error(tmp_path):
    tags = ", ".join(f"t{i}" for i in range(200_000))
    content, problems = load(tmp_path, {"content/reports/a.md":
                                        f"---\ntitle: a\ndate: 2020\ntags: [{tags}]\n---\n"})
    assert content.reports == ()
    assert [(p.line, p.message.split(";")[0]) for p in problems if not p.warning] == [
        (4, "200,000 tags")]


@pytest.mark.parametrize("field, limit", [("title", 300), ("place", 100), ("summary", 1000)])
def test_an_overlong_field_is_an_error_naming_the_limit(tmp_path, field, limit):
    extra = "" if field == "title" else "title: a\n"
    text = f"---\n{extra}{field}: {'长' * (limit + 1)}\ndate: 2020\n---\n"
    _, problems = load(tmp_path, {"content/reports/a.md": text})
    errors = [p for p in problems if not p.warning]
    assert len(errors) == 1 and f"the limit is {limit:,}" in errors[0].message
    assert errors[0].line == (2 if field == "title" else 3)
