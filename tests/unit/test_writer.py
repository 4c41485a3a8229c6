from pathlib import PurePosixPath as P

import pytest

from conftest import tree_bytes, write_files
from generator.build.writer import MANIFEST, Staging, check_output_dir, collect_static, write_file


def write_site(files: dict, out):
    staging = Staging(out)
    for out_path, data in files.items():
        write_file(staging.root, out_path, data)
    staging.commit([str(p) for p in files])


def test_the_site_is_swapped_in_whole_and_stale_files_go(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one", P("reports/a.html"): b"a"}, out)
    assert check_output_dir(tmp_path, out) == []
    write_site({P("index.html"): b"two"}, out)
    files = tree_bytes(out)
    assert files.pop(MANIFEST)
    assert files == {"index.html": b"two"}
    # No staging left behind; the site it replaced is kept as the spare the next build fills.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.spare", "public"]
    assert (tmp_path / ".public.spare/reports/a.html").read_bytes() == b"a"


def test_carried_over_files_are_the_same_file_not_a_copy(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one", P("reports/a.html"): b"a"}, out)
    before = (out / "reports/a.html").stat()
    staging = Staging(out)
    staging.carry_over(["reports/a.html"])
    write_file(staging.root, P("index.html"), b"two")
    staging.commit(["index.html", "reports/a.html"])
    after = (out / "reports/a.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "index.html").read_bytes() == b"two"


def test_a_discarded_staging_leaves_the_site_alone(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one"}, out)
    before = tree_bytes(out)
    staging = Staging(out)
    write_file(staging.root, P("index.html"), b"half-built")
    staging.discard()
    assert tree_bytes(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_static_files_are_found_without_hidden_ones(tmp_path):
    write_files(tmp_path, {"static/style.css": "body{}", "static/.DS_Store": "x",
                           "static/img/logo.png": b"\x89PNG"})
    static, problems = collect_static(tmp_path / "static", tmp_path)
    assert sorted(map(str, static)) == ["static/img/logo.png", "static/style.css"]
    assert problems == []


def test_a_static_link_out_of_the_site_is_an_error_not_a_copy(tmp_path):
    (tmp_path / "outside.txt").write_text("secret")
    site = tmp_path / "site"
    write_files(site, {"static/style.css": "body{}"})
    (site / "static/leak.txt").symlink_to(tmp_path / "outside.txt")
    static, problems = collect_static(site / "static", site)
    assert sorted(map(str, static)) == ["static/style.css"]
    assert [p.path.name for p in problems] == ["leak.txt"]


def test_an_output_directory_with_files_we_did_not_write_is_refused(tmp_path):
    write_files(tmp_path, {"public/notes.txt": "mine"})
    (problem,) = check_output_dir(tmp_path, tmp_path / "public")
    assert "notes.txt" in problem.message and "did not write" in problem.message


def test_a_file_added_to_our_output_by_hand_is_protected_too(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"x"}, out)
    (out / "CNAME").write_text("example.org")
    (problem,) = check_output_dir(tmp_path, out)
    assert "CNAME" in problem.message


@pytest.mark.parametrize("out", [".", "..", "content", "content/reports/x", "static/out"])
def test_outputs_that_would_replace_sources_are_refused(tmp_path, out):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    problems = check_output_dir(site, site / out)
    assert len(problems) == 1 and "refusing" in problems[0].message


def test_a_symlinked_output_is_not_followed(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "public").symlink_to(tmp_path / "elsewhere")
    (problem,) = check_output_dir(tmp_path, tmp_path / "public")
    assert "symbolic link" in problem.message


def test_a_short_write_is_continued_until_the_whole_page_is_written(tmp_path, monkeypatch):
    # os.write may write less than asked (a signal, a pipe-like file system); the page
    # must still come out whole.
    import os

    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    page = "<p>知识产权联席会议</p>\n".encode() * 50
    size, _ = write_file(tmp_path, P("reports/a.html"), page)
    monkeypatch.undo()
    assert (tmp_path / "reports/a.html").read_bytes() == page
    assert size == len(page)
