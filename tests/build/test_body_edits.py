"""generator/build/body_edits.py: the short path for a rebuild after edits to report bodies.
It is taken only when report bodies alone changed, and makes the bytes a full build makes."""
from __future__ import annotations

import dataclasses
import shutil

import pytest

from benchmarks.corpus import write_corpus
from generator.build import body_edits
from generator.build.pipeline import BuildOptions, build
from tests.helpers import report, tree_bytes, write_files


def test_a_body_change_rewrites_only_that_report(real_site):
    # Pages only: what an edit rewrites of the search index is in tests/search/test_pagefind.py.
    build(real_site, None, BuildOptions(search=False))
    path = real_site / "content/reports/dafeng-ip-joint-meeting.md"
    path.write_text(path.read_text("utf-8") + "\n补记一句。\n", encoding="utf-8")
    before = tree_bytes(real_site / "public")
    result = build(real_site, None, BuildOptions(search=False))
    after = tree_bytes(real_site / "public")
    # The report, and reports.json and .csv, which publish the SHA-256 of every body; not
    # its citations, which show no body.
    assert sorted(name for name in after if after[name] != before.get(name)) == [
        "reports.csv", "reports.json", "reports/dafeng-ip-joint-meeting.html"]
    assert result.written == 3
    assert "补记一句。" in (real_site / "public/reports/dafeng-ip-joint-meeting.html").read_text()


def test_a_body_edit_is_built_without_parsing_the_archive_again(tmp_path, monkeypatch):
    import generator.build.pipeline as build_module

    site = write_corpus(120, tmp_path / "corpus")
    build(site, None, BuildOptions(jobs=1, search=False))
    edited = site / "content/reports/report-000060.md"
    edited.write_text(edited.read_text("utf-8") + "\n新增一句。\n", encoding="utf-8")

    def must_not_run(*args, **kwargs):
        raise AssertionError("the whole archive was parsed for a body edit")

    monkeypatch.setattr(build_module, "parse_sources", must_not_run)
    result = build(site, None, BuildOptions(jobs=1, search=False))
    monkeypatch.undo()
    assert (result.written, result.reused) == (3, result.files - 3)  # with reports.json, .csv
    assert "新增一句。" in (site / "public/reports/report-000060.html").read_text("utf-8")
    build(site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1, search=False))
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")
    # A field edit next takes the whole pipeline again, and still matches a clean build.
    edited.write_text(edited.read_text("utf-8").replace("title: ", "title: 新", 1),
                      encoding="utf-8")
    assert build(site, None, BuildOptions(jobs=1, search=False)).written > 2
    shutil.rmtree(tmp_path / "clean")
    build(site, tmp_path / "clean", BuildOptions(use_cache=False, jobs=1, search=False))
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")


# --- the short path's own steps, watched while a build takes it ----------------------

def three_reports(make_site):
    return make_site({
        "site.yaml": "title: 档案\n",
        **{f"content/reports/{name}.md": report(f"title: 报告{name}\ndate: 202{n}-01-0{n + 1}\n"
                                                f"tags: [专利]\n", f"{name}的正文。\n")
           for n, name in enumerate("abc")}})


def watch(monkeypatch, name: str) -> list:
    """Every value body_edits.<name> returns from now on."""
    returned, real = [], getattr(body_edits, name)

    def watched(*args, **kwargs):
        returned.append(real(*args, **kwargs))
        return returned[-1]
    monkeypatch.setattr(body_edits, name, watched)
    return returned


def append(path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, encoding="utf-8")


QUICK = BuildOptions(jobs=1, search=False)


def test_a_context_is_stored_and_read_back_as_json():
    context = body_edits.Context("content/reports/b.md", None, ("content/reports/c.md",),
                                 "2021", "archive/2021.html")
    assert body_edits.Context.from_json(context.to_json()) == context


def test_the_reports_whose_bodies_alone_changed_are_parsed_with_their_new_bodies(
        make_site, monkeypatch):
    site = three_reports(make_site)
    build(site, None, QUICK)
    append(site / "content/reports/a.md", "补记甲。\n")
    append(site / "content/reports/c.md", "补记丙。\n")
    returned = watch(monkeypatch, "edited_reports")
    build(site, None, QUICK)
    [edited] = returned
    assert [e.source.path.name for e in edited] == ["a.md", "c.md"]
    assert ["补记甲" in e.report.body for e in edited] == [True, False]
    assert "补记丙" in edited[1].report.body
    assert [e.report.title for e in edited] == ["报告a", "报告c"]


@pytest.mark.parametrize("change", ["field", "new report", "removed report", "page by hand",
                                    "too many"])
def test_any_other_change_leaves_the_build_to_the_full_pipeline(make_site, monkeypatch,
                                                                 tmp_path, change):
    site = three_reports(make_site)
    build(site, None, QUICK)
    append(site / "content/reports/a.md", "补记。\n")  # a body edit, and besides:
    if change == "field":
        path = site / "content/reports/b.md"
        path.write_text(path.read_text("utf-8").replace("title: 报告b", "title: 报告乙"), "utf-8")
    elif change == "new report":
        write_files(site, {"content/reports/d.md": report("title: 报告d\ndate: 2024\n")})
    elif change == "removed report":
        (site / "content/reports/c.md").unlink()
    elif change == "page by hand":
        append(site / "public/reports/b.html", "<!-- edited -->")
    else:
        monkeypatch.setattr(body_edits, "MAX_EDITED", 1)
        append(site / "content/reports/b.md", "又补记。\n")
    returned = watch(monkeypatch, "edited_reports")
    delta = watch(monkeypatch, "make_delta")
    build(site, None, QUICK)
    assert returned in ([None], []) and delta == []  # [] when the inputs alone tell
    build(site, tmp_path / "clean", dataclasses.replace(QUICK, use_cache=False))
    assert tree_bytes(site / "public") == tree_bytes(tmp_path / "clean")


def test_the_delta_holds_the_bytes_a_full_build_writes(make_site, monkeypatch, tmp_path):
    site = three_reports(make_site)
    build(site, None, QUICK)
    append(site / "content/reports/b.md", "补记乙。\n")
    made = watch(monkeypatch, "make_delta")
    result = build(site, None, QUICK)
    [delta] = made
    assert sorted(delta.files) == ["reports.csv", "reports.json", "reports/b.html"]
    assert result.written == 3
    clean = build(site, tmp_path / "clean", dataclasses.replace(QUICK, use_cache=False))
    for path, data in delta.files.items():
        assert data == (clean.out_dir / path).read_bytes(), path
    assert "补记乙" in delta.files["reports/b.html"].decode()
    assert list(delta.new_lines) == ["content/reports/b.md"]
