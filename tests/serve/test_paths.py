"""generator/serve/paths.py: which file a request names, that nothing outside the output
folder is ever read, and the type each file is served as."""
from __future__ import annotations

import os

import pytest

from generator.serve.paths import IS_FOLDER, content_type, read_output_file, resolve_request_path


@pytest.mark.parametrize("target, out_path", [
    ("/", "index.html"),
    ("/index.html", "index.html"),
    ("/reports/dafeng-ip-joint-meeting.html", "reports/dafeng-ip-joint-meeting.html"),
    ("/archive/", "archive/index.html"),
    ("/archive", "archive"),  # a folder without its slash: the server redirects
    ("/static/style.css?v=2#top", "static/style.css"),
    ("/tags/%E4%B8%93%E5%88%A9.html", "tags/专利.html"),
    # A browser sends UTF-8; http.server hands the bytes over as Latin-1.
    ("/tags/专利.html".encode().decode("latin-1"), "tags/专利.html"),
    # Decoded exactly once: "%252e" is the literal name "%2e", inside the folder.
    ("/%252e%252e/%252e%252e/etc/passwd", "%2e%2e/%2e%2e/etc/passwd"),
])
def test_plain_paths_name_a_file_inside_the_output(target, out_path):
    assert resolve_request_path(target) == out_path

@pytest.mark.parametrize("target", [
    "/../../etc/passwd",
    "/reports/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc/passwd",
    "/%2E%2E/etc/passwd",
    "/..%5c..%5cetc/passwd",
    "/..\\..\\etc\\passwd",
    "/reports%2f..%2f..%2fetc/passwd",
    "//etc/passwd",
    "/reports//a.html",
    "/./index.html",
    "/.ipr-archive-manifest.json",
    "/static/.hidden",
    "/index.html%00.css",
    "/a%0d%0aSet-Cookie:%20x",
    "/%ff%fe",  # not UTF-8
    "http://example.org/index.html",
    "*",
    "",
    "index.html",
])
def test_anything_that_could_leave_the_output_is_refused(target):
    assert resolve_request_path(target) is None


@pytest.fixture
def out(tmp_path):
    root = tmp_path / "out"
    (root / "reports").mkdir(parents=True)
    (root / "index.html").write_bytes(b"<html>home</html>")
    (root / "reports" / "a.html").write_bytes(b"<html>a</html>")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    return root

def test_a_file_is_read_whole(out):
    assert read_output_file(out, "reports/a.html") == b"<html>a</html>"
    assert read_output_file(out, "index.html") == b"<html>home</html>"

def test_a_folder_is_reported_as_one(out):
    assert read_output_file(out, "reports") == IS_FOLDER

def test_missing_files_are_none(out):
    assert read_output_file(out, "reports/b.html") is None
    assert read_output_file(out, "index.html/x") is None

def test_a_link_pointing_out_of_the_output_is_not_followed(out, tmp_path):
    os.symlink(tmp_path / "secret.txt", out / "leak.txt")
    os.symlink(tmp_path, out / "up")
    os.symlink("/etc/passwd", out / "passwd")
    assert read_output_file(out, "leak.txt") is None
    assert read_output_file(out, "up/secret.txt") is None
    assert read_output_file(out, "passwd") is None

def test_a_link_inside_the_output_is_followed(out):
    os.symlink("reports/a.html", out / "same.html")
    assert read_output_file(out, "same.html") == b"<html>a</html>"

def test_dot_dot_reaching_the_function_directly_still_cannot_leave(out):
    # resolve_request_path never returns these; the containment check stands on its own.
    assert read_output_file(out, "../secret.txt") is None
    assert read_output_file(out, "reports/../../secret.txt") is None
    assert read_output_file(out, "..") is None

def test_a_file_replaced_after_it_was_opened_is_read_as_opened(out, monkeypatch):
    """The build swaps files in by rename; a reader gets the whole old file or the new one."""
    real_open = os.open

    def open_then_replace(path, flags, *args):
        fd = real_open(path, flags, *args)
        if path.endswith("a.html"):
            new = out / "reports" / "a.html.new"
            new.write_bytes(b"<html>new</html>")
            os.replace(new, out / "reports" / "a.html")
        return fd

    monkeypatch.setattr(os, "open", open_then_replace)
    assert read_output_file(out, "reports/a.html") == b"<html>a</html>"
    monkeypatch.undo()
    assert read_output_file(out, "reports/a.html") == b"<html>new</html>"

def test_content_types():
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("static/style.css") == "text/css; charset=utf-8"
    assert content_type("feed.xml") == "application/xml"
    assert content_type("static/unknown.zzz") == "application/octet-stream"
    assert content_type("reports.csv") == "text/csv; charset=utf-8"
    assert content_type("reports/a.ris") == "application/x-research-info-systems"
    assert content_type("reports/a.bib") == "application/x-bibtex; charset=utf-8"
    assert content_type("reports/a.csl.json") == "application/json"
