"""A cache that is damaged, foreign or old is noticed, set aside, and never trusted."""
import sqlite3

import pytest

from conftest import tree_bytes
from generator.build.pipeline import build
from generator.build.cache import CACHE_PATH


def damage_truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def damage_empty(path):
    path.write_bytes(b"")


def damage_garbage(path):
    path.write_bytes(b"\x00not a database\xff" * 500)


def damage_old_format(path):
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'ipr-archive cache 0' WHERE key = 'format'")


def damage_records(path):
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sources SET record = '{\"kind\": \"report\"}'")


@pytest.mark.parametrize("damage", [damage_truncate, damage_empty, damage_garbage,
                                    damage_old_format, damage_records])
def test_a_damaged_cache_gives_one_warning_and_a_correct_site(real_site, tmp_path, damage):
    build(real_site)
    cache = real_site / CACHE_PATH
    with sqlite3.connect(cache) as db:  # fold the write-ahead log in, so damage sticks
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(cache)
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"  # so records are read
    edited.write_text(edited.read_text("utf-8") + "\n补记。\n", encoding="utf-8")
    result = build(real_site)
    cache_warnings = [w for w in result.warnings if "cache" in w.message]
    if damage is not damage_empty:  # an empty file is a new, empty database to SQLite
        assert len(cache_warnings) == 1, result.warnings
    build(real_site, tmp_path / "clean", use_cache=False)
    assert tree_bytes(real_site / "public") == tree_bytes(tmp_path / "clean")
    again = build(real_site)  # and the cache works again afterwards
    assert again.written == 0 and not [w for w in again.warnings if "cache" in w.message]


def test_the_cache_is_data_not_pickle(real_site):
    build(real_site)
    with sqlite3.connect(real_site / CACHE_PATH) as db:
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
