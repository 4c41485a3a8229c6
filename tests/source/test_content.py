"""generator/source/content.py: reports, pages and links read from their files. Every
front-matter rule checked by the file and line its message names; `as_found`; the limits on
fields and bodies; slugs that must be safe names; links that would leave the site; fuzzed
front matter and bytes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import SiteError
from generator.source.content import (
    MAX_BODY_BYTES,
    MAX_NESTING_PREFIX,
    MAX_TAGS,
    TEXT_LIMITS,
    parse_source,
    parsed_once,
)
from generator.source.dates import PartialDate
from generator.source.textfile import MAX_SOURCE_BYTES
from tests.fuzzing import FIELDS, FUZZ, MARKDOWN, YAMLISH, fuzz_site, outcome, write_report, yaml_of
from tests.helpers import (
    AS_FOUND_REPORT,
    GOOD_FRONT,
    REPORT,
    build_out,
    errors_of,
    load_checked,
    report,
)


def parse_as_found(text: str):
    return parse_source("report", Path("r.md"), text.encode("utf-8"))


def test_excerpts_are_read_in_order():
    report, problems = parse_as_found(AS_FOUND_REPORT)
    assert problems == []
    assert report.as_found == ("据统计,,", "2015?2020年")


def test_no_as_found_is_an_empty_tuple():
    report, problems = parse_as_found(
        AS_FOUND_REPORT.replace("as_found:\n  - 据统计,,\n  - \"2015?2020年\"\n", ""))
    assert problems == [] and report.as_found == ()


def test_an_excerpt_missing_from_the_body_is_an_error_at_its_line():
    report, problems = parse_as_found(AS_FOUND_REPORT.replace("  - 据统计,,", "  - 据统计，，"))
    assert report is None
    assert [(p.line, p.warning) for p in problems] == [(5, False)]
    assert "'据统计，，' is not in the body" in problems[0].message


def test_as_found_must_be_a_list_of_text():
    _, problems = parse_as_found(
        AS_FOUND_REPORT.replace("as_found:\n  - 据统计,,", "as_found: 据统计,,\nx_:\n  - a"))
    assert any(p.line == 4 and "'as_found' must be a list" in p.message for p in problems)


GOOD_REPORT = """---
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


def test_a_complete_report_is_read_field_by_field(tmp_path):
    content, problems = load_checked(tmp_path, {"content/reports/a.md": GOOD_REPORT})
    assert problems == []
    (report,) = content.reports
    assert report.title == "盐城市大丰区召开知识产权联席会议"
    assert report.date == PartialDate(None, 5, 10)
    assert (report.slug, report.place, report.region) == ("dafeng", "江苏省盐城市大丰区", "江苏省")
    assert report.tags == ("知识产权联席会议", "专利")
    assert report.source.page_title == "最新知识产权联席会议总结"
    assert report.source.section == "知识产权联席会议总结一"
    assert report.body == "据统计,,盐城市大丰区共申请各类专利3326件。"


SHA = "0123456789abcdef" * 4


def test_a_capture_is_read_with_its_sha256_in_lowercase(tmp_path):
    content, problems = load_checked(tmp_path, {"content/reports/a.md": (
        "---\ntitle: a\ndate: 2020\nsource:\n  capture: content/captures/a.html\n"
        "  capture_sha256: " + SHA.upper() + "\n---\n正文\n")})
    assert problems == []
    source = content.reports[0].source
    assert (source.capture, source.capture_sha256) == ("content/captures/a.html", SHA)


