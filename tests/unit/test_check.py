"""Following the links of a built site: each kind of link problem, and where it is placed."""
from __future__ import annotations

from pathlib import Path

from conftest import write_files
from generator.authoring.check import body_first_line, check_output
from generator.source.content import Content, Report
from generator.source.dates import parse_date


def page(*links: str, ids: str = "") -> str:
    anchors = "".join(f'<a href="{href}">x</a>\n' for href in links)
    return f"<!doctype html>\n<html><body>\n<h2 id=\"{ids}\">t</h2>\n{anchors}</body></html>\n"


def messages(out: Path, content: Content | None = None) -> list[str]:
    problems, _ = check_output(out, content or Content((), (), ()), jobs=1)
    return [str(p) for p in sorted(problems)]


def test_a_linked_site_has_nothing_to_report(tmp_path):
    write_files(tmp_path, {"index.html": page("a/b.html#sec", "404.html"),
                           "a/b.html": page("../index.html", "#sec", "", ids="sec"),
                           "404.html": page("index.html")})
    assert messages(tmp_path) == []


def test_each_kind_of_link_problem(tmp_path):
    write_files(tmp_path, {
        "index.html": page("a/b.html", "a/", "/a/b.html", "../outside.html",
                           "a/b.html#gone", "missing.html", "https://example.org/x",
                           "mailto:a@b.c"),
        "a/b.html": page("../index.html"), "a/index.html": page("../index.html"),
        "lonely.html": page("index.html")})
    found = messages(tmp_path)
    assert found == sorted([
        "index.html (built page; the link comes from its template):9: link 'missing.html' "
        "leads to missing.html, which the site does not have — correct the address or remove "
        "the link",
        "index.html (built page; the link comes from its template):8: link 'a/b.html#gone' "
        "points to an anchor #gone that a/b.html does not have — link to one of the page's "
        "headings or remove the #part",
        "index.html (built page; the link comes from its template):7: link '../outside.html' "
        "leads outside the site — link to a page of the site, or give a full https:// address",
        "index.html (built page; the link comes from its template):5: warning: link 'a/' "
        "names a folder: it works on a web server but not opened from disk — link to "
        "a/index.html instead",
        "index.html (built page; the link comes from its template):6: warning: link "
        "'/a/b.html' starts with / and breaks when the site is published under a subpath or "
        "opened from disk — write it relative to this page",
        "lonely.html: warning: no other page links to lonely.html — link to it from another "
        "page, or remove it"])


def test_a_link_in_a_report_is_placed_at_its_markdown_line(tmp_path):
    source = tmp_path / "src" / "r.md"
    write_files(tmp_path, {"src/r.md": "---\ntitle: t\ndate: 2020\n---\n\n正文。\n\n"
                                       "见[甲](nope.html)。\n",
                           "out/index.html": page("reports/r.html"),
                           "out/reports/r.html": page("../index.html", "nope.html")})
    report = Report(source, "r", "t", parse_date("2020"), None)
    assert messages(tmp_path / "out", Content((report,), (), ())) == [
        f"{source}:8: link 'nope.html' leads to reports/nope.html, which the site does not "
        "have — correct the address or remove the link"]


def test_body_first_line_skips_the_front_matter_and_blank_lines():
    assert body_first_line("---\ntitle: t\n---\n\n\n正文") == 6
    assert body_first_line("---\ntitle: t\n---\n正文") == 4
