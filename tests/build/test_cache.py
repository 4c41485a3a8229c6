"""generator/build/cache.py: a cache that is damaged, foreign or old is noticed, set aside
and never trusted; it holds only text, numbers and compressed HTML."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from generator.build.cache import CACHE_PATH, _all_inside
from generator.build.pipeline import BuildOptions, build
from generator.build.writer import MANIFEST
from tests.helpers import REPO, cache_db, main_build, run_in_repo, tree_bytes


def damage_truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def damage_empty(path):
    path.write_bytes(b"")


def damage_garbage(path):
    path.write_bytes(b"\x00not a database\xff" * 500)


def damage_old_format(path):
    with cache_db(path) as db:
        db.execute("UPDATE meta SET value = 'ipr-archive cache 0' WHERE key = 'format'")


def damage_records(path):
    with cache_db(path) as db:
        db.execute("UPDATE sources SET record = '{\"kind\": \"report\"}'")


@pytest.mark.slow
@pytest.mark.parametrize("damage", [damage_truncate, damage_empty, damage_garbage,
                                    damage_old_format, damage_records])
def test_a_damaged_cache_gives_one_warning_and_a_correct_site(real_site, tmp_path, damage):
    build(real_site)
    cache = real_site / CACHE_PATH
    with cache_db(cache) as db:  # fold the write-ahead log in, so damage sticks
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(cache)
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"  # so records are read
    edited.write_text(edited.read_text("utf-8") + "\n补记。\n", encoding="utf-8")
    result = build(real_site)
    cache_warnings = [w for w in result.warnings if "cache" in w.message]
    if damage is not damage_empty:  # an empty file is a new, empty database to SQLite
        assert len(cache_warnings) == 1, result.warnings
    build(real_site, tmp_path / "clean", BuildOptions(use_cache=False))
    assert tree_bytes(real_site / "public") == tree_bytes(tmp_path / "clean")
    again = build(real_site)  # and the cache works again afterwards
    assert again.written == 0 and not [w for w in again.warnings if "cache" in w.message]


def test_the_cache_is_data_not_pickle(real_site):
    build(real_site)
    with cache_db(real_site / CACHE_PATH) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master "
                                                 "WHERE type = 'table'")}
        assert tables == {"meta", "sources", "bodies", "outputs", "report_pages", "search_shards"}
        record = db.execute("SELECT record FROM sources LIMIT 1").fetchone()[0]
        context, line = db.execute("SELECT context, line FROM report_pages LIMIT 1").fetchone()
    assert record.startswith("{") and "title" in record
    assert context.startswith("[") and line.startswith("{")


def test_a_settings_change_writes_every_file_again(real_site):
    first = build(real_site)
    (real_site / "site.yaml").write_text("title: 另一个名字\n", encoding="utf-8")
    result = build(real_site)
    assert result.written == first.files
    assert "另一个名字" in (real_site / "public/index.html").read_text("utf-8")


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64) + b"SQLite format 3\x00" * 100)


def old_version(path: Path) -> None:
    with cache_db(path) as db:
        db.execute("UPDATE meta SET value = 'ipr-archive cache 2' WHERE key = 'format'")


def foreign_paths(path: Path) -> None:
    """A row naming a file outside the output, made to look like an intact search file of
    this very build (same key, the file's true size and time): reusing it would hard-link
    that file into the site and the site's folder above the output."""
    outside = path.parents[3] / "escaped-secret.txt"  # beside the site root
    outside.write_text("not for the site")
    state = outside.stat()
    with cache_db(path) as db:
        (key,) = db.execute("SELECT key FROM outputs WHERE path = 'search/meta.js'"
                            ).fetchone()
        db.execute("INSERT INTO outputs VALUES (?, ?, ?, ?)",
                   ("../../escaped-secret.txt", key, state.st_size, state.st_mtime_ns))


@pytest.mark.slow
@pytest.mark.parametrize("damage", [truncate, empty, garbage, old_version, foreign_paths])
def test_a_damaged_cache_is_set_aside_and_the_site_equals_a_clean_build(real_site, tmp_path,
                                                                         damage):
    assert run_in_repo("build", "--site", str(real_site), "--quiet").returncode == 0
    cache = real_site / CACHE_PATH
    with cache_db(cache) as db:  # fold the write-ahead log in, so damage sticks
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(cache)
    if damage is foreign_paths:  # change no indexed page, so the search files are reused
        (real_site / "static/extra.txt").write_text("x")
    else:
        report = real_site / "content/reports/dafeng-ip-joint-meeting.md"
        report.write_text(report.read_text("utf-8") + "\n补记。\n", encoding="utf-8")
    result = run_in_repo("build", "--site", str(real_site))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if "build cache" in line]
    if damage in (truncate, garbage, old_version, foreign_paths):
        assert len(warned) == 1 and warned[0].startswith(f"{cache}: warning: "), result.stderr
    assert sorted(p.name for p in tmp_path.rglob("escaped-*")) == \
        (["escaped-secret.txt"] if damage is foreign_paths else [])
    assert "escaped" not in (real_site / "public" / MANIFEST).read_text("utf-8")
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        build(real_site, Path(scratch) / "public", BuildOptions(use_cache=False))
        assert tree_bytes(real_site / "public") == tree_bytes(Path(scratch) / "public")
    again = run_in_repo("build", "--site", str(real_site))
    assert again.returncode == 0 and "build cache" not in again.stderr
    assert ": 0 written," in again.stdout


