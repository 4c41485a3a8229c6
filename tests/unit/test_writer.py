from pathlib import PurePosixPath as P

import pytest

from conftest import tree_bytes, write_files
from generator.errors import SiteError
from generator.writer import MANIFEST, check_output_dir, collect_static, write_site


def test_the_site_is_swapped_in_whole_and_stale_files_go(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one", P("reports/a/index.html"): b"a"}, {}, out)
    assert check_output_dir(tmp_path, out) == []
    write_site({P("index.html"): b"two"}, {}, out)
    files = tree_bytes(out)
    assert files.pop(MANIFEST)
    assert files == {"index.html": b"two"}
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no staging left behind


def test_static_files_are_copied_beside_the_pages(tmp_path):
    write_files(tmp_path, {"static/style.css": "body{}", "static/.DS_Store": "x",
                           "static/img/logo.png": b"\x89PNG"})
    static = collect_static(tmp_path / "static", tmp_path)
    assert sorted(map(str, static)) == ["static/img/logo.png", "static/style.css"]
    write_site({P("index.html"): b"x"}, static, tmp_path / "public")
    assert (tmp_path / "public/static/img/logo.png").read_bytes() == b"\x89PNG"


def test_an_output_directory_with_files_we_did_not_write_is_refused(tmp_path):
    write_files(tmp_path, {"public/notes.txt": "mine"})
    (problem,) = check_output_dir(tmp_path, tmp_path / "public")
    assert "notes.txt" in problem.message and "did not write" in problem.message


def test_a_file_added_to_our_output_by_hand_is_protected_too(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"x"}, {}, out)
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


def test_a_static_file_may_not_replace_a_page(tmp_path):
    write_files(tmp_path, {"static/x": "x"})
    with pytest.raises(SiteError):
        write_site({P("static/x"): b"page"}, {P("static/x"): tmp_path / "static/x"},
                   tmp_path / "public")
    assert not (tmp_path / "public").exists()
