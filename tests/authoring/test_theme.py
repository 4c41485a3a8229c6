"""generator/authoring/theme.py: `ipr-archive theme` copies the built-in theme into a site,
byte for byte, never over a file the site has."""
from __future__ import annotations

import pytest

from generator.authoring.theme import ThemeError, resolve_names, theme_files
from generator.pages import theme
from tests.helpers import build_out, report, run_main, tree_bytes, write_files

SITE = {"content/reports/a.md": report("title: 甲报告\ndate: 2024-04-26\n")}


def make_site(tmp_path, files=None):
    site = tmp_path / "site"
    write_files(site, {**SITE, **(files or {})})
    return site


def test_theme_files_are_every_template_and_static_file():
    expected = sorted([f"templates/{p.name}" for p in theme.TEMPLATES.iterdir()] +
                      [f"static/{p.name}" for p in theme.STATIC.iterdir()])
    assert list(theme_files()) == expected
    assert "templates/base.html" in expected and "static/style.css" in expected


@pytest.mark.parametrize("name, path", [
    ("base.html", "templates/base.html"), ("templates/base.html", "templates/base.html"),
    ("style.css", "static/style.css"), ("static/style.css", "static/style.css")])
def test_a_file_is_named_with_or_without_its_folder(name, path):
    assert resolve_names([name], theme_files()) == (path,)


def test_copying_everything_copies_the_themes_bytes_and_the_build_is_unchanged(
        tmp_path, capsys):
    site = make_site(tmp_path)
    build_out(site)
    before = tree_bytes(site.parent / "site-out")
    status, out, err = run_main(capsys, "theme", "--site", str(site))
    assert (status, err) == (0, "")
    for theme_path in theme_files():
        assert (site / theme_path).read_bytes() == (theme.THEME / theme_path).read_bytes()
        assert f"copied {site / theme_path}" in out.splitlines()
    build_out(site)
    assert tree_bytes(site.parent / "site-out") == before


def test_named_files_only_are_copied(tmp_path, capsys):
    site = make_site(tmp_path)
    status, out, _ = run_main(capsys, "theme", "base.html", "static/style.css",
                              "--site", str(site))
    assert status == 0
    assert sorted(p for p in tree_bytes(site) if not p.startswith("content/")) == \
        ["static/style.css", "templates/base.html"]
    assert out.splitlines()[:2] == [f"copied {site / 'templates/base.html'}",
                                    f"copied {site / 'static/style.css'}"]


def test_a_file_the_site_has_is_kept_and_named(tmp_path, capsys):
    site = make_site(tmp_path, {"templates/base.html": "mine {% block main %}{% endblock %}",
                                "static/style.css": b"body{}\n"})
    before = {p: b for p, b in tree_bytes(site).items() if not p.startswith("content/")}
    status, out, err = run_main(capsys, "theme", "--site", str(site))
    assert (status, err) == (0, "")
    for path, data in before.items():
        assert (site / path).read_bytes() == data
        assert f"kept {site / path}: the site already has it; left as it is" in out
    assert (site / "templates/report.html").is_file()


def test_nothing_to_copy_is_not_an_error(tmp_path, capsys):
    site = make_site(tmp_path, {"static/style.css": "body{}\n"})
    status, out, _ = run_main(capsys, "theme", "style.css", "--site", str(site))
    assert status == 0
    assert out == f"kept {site / 'static/style.css'}: the site already has it; left as it is\n"
    assert (site / "static/style.css").read_text() == "body{}\n"


def test_an_unknown_name_copies_nothing_and_lists_the_themes_files(tmp_path, capsys):
    site = make_site(tmp_path)
    status, out, err = run_main(capsys, "theme", "base.html", "basse.html",
                                "--site", str(site))
    assert status == 1
    assert out == ""
    assert "the theme has no basse.html" in err
    assert "templates/base.html" in err and "static/style.css" in err
    assert "nothing was copied" in err
    assert not (site / "templates").exists()
    with pytest.raises(ThemeError):
        resolve_names(["nope.css"], theme_files())


def test_list_shows_each_file_and_whether_the_site_overrides_it(tmp_path, capsys):
    site = make_site(tmp_path, {"templates/base.html": "mine"})
    status, out, _ = run_main(capsys, "theme", "--list", "--site", str(site))
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == len(theme_files())
    assert "templates/base.html  (overridden by the site)" in lines
    assert "static/style.css  (theme)" in lines
    assert not (site / "static").exists()