def test_the_slug_defaults_to_the_file_name(tmp_path):
    content, problems = load_checked(tmp_path, {"content/reports/my-report.md":
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
    ("---\ntitle: a\ndate: 2020\nsource:\n  capture: content/captures/a.html\n"
     "  capture_sha256: 12ab\n---\n", 6, "must be a SHA-256 digest, 64 hexadecimal digits"),
    ("---\ntitle: a\ndate: 2020\nsource:\n  capture: ../../etc/passwd\n"
     "  capture_sha256: " + SHA + "\n---\n", 5, "must name a saved page in content/captures/"),
    ("---\ntitle: a\ndate: 2020\nsource:\n  capture: content/captures/a.html\n---\n", 5,
     "source.capture is given without source.capture_sha256"),
    ("---\ntitle: a\ndate: 2020\nsource:\n  capture_sha256: " + SHA + "\n---\n", 5,
     "source.capture_sha256 is given without source.capture"),
])
def test_each_broken_rule_is_an_error_at_its_line(tmp_path, text, line, words):
    _, problems = load_checked(tmp_path, {"content/reports/r.md": text})
    errors = [p for p in problems if not p.warning]
    assert len(errors) == 1, errors
    assert errors[0].path == tmp_path / "content/reports/r.md"
    assert errors[0].line == line
    assert words in errors[0].message
    assert " — " in errors[0].message  # every message says what to do


def test_the_line_counts_a_byte_order_mark_and_crlf_like_plain_text(tmp_path):
    text = "---\r\ntitle: a\r\ndate: 2023-02-30\r\n---\r\n"
    _, problems = load_checked(tmp_path, {"content/reports/r.md": b"\xef\xbb\xbf" + text.encode()})
    assert [p.line for p in problems] == [3]


def test_unknown_fields_are_warnings_with_their_line(tmp_path):
    content, problems = load_checked(tmp_path, {"content/reports/r.md":
                                        "---\ntitle: a\ndate: 2020\nauthor: x\n---\n"})
    assert len(content.reports) == 1
    assert [(p.line, p.warning) for p in problems] == [(4, True)]
    assert "unknown field 'author'" in problems[0].message


def test_every_error_of_every_file_is_reported(tmp_path):
    _, problems = load_checked(tmp_path, {
        "content/reports/a.md": "---\ntitle: 2024\ndate: 2023-02-30\n---\n",
        "content/reports/b.md": "no front matter\n",
    })
    assert sorted((p.path.name, p.line) for p in problems) == [("a.md", 2), ("a.md", 3),
                                                               ("b.md", 1)]


