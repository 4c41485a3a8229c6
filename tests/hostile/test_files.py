"""Hostile files: bad bytes, other encodings and line ends, oversized input, paths that
would leave the output, colliding outputs and links leaving the site."""
from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, tree_bytes
from generator.source.content import MAX_TAGS, TEXT_LIMITS
from generator.source.textfile import MAX_SOURCE_BYTES
from hostile.helpers import REPORT, build_out, cli, errors_of, report

GOOD = "title: 好的报告\ndate: 2020-01-02\n"


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


def test_a_100_mb_report_is_refused_in_bounded_memory(tmp_path, make_site):
    site = make_site({REPORT: report(GOOD)})
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
    site = make_site({REPORT: report(GOOD), name: b"#" * (MAX_SOURCE_BYTES + 1)})
    [message] = errors_of(site)
    assert message.startswith(f"{name}: the file is {MAX_SOURCE_BYTES + 1:,} bytes; the limit is")


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
    site = make_site({"content/reports/C:..md": report(GOOD),
                      "content/reports/%2e%2e.md": report(GOOD)})
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


def test_two_sources_on_one_output_path_list_every_source(make_site):
    site = make_site({
        "content/reports/a.md": report("title: a\ndate: 2020\nslug: same\ntags: [Abc]\n"),
        "content/reports/b.md": report("title: b\ndate: 2020\nslug: same\ntags: [abc]\n"),
        "content/reports/c.md": report("title: c\ndate: 2020\ntags: [ABC, index]\n"
                                       "region: 江苏\n"),
        "content/reports/d.md": report("title: d\ndate: 2020\nregion: 江蘇\n"),
        "content/pages/archive.md": "---\ntitle: 档案\n---\n",
        "content/pages/x.md": "---\ntitle: x\nslug: Search\n---\n",
    })
    errors = errors_of(site)
    assert "content/reports/b.md:4: slug 'same' is also used by content/reports/a.md:4 — " \
           "give each report its own slug" in errors
    [tags] = [e for e in errors if "tags/abc.html" in e.casefold()]
    for source in ("tags/Abc.html by tag 'Abc' of content/reports/a.md",
                   "tags/abc.html by tag 'abc' of content/reports/b.md",
                   "tags/ABC.html by tag 'ABC' of content/reports/c.md"):
        assert source in tags, tags
    [index] = [e for e in errors if "tags/index.html" in e]
    assert "by the site's own page" in index and "tag 'index' of content/reports/c.md" in index
    assert any(e.startswith("content/pages/archive.md:1: the page slug 'archive' is taken")
               for e in errors), errors
    assert any(e.startswith("content/pages/x.md:3: slug 'Search'") for e in errors), errors
    assert not any("regions/" in e for e in errors)  # 江苏 and 江蘇 are different names


@pytest.mark.parametrize("folder", ["content/reports", "content/pages", "static"])
def test_a_link_pointing_outside_the_site_is_refused(make_site, tmp_path, folder):
    secret = tmp_path / "secret.md"
    secret.write_text(report("title: 秘密\ndate: 2020\n"), "utf-8")
    site = make_site({REPORT: report(GOOD)})
    (site / folder).mkdir(parents=True, exist_ok=True)
    (site / folder / "leak.md").symlink_to(secret)
    errors = errors_of(site)
    assert len(errors) == 1 and errors[0].startswith(f"{folder}/leak.md: this link points "
                                                     "outside the site"), errors


@pytest.mark.parametrize("name", ["templates/base.html", "content/links.yaml", "templates"])
def test_a_linked_template_or_links_file_pointing_outside_is_refused(make_site, tmp_path, name):
    outside = tmp_path / "outside"
    shutil.copytree(REPO / "templates", outside / "templates")
    (outside / "links.yaml").write_text("- title: 外面\n", "utf-8")
    site = make_site({REPORT: report(GOOD)})
    target = outside / ("links.yaml" if name.endswith(".yaml") else name)
    if (site / name).is_dir():
        shutil.rmtree(site / name)
    elif (site / name).exists():
        (site / name).unlink()
    (site / name).symlink_to(target)
    errors = errors_of(site)
    assert errors == [f"{name}: this link points outside the site — copy the file into the "
                      "site instead of linking to it"], errors


def test_a_linked_content_folder_pointing_outside_the_site_is_refused(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(report("title: 秘密\ndate: 2020\n"), "utf-8")
    site = make_site({"content/pages/about.md": "---\ntitle: 关于\n---\n"})
    (site / "content/reports").symlink_to(outside, target_is_directory=True)
    errors = errors_of(site)
    assert errors == ["content/reports: this folder is a link pointing outside the site — copy "
                      "the files into the site instead"], errors


def test_a_linked_static_folder_pointing_outside_is_refused(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.css").write_text("secret", "utf-8")
    site = make_site({REPORT: report(GOOD)})
    (site / "static" / "more").symlink_to(outside, target_is_directory=True)
    assert errors_of(site) == ["static/more: this link points outside the site — copy the "
                               "file into static/ instead"]
    assert not (site.parent / "site-out").exists()


def test_a_link_inside_the_site_is_followed(make_site):
    site = make_site({"content/reports/a.md": report(GOOD)})
    (site / "content/reports/b.md").symlink_to(site / "content/reports/a.md")
    build_out(site)
    out = site.parent / "site-out"
    assert (out / "reports/a.html").read_bytes().count("好的报告".encode()) == \
        (out / "reports/b.html").read_bytes().count("好的报告".encode()) > 0