def test_the_cache_holds_only_text_numbers_and_compressed_html(real_site):
    """Data, never pickle: every cell is text, a number, or zlib-compressed UTF-8 HTML."""
    import zlib

    build(real_site)
    with cache_db(real_site / CACHE_PATH) as db:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [cell for table in tables for row in db.execute(f"SELECT * FROM {table}")
                 for cell in row]
    assert cells
    for cell in cells:
        assert isinstance(cell, (str, int)) or \
            zlib.decompress(cell).decode("utf-8").lstrip().startswith("<"), cell[:20]
    sources = "".join(p.read_text("utf-8") for p in (REPO / "generator").glob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+(pickle|marshal|shelve)\b", sources, re.M)


def test_the_build_after_a_failed_first_build_says_nothing_about_the_cache(capsys, make_site):
    site = make_site({"site.yaml": "title: 档案\nbase_url: https://example.org/\n"
                                   "contact_email: archive@example.org\n",
                      "content/reports/a.md": "---\ntitle: a\ndate: 2024-02-30\n---\n正文\n"})
    status, err = main_build(capsys, site)
    assert status == 1 and "cache" not in err
    assert (site / CACHE_PATH).exists()  # made, but never saved into
    report = site / "content/reports/a.md"
    report.write_text("---\ntitle: a\ndate: 2024-02-28\n---\n正文\n", encoding="utf-8")
    status, err = main_build(capsys, site)
    assert (status, err) == (0, "")
    again = build(site)
    assert again.written == 0 and again.warnings == ()


GOOD_PATHS = ["index.html", "reports/a.html", "tags/专利/2.html", "search/idx/0001.js",
              "reports/files/a..b.pdf", "x/.well-known"]


@pytest.mark.parametrize("bad", ["../escaped.txt", "/etc/passwd", "a/../../b", "a//b", "a/./b",
                                 "a/..", "..", ".", "", "a/\x00b", "ok.html\n../b",
                                 "a\n..", "a/b/", 7, None, b"bytes.html"])
def test_a_cached_output_path_that_could_leave_the_output_is_refused_among_thousands(bad):
    """The cache's output paths are checked all at once; one bad path among good ones,
    wherever it stands, refuses them all."""
    many = [f"reports/r{i}.html" for i in range(5000)]
    assert _all_inside(GOOD_PATHS + many)
    for at in (0, 2500, 5000):
        assert not _all_inside([*many[:at], bad, *many[at:]])