def test_links_are_read_with_their_source(tmp_path):
    content, problems = load_checked(tmp_path, {"content/links.yaml": (
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
    _, problems = load_checked(tmp_path, {"content/links.yaml": text})
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
    content, problems = load_checked(tmp_path, {"content/reports/a.md": encode(GOOD_REPORT)})
    assert problems == []
    assert content.reports[0].body == "据统计,,盐城市大丰区共申请各类专利3326件。"
    assert content.reports[0].title == "盐城市大丰区召开知识产权联席会议"


def test_bytes_that_are_not_utf8_are_an_error_with_their_offset(tmp_path):
    _, problems = load_checked(tmp_path, {"content/reports/a.md": b"---\ntitle: \xff\n---\n"})
    (problem,) = problems
    assert problem.line == 2 and "byte offset 11" in problem.message


def test_a_body_read_again_must_be_the_file_the_build_read(tmp_path):
    """A body is read again at render time; a file saved since then stops the build
    rather than pairing the new body with the old front matter and cache key."""
    from dataclasses import replace

    from generator.source.content import body_text, load_report

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
    content, problems = load_checked(tmp_path, {"content/reports/a.md":
                                        f"---\ntitle: a\ndate: 2020\ntags: [{tags}]\n---\n"})
    assert content.reports == ()
    assert [(p.line, p.message.split(";")[0]) for p in problems if not p.warning] == [
        (4, "200,000 tags")]


@pytest.mark.parametrize("field, limit", [("title", 300), ("place", 100), ("summary", 1000)])
def test_an_overlong_field_is_an_error_naming_the_limit(tmp_path, field, limit):
    extra = "" if field == "title" else "title: a\n"
    text = f"---\n{extra}{field}: {'长' * (limit + 1)}\ndate: 2020\n---\n"
    _, problems = load_checked(tmp_path, {"content/reports/a.md": text})
    errors = [p for p in problems if not p.warning]
    assert len(errors) == 1 and f"the limit is {limit:,}" in errors[0].message
    assert errors[0].line == (2 if field == "title" else 3)


FRONT = "title: a\ndate: 2020\n"  # the body starts on line 5 of the file


@pytest.mark.parametrize("body, first_bad", [
    # 600 nested list items, two spaces deeper each (3,000 took Python-Markdown 155 s and
    # crashed it; they are now past the body's size limit too).
    ("".join("  " * i + "- x\n" for i in range(600)), 128),
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


def test_nesting_up_to_the_limit_still_builds(make_site):
    body = ("".join("    " * i + f"- 第{i}层\n" for i in range(MAX_NESTING_PREFIX // 4))
            + "\n\n" + "> " * (MAX_NESTING_PREFIX // 2) + "引文\n")
    site = make_site({REPORT: report(FRONT, body)})
    out = build_out(site).out_dir
    page = (out / "reports/a.html").read_text("utf-8")
    assert "第63层" in page and "引文" in page


def test_a_body_longer_than_any_report_is_refused_at_its_first_line(make_site):
    body = "知识产权。" * (MAX_BODY_BYTES // 15 + 1)
    site = make_site({REPORT: report(FRONT, body)})
    size = len(body.encode())
    assert errors_of(site) == [f"{REPORT}:6: the text is {size:,} bytes long; the limit is "
                               f"{MAX_BODY_BYTES:,} — split it into several reports"]


def test_many_headings_and_tags_build_in_linear_time(make_site):
    # Python-Markdown's time grew with their square; the engine's and ours do not.
    body = "".join(f"## 第{i}节\n\n<b>粗</b>正文。\n\n" for i in range(5_000))
    site = make_site({REPORT: report(FRONT, body)})
    page = (build_out(site).out_dir / "reports/a.html").read_text("utf-8")
    assert 'id="第4999节"' in page and "&lt;b&gt;粗&lt;/b&gt;" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)",
                                 "&#106;avascript:alert(1)", "vbscript:msgbox(1)",
                                 "data:text/html,<script>alert(1)</script>", "//evil.example/",
                                 " javascript:alert(1)"])
def test_dangerous_urls_in_front_matter_and_links_are_errors(make_site, url):
    quoted = json.dumps(url)
    site = make_site({
        REPORT: report(f"title: a\ndate: 2020\nsource:\n  url: {quoted}\n"),
        "content/links.yaml": f"- title: 相关\n  url: {quoted}\n",
    })
    errors = errors_of(site)
    assert [e.split(": ")[0] for e in errors] == ["content/links.yaml:2", f"{REPORT}:5"], errors
    assert all("is not an http(s) address" in e for e in errors)


@pytest.mark.slow
def test_a_20_mb_field_and_200000_tags_are_errors_under_the_limits(make_site):
    twenty_mb = report("title: d\ndate: 2020\nplace: " + "x" * 20_000_000 + "\n")
    big = "知" * (3 * 1024 * 1024)  # 9 MB of UTF-8: under the file limit, far over the field's
    site = make_site({
        "content/reports/a.md": report(f"title: {big}\ndate: 2020\n"),
        "content/reports/b.md": report("title: b\ndate: 2020\nsummary: " + "x" * 9_000_000
                                       + "\n"),
        "content/reports/c.md": report("title: c\ndate: 2020\ntags: ["
                                       + ", ".join(f"t{i}" for i in range(200_000)) + "]\n"),
        "content/reports/d.md": twenty_mb,
    })
    errors = errors_of(site)
    assert errors == [
        f"content/reports/a.md:2: 'title' is {len(big):,} characters long; the limit is "
        f"{TEXT_LIMITS['title']} — shorten it (the full text belongs in the body)",
        "content/reports/b.md:4: 'summary' is 9,000,000 characters long; the limit is "
        f"{TEXT_LIMITS['summary']:,} — shorten it (the full text belongs in the body)",
        f"content/reports/c.md:4: 200,000 tags; a report may have at most {MAX_TAGS} — keep "
        "the subjects a reader would browse by",
        f"content/reports/d.md: the file is {len(twenty_mb.encode()):,} bytes; the limit is "
        f"{MAX_SOURCE_BYTES:,} — split it or remove it",
    ]


@pytest.mark.parametrize("slug", ["../escape", "a/b", "a\\\\b", "%2e%2e", "..", "C:", "c:x",
                                  "a\\0b", "/etc/passwd", "Abc", "a--b", "报告", "a%2fb"])
def test_slugs_that_are_not_safe_names_are_errors(make_site, slug):
    site = make_site({REPORT: report(f'title: a\ndate: 2020\nslug: "{slug}"\n')})
    [message] = errors_of(site)
    assert message.startswith(f"{REPORT}:4: slug ") and "may hold only a-z, 0-9" in message


def test_a_file_name_that_gives_no_slug_is_an_error(make_site):
    site = make_site({"content/reports/C:..md": report(GOOD_FRONT),
                      "content/reports/%2e%2e.md": report(GOOD_FRONT)})
    errors = errors_of(site)
    assert len(errors) == 2 and all("gives no usable slug" in e for e in errors), errors


@pytest.mark.parametrize("field", ["tags", "region"])
@pytest.mark.parametrize("name", ["..", "a/b", "a\\\\b", "%2e%2e", "C:", "c:x", "\\0x", "x\\u0007",
                                  "CON", "nul.txt", "com1", "a?b", "a#b", "x" * 61])
def test_tags_and_regions_that_cannot_name_a_file_are_errors(make_site, field, name):
    value = f'["{name}"]' if field == "tags" else f'"{name}"'
    site = make_site({REPORT: report(f"title: a\ndate: 2020\n{field}: {value}\n")})
    [message] = errors_of(site)
    assert message.startswith(f"{REPORT}:4: {field} ") and "cannot name a page" in message


@pytest.mark.parametrize("folder", ["content/reports", "content/pages", "static"])
def test_a_link_pointing_outside_the_site_is_refused(make_site, tmp_path, folder):
    secret = tmp_path / "secret.md"
    secret.write_text(report("title: 秘密\ndate: 2020\n"), "utf-8")
    site = make_site({REPORT: report(GOOD_FRONT)})
    (site / folder).mkdir(parents=True, exist_ok=True)
    (site / folder / "leak.md").symlink_to(secret)
    errors = errors_of(site)
    assert len(errors) == 1 and errors[0].startswith(f"{folder}/leak.md: this link points "
                                                     "outside the site"), errors


def test_a_linked_content_folder_pointing_outside_the_site_is_refused(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(report("title: 秘密\ndate: 2020\n"), "utf-8")
    site = make_site({"content/pages/about.md": "---\ntitle: 关于\n---\n"})
    (site / "content/reports").symlink_to(outside, target_is_directory=True)
    errors = errors_of(site)
    assert errors == ["content/reports: this folder is a link pointing outside the site — copy "
                      "the files into the site instead"], errors


def test_a_link_inside_the_site_is_followed(make_site):
    site = make_site({"content/reports/a.md": report(GOOD_FRONT)})
    (site / "content/reports/b.md").symlink_to(site / "content/reports/a.md")
    build_out(site)
    out = site.parent / "site-out"
    assert (out / "reports/a.html").read_bytes().count("好的报告".encode()) == \
        (out / "reports/b.html").read_bytes().count("好的报告".encode()) > 0


@pytest.mark.parametrize("text, line, words", [
    # The quote opens on line 2 and is never closed: the line it opens on is the useful one.
    (report('title: "盐城市大丰区\ndate: 2020\n'), 2, "quoted value is not closed"),
    (report("title: a\ndate: 2020\nsource:\n\tsite: x\n"), 5, "indent with spaces, not tabs"),
    (report("title: a\nthis line is stray\ndate: 2020\n"), 3, "neither `key: value`"),
    ("正文，没有前言。\n", 1, "no front matter"),
    ("---\ntitle: a\ndate: 2020\n\n正文。\n", 1, "never closed"),
    (report("- title: a\n- date: 2020\n"), 2, "holds a list"),
    (report("只是一句话\n"), 2, "holds a text"),
    (report(""), 1, "the front matter is empty"),
    (report("\n\n"), 1, "the front matter is empty"),
])
def test_broken_front_matter_is_an_error_at_its_line(make_site, text, line, words):
    site = make_site({REPORT: text})
    errors = errors_of(site)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{REPORT}:{line}: ") and words in errors[0], errors


@FUZZ
@given(front=YAMLISH, body=MARKDOWN)
def test_yaml_ish_front_matter_never_crashes(make_site, front, body):
    site = fuzz_site(make_site)
    write_report(site, f"---\n{front}\n---\n{body}")
    outcome(site)


@FUZZ
@given(fields=FIELDS, body=MARKDOWN)
def test_typed_fields_never_crash(make_site, fields, body):
    site = fuzz_site(make_site)
    write_report(site, f"---\n{yaml_of(fields)}---\n{body}")
    outcome(site)


@FUZZ
@given(data=st.one_of(st.binary(max_size=200),
                      st.binary(max_size=100).map(lambda b: b"---\ntitle: a\ndate: 2020\n---\n"
                                                  + b)))
def test_random_bytes_never_crash(make_site, data):
    site = fuzz_site(make_site)
    write_report(site, data)
    outcome(site)


def test_parsed_once_parses_the_same_bytes_once_and_only_within_its_block(monkeypatch,
                                                                          tmp_path):
    from generator.source.content import load_report

    parsed: list[bytes] = []

    def counted(path, data, problems):
        parsed.append(data)
        return load_report(path, data, problems)

    monkeypatch.setattr("generator.source.content.load_report", counted)
    path = tmp_path / REPORT
    first = report(GOOD_FRONT).encode()
    saved_again = report(GOOD_FRONT, "改过的正文。\n").encode()
    with parsed_once():
        found, problems = parse_source("report", path, first)
        problems.append("changed by the caller")  # the next caller's list is its own
        assert parse_source("report", path, first) == (found, [])  # the first result
        assert parse_source("report", path, saved_again)[0].body == "改过的正文。"
    parse_source("report", path, first)  # after the block: parsed as always
    assert parsed == [first, saved_again, first]


@pytest.mark.parametrize("written, line_to_write", [
    ("2024/04/26", "date: 2024-04-26"),
    ("2024年4月26日", "date: 2024-04-26"),
    ("2024.4.26", "date: 2024-04-26"),
    ("2024-4-6", "date: 2024-04-06"),
    ("2024-04-26 10:00", "date: 2024-04-26"),
    ("4月26日", "date: XXXX-04-26"),
])
def test_a_date_written_another_way_is_an_error_giving_the_line_to_write(tmp_path, written,
                                                                         line_to_write):
    _, problems = load_checked(tmp_path, {"content/reports/r.md":
                                          f"---\ntitle: a\ndate: {written}\n---\n"})
    assert [(p.line, p.warning) for p in problems] == [(3, False)]
    assert problems[0].message.startswith(f"date {written!r} ")
    assert problems[0].message.endswith(f" — write `{line_to_write}`")


def test_a_retrieved_date_written_another_way_gives_its_own_line_to_write(tmp_path):
    _, problems = load_checked(tmp_path, {"content/reports/r.md": (
        "---\ntitle: a\ndate: 2020\nsource:\n  site: 某网站\n  retrieved: 2024/04/26\n---\n")})
    assert [(p.line, p.warning) for p in problems] == [(6, False)]
    assert problems[0].message == ("retrieved '2024/04/26' is not a date in the archive's form, "
                                   "YYYY-MM-DD — write `retrieved: 2024-04-26`")
