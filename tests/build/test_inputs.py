"""generator/build/inputs.py: every input read once, and only what changed read again."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import PurePosixPath

import pytest

from generator.build import inputs as inputs_module
from generator.build.inputs import read_again, read_inputs
from generator.build.pipeline import BuildOptions, build
from generator.pages import theme
from generator.source.content import digest_of
from tests.helpers import GOOD_FRONT, REPORT, errors_of, report, write_files


def test_a_rebuild_reads_only_the_files_that_changed(real_site, monkeypatch):
    import generator.build.inputs as sources_module

    hour_ago = time.time_ns() - 3600 * 10**9
    for path in (real_site / "content").rglob("*.md"):
        os.utime(path, ns=(hour_ago, hour_ago))  # saved long before the build
    build(real_site, None, BuildOptions(search=False))
    read = []
    real_read = sources_module.read_source_bytes
    monkeypatch.setattr(sources_module, "read_source_bytes",
                        lambda path: read.append(path.name) or real_read(path))
    assert build(real_site, None, BuildOptions(search=False)).written == 0
    assert read == []  # known by size, mtime and inode alone
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    edited.write_text(edited.read_text("utf-8") + "\n补记一句。\n", encoding="utf-8")
    assert build(real_site, None, BuildOptions(search=False)).written == 3  # .json, .csv
    assert set(read) == {"dafeng-ip-joint-meeting.md"}  # to digest it, then to parse it


def test_a_file_changed_within_a_clock_tick_of_the_last_read_is_read_again(real_site):
    # Coarse file system clocks can give a file saved twice in one tick the same mtime;
    # a file saved that close to the last build is never trusted by its mtime alone.
    edited = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    text = edited.read_text("utf-8")
    edited.write_text(text, encoding="utf-8")  # saved just now
    build(real_site, None, BuildOptions(search=False))
    before = os.stat(edited)
    edited.write_text(text.replace("盐城", "某城", 1), encoding="utf-8")  # the same size
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(edited).st_size == before.st_size
    build(real_site, None, BuildOptions(search=False))
    assert "某城" in (real_site / "public/reports/dafeng-ip-joint-meeting.html").read_text()


@pytest.mark.parametrize("name", ["templates/base.html", "content/links.yaml", "templates"])
def test_a_linked_template_or_links_file_pointing_outside_is_refused(make_site, tmp_path, name):
    outside = tmp_path / "outside"
    shutil.copytree(theme.TEMPLATES, outside / "templates")
    (outside / "links.yaml").write_text("- title: 外面\n", "utf-8")
    site = make_site({REPORT: report(GOOD_FRONT)})
    target = outside / ("links.yaml" if name.endswith(".yaml") else name)
    if (site / name).is_dir():
        shutil.rmtree(site / name)
    elif (site / name).exists():
        (site / name).unlink()
    (site / name).symlink_to(target)
    errors = errors_of(site)
    assert errors == [f"{name}: this link points outside the site — copy the file into the "
                      "site instead of linking to it"], errors


# --- read_inputs and read_again themselves -----------------------------------------------

def small_site(make_site):
    return make_site({"content/reports/a.md": report(GOOD_FRONT),
                      "content/reports/b.md": report("title: 乙\ndate: 2021\n"),
                      "content/pages/about.md": "---\ntitle: 关于\n---\n正文\n",
                      "content/links.yaml": "- title: 相关\n"})


def test_every_source_is_listed_with_the_digest_of_its_bytes(make_site):
    site = small_site(make_site)
    inputs = read_inputs(site)
    assert inputs.problems == ()
    assert [(f.kind, f.key) for f in inputs.files] == [
        ("report", "content/reports/a.md"), ("report", "content/reports/b.md"),
        ("page", "content/pages/about.md")]
    a = site / "content/reports/a.md"
    assert inputs.files[0].state.digest == digest_of(a.read_bytes())
    assert inputs.files[0].path == a
    assert sorted(inputs.static) == [PurePosixPath("static") / p.name
                                     for p in sorted((site / "static").iterdir())]


@pytest.mark.parametrize("edit, frame_changes", [
    ("report body", False), ("report field", False), ("new report", True), ("page", True),
    ("template", True), ("links", True), ("static", True),
])
def test_the_frame_changes_with_everything_but_the_bytes_of_reports(make_site, edit,
                                                                    frame_changes):
    site = small_site(make_site)
    before = read_inputs(site)
    if edit.startswith("report"):
        path = site / "content/reports/b.md"
        text = path.read_text("utf-8")
        path.write_text(text + "补记。\n" if edit == "report body"
                        else text.replace("title: 乙", "title: 乙二"), "utf-8")
    elif edit == "new report":
        write_files(site, {"content/reports/c.md": report("title: 丙\ndate: 2022\n")})
    elif edit == "page":
        write_files(site, {"content/pages/about.md": "---\ntitle: 关于我们\n---\n正文\n"})
    elif edit == "template":
        path = site / "templates/base.html"
        path.write_text(path.read_text("utf-8") + "<!-- -->\n", "utf-8")
    elif edit == "links":
        write_files(site, {"content/links.yaml": "- title: 相关二\n"})
    else:
        write_files(site, {"static/extra.css": "p { color: red }\n"})
    after = read_inputs(site)
    assert after.digest != before.digest
    assert (after.frame != before.frame) == frame_changes


def test_a_file_the_last_build_saw_unchanged_is_not_read_again(make_site, monkeypatch):
    site = small_site(make_site)
    hour_ago = time.time_ns() - 3600 * 10**9
    for path in (site / "content").rglob("*.md"):
        os.utime(path, ns=(hour_ago, hour_ago))
    first = read_inputs(site)
    known = {f.key: f.state for f in first.files}
    touched = site / "content/reports/b.md"
    touched.write_text(touched.read_text("utf-8") + "补记。\n", "utf-8")
    read: list[str] = []
    real = inputs_module.read_source_bytes
    monkeypatch.setattr(inputs_module, "read_source_bytes",
                        lambda path: read.append(path.name) or real(path))
    again = read_inputs(site, known, first.read_at_ns)
    assert read == ["b.md"]
    assert [f.state.digest for f in again.files] != [f.state.digest for f in first.files]
    # A file saved just before the last build read it may have changed again within the
    # same clock tick: b.md is read again though its size, time and inode are as recorded.
    read.clear()
    read_inputs(site, {f.key: f.state for f in again.files}, time.time_ns())
    assert read == ["b.md"]


def test_a_source_read_again_must_have_the_bytes_whose_digest_was_taken(make_site):
    site = small_site(make_site)
    source = read_inputs(site).files[0]
    assert read_again(source) == (source.path.read_bytes(), [])
    source.path.write_text(report("title: 改了\ndate: 2020\n"), "utf-8")
    data, [problem] = read_again(source)
    assert data is None and problem.path == source.path
    assert problem.message == "the file changed while the site was being built — build again"
