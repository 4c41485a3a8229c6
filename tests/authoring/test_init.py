"""generator/authoring/init.py: `ipr-archive init` starts an archive that builds as it is,
and never writes over a file."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml

from generator.authoring.check import check_site
from generator.authoring.init import archive_files, site_yaml_text
from generator.source.settings import SETTINGS, SiteConfig, load_config
from tests.helpers import build_out, parse, run_main, tree_bytes, write_files

WRITTEN = ["site.yaml", "content/reports/example-report.md", "content/pages/about.md",
           "content/links.yaml", ".gitignore"]


def test_init_writes_a_new_archive_and_says_what_next(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_main(capsys, "init", "my-archive")
    assert (status, err) == (0, "")
    site = tmp_path / "my-archive"
    assert sorted(tree_bytes(site)) == sorted(WRITTEN)
    lines = out.splitlines()
    assert lines[:-1] == [f"wrote {Path('my-archive') / name}" for name in WRITTEN]
    assert lines[-1] == "next: cd my-archive && ipr-archive build"


def test_init_without_a_folder_starts_the_archive_here(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_main(capsys, "init")
    assert status == 0
    assert (tmp_path / "site.yaml").is_file()
    assert out.splitlines()[-1] == "next: ipr-archive build"


def test_site_yaml_names_every_setting_at_its_default_under_its_doc(tmp_path):
    text = site_yaml_text()
    for setting in SETTINGS:
        assert f"# {setting.doc}\n{setting.name}:" in text
    assert isinstance(yaml.safe_load(text), dict)
    write_files(tmp_path, {"site.yaml": text})
    config, problems = load_config(tmp_path)
    assert (config, problems) == (SiteConfig(), [])


def test_the_new_archive_builds_with_only_the_base_url_warning(tmp_path, capsys):
    site = tmp_path / "a"
    assert run_main(capsys, "init", str(site))[0] == 0
    result = build_out(site)
    assert [p.message.split(" ")[0] for p in result.warnings] == ["base_url"]
    out = site.parent / "a-out"
    page = parse(out / "reports/example-report.html")
    assert page.h1.get_text(strip=True) == "示例报告"
    assert "示例" in page.get_text()
    assert parse(out / "about/index.html").h1.get_text(strip=True) == "关于"


def test_the_new_archive_passes_check(tmp_path, capsys):
    site = tmp_path / "a"
    assert run_main(capsys, "init", str(site))[0] == 0
    result = check_site(site, strict=True, jobs=1)
    assert result.errors == 0, result.problems
    assert result.built


def test_the_files_parse_as_what_they_are():
    files = {f.path.as_posix(): f.text for f in archive_files(datetime.date(2024, 4, 26))}
    assert yaml.safe_load(files["content/links.yaml"]) is None  # comments only
    front = files["content/reports/example-report.md"].split("---\n")[1]
    assert yaml.safe_load(front)["title"] == "示例报告"
    assert yaml.safe_load(front)["date"] == datetime.date(2024, 4, 26)
    assert "/public/" in files[".gitignore"].splitlines()


@pytest.mark.parametrize("existing", ["site.yaml", "content/pages/about.md", "notes.txt"])
def test_init_refuses_a_folder_that_holds_files_and_changes_nothing(tmp_path, capsys,
                                                                     existing):
    site = tmp_path / "a"
    write_files(site, {existing: "mine\n"})
    before = tree_bytes(site)
    status, out, err = run_main(capsys, "init", str(site))
    assert status == 1
    assert out == ""
    top = Path(existing).parts[0]
    assert err.splitlines() == [
        f"{site / top}: error: {top} is already there — init starts an archive only in a "
        "new or empty folder; choose another folder",
        "init: nothing was written"]
    assert tree_bytes(site) == before


def test_init_names_everything_in_the_way(tmp_path, capsys):
    site = tmp_path / "a"
    write_files(site, dict.fromkeys(WRITTEN, "mine\n"))
    before = tree_bytes(site)
    status, _, err = run_main(capsys, "init", str(site))
    assert status == 1
    assert [line.split(": error:")[0] for line in err.splitlines()[:-1]] == \
        [str(site / name) for name in sorted({Path(n).parts[0] for n in WRITTEN})]
    assert tree_bytes(site) == before


def test_init_starts_an_archive_in_an_empty_folder_or_beside_git(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_main(capsys, "init", str(empty))[0] == 0
    kept = tmp_path / "kept"
    write_files(kept, {".git/HEAD": "ref: refs/heads/main\n"})
    assert run_main(capsys, "init", str(kept))[0] == 0
    assert (kept / "site.yaml").is_file() and (kept / ".git/HEAD").is_file()
