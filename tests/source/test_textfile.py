"""generator/source/textfile.py: sources read as text the same way everywhere. Bad bytes
at their offset, any BOM and line ending, and oversized files refused in bounded memory."""
from __future__ import annotations

import codecs
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.source.textfile import (
    MAX_SOURCE_BYTES,
    decode_source,
    read_source_bytes,
    read_source_text,
)
from tests.helpers import GOOD_FRONT, REPO, REPORT, build_out, errors_of, report, tree_bytes


@pytest.mark.parametrize("data, line, offset, words", [
    (b"---\ntitle: a\ndate: 2020\n---\n\n\xff\xfe\xfd\n", 6, 29, "is not valid UTF-8 text"),
    (b"---\ntitle: \xe7\x9f\xa5\xe8\xaf\ndate: 2020\n---\n", 2, 14, "is not valid UTF-8 text"),
    (b"---\ntitle: a\ndate: 2020\n---\n\nab\x00c\n", 6, 31, "holds a NUL character"),
    (codecs.BOM_UTF8 + b"---\ntitle: a\ndate: 2020\n---\n\xc3(\n", 5, 31, "is not valid UTF-8"),
    (codecs.BOM_UTF16_LE + "---\n".encode("utf-16-le") + b"\x00\xdc", 2, 10,
     "is not valid UTF-16"),
    (codecs.BOM_UTF8 + b"---\ntitle: a\x00\ndate: 2020\n---\n", 2, 15, "holds a NUL character"),
    (codecs.BOM_UTF16_LE + "---\ntitle: a\n\0---\n".encode("utf-16-le"), 3, 28,
     "holds a NUL character"),
])
def test_bad_bytes_are_errors_with_the_byte_offset(make_site, data, line, offset, words):
    site = make_site({REPORT: data})
    [message] = errors_of(site)
    assert message.startswith(f"{REPORT}:{line}: ") and words in message, message
    assert f"byte offset {offset} " in message, message
    if "NUL" not in words:
        assert f"(byte {data[offset]:#04x})" in message  # the offset is the bad byte's own
    else:
        assert data[offset:offset + 1] == b"\x00" or data[offset:offset + 2] == b"\x00\x00"


SAME_REPORT = textwrap.dedent("""\
    ---
    title: 盐城市大丰区召开知识产权联席会议
    date: XXXX-05-10
    tags: [专利, 知识产权联席会议]
    summary: 一句话。
    ---

    5月10日，大丰区召开会议。

    ## 小标题

    - 一
    - 二
    """)


@pytest.mark.parametrize("encode", [
    lambda t: codecs.BOM_UTF8 + t.encode(),
    lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    lambda t: t.replace("\n", "\r\n").encode(),
    lambda t: t.replace("\n", "\r").encode(),
    lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le"),
], ids=["utf8-bom", "utf16-le", "utf16-be", "crlf", "lone-cr", "utf16-crlf"])
def test_other_encodings_and_line_ends_give_the_same_site(make_site, encode):
    def site_of(name, transform):
        site = make_site({REPORT: transform(SAME_REPORT),
                          "content/links.yaml": transform("- title: 关于世界知识产权日\n"),
                          "site.yaml": transform("title: 档案\nbase_url: https://e.org/\n")},
                         name=name)
        build_out(site)
        return tree_bytes(site.parent / f"{name}-out")

    plain = site_of("plain", lambda t: t.encode())
    assert plain == site_of("other", encode)
    assert "5月10日，大丰区召开会议。" in plain["reports/a.html"].decode()


@pytest.mark.slow
def test_a_100_mb_report_is_refused_in_bounded_memory(tmp_path, make_site):
    site = make_site({REPORT: report(GOOD_FRONT)})
    with open(site / "content/reports/huge.md", "wb") as handle:
        handle.write(b"---\ntitle: a\ndate: 2020\n---\n")
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing 100 MB
    # A fresh parent process, so that its children's peak is this build's alone.
    measure = ("import resource, subprocess, sys; "
               "run = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stderr.write(run.stderr); "
               "print(run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    run = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "generator",
                          "build", "--site", str(site), "--out", str(tmp_path / "out"),
                          "--no-search", "--quiet", "--jobs", "1"],
                         cwd=site, env=dict(os.environ, PYTHONPATH=str(REPO)),
                         capture_output=True, text=True, timeout=120)
    status, peak_kb = map(int, run.stdout.split())
    assert status == 1 and "Traceback" not in run.stderr
    assert f"content/reports/huge.md: the file is 104,857,600 bytes; the limit is " \
           f"{MAX_SOURCE_BYTES:,}" in run.stderr
    # About 35 MB here, the interpreter and its imports; reading the file whole would pass 100.
    assert peak_kb / 1024 < 100, f"peak memory {peak_kb / 1024:.0f} MB"
    print(f"peak memory of the build: {peak_kb / 1024:.0f} MB")


@pytest.mark.parametrize("name", ["content/links.yaml", "site.yaml", "content/pages/about.md"])
def test_other_oversized_sources_are_refused_too(make_site, name):
    site = make_site({REPORT: report(GOOD_FRONT), name: b"#" * (MAX_SOURCE_BYTES + 1)})
    [message] = errors_of(site)
    assert message.startswith(f"{name}: the file is {MAX_SOURCE_BYTES + 1:,} bytes; the limit is")


# --- the functions themselves ------------------------------------------------------------

P = Path("content/reports/a.md")


@pytest.mark.parametrize("data", [
    "标题\n正文\n".encode(), "标题\r\n正文\r\n".encode(), "标题\r正文\r".encode(),
    codecs.BOM_UTF8 + "标题\n正文\n".encode(),
    codecs.BOM_UTF16_LE + "标题\r\n正文\r\n".encode("utf-16-le"),
    codecs.BOM_UTF16_BE + "标题\n正文\n".encode("utf-16-be"),
], ids=["lf", "crlf", "cr", "utf-8-bom", "utf-16-le", "utf-16-be"])
def test_every_encoding_and_line_end_decodes_to_the_same_text(data):
    assert decode_source(P, data) == ("标题\n正文\n", [])


def test_invalid_utf8_is_placed_at_its_line_and_byte_offset_in_the_file():
    text, [problem] = decode_source(P, codecs.BOM_UTF8 + b"a\nb\xffc\n")
    assert text is None and problem.line == 2
    # The offset counts the BOM: it is the one a hex editor shows.
    assert problem.message.startswith("byte offset 6 is not valid UTF-8 text (byte 0xff)")


def test_a_nul_character_is_refused_at_its_offset():
    text, [problem] = decode_source(P, b"a\nb\x00\n")
    assert text is None and problem.line == 2 and "NUL character at byte offset 3" in \
        problem.message


def test_reading_refuses_a_file_over_the_limit_without_reading_it(tmp_path):
    path = tmp_path / "big.md"
    with open(path, "wb") as handle:
        handle.truncate(MAX_SOURCE_BYTES + 1)
    data, [problem] = read_source_bytes(path)
    assert data is None and problem.line == 0
    assert f"the file is {MAX_SOURCE_BYTES + 1:,} bytes; the limit is {MAX_SOURCE_BYTES:,}" \
        in problem.message
    with open(path, "r+b") as handle:
        handle.truncate(MAX_SOURCE_BYTES)
    assert read_source_bytes(path)[1] == []


def test_a_file_that_cannot_be_read_is_a_problem_not_an_exception(tmp_path):
    text, [problem] = read_source_text(tmp_path / "missing.md")
    assert text is None and problem.message.startswith("cannot read the file: ")
    assert read_source_text(tmp_path)[0] is None  # a folder
