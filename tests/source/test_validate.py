"""generator/source/validate.py: the checks across files. Slugs unique, tags distinct,
every output path claimed by one source."""
from __future__ import annotations

from tests.helpers import errors_of, load_checked, report


def test_a_duplicate_slug_names_both_files(tmp_path):
    _, problems = load_checked(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\nslug: same\n---\n",
        "content/reports/b.md": "---\ntitle: b\ndate: 2021\nslug: same\n---\n",
    })
    (problem,) = problems
    assert problem.path.name == "b.md" and problem.line == 4
    assert str(tmp_path / "content/reports/a.md") + ":4" in problem.message


def test_tags_differing_only_in_case_are_refused_with_every_source(tmp_path):
    _, problems = load_checked(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\ntags: [WIPO]\n---\n",
        "content/reports/b.md": "---\ntitle: b\ndate: 2021\ntags: [wipo]\n---\n",
    })
    (problem,) = problems
    assert "a.md" in problem.message and "b.md" in problem.message


def test_a_tag_may_not_take_the_place_of_the_tag_index(tmp_path):
    _, problems = load_checked(tmp_path, {
        "content/reports/a.md": "---\ntitle: a\ndate: 2020\ntags: [index]\n---\n"})
    (problem,) = problems
    assert "tags/index.html" in problem.message and problem.path.name == "a.md"


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
