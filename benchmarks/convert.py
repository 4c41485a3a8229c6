"""Copy a generated corpus into Hugo's and Pelican's formats.

Report bodies are copied byte for byte; only the front matter is translated. Hugo gets
the layouts in hugo_site/, Pelican the settings in pelican_site/.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.pages import theme

HERE = Path(__file__).resolve().parent
HUGO_SITE = HERE / "hugo_site"
PELICAN_SITE = HERE / "pelican_site"
# Hugo and Pelican need a full date. Year 1 would be Go's zero time, which Hugo treats
# as "no date"; a year no real report has keeps unknown-year reports sorted last.
UNKNOWN_YEAR = "1000"


@dataclass
class Report:
    """One corpus report: its front matter (every value a string or list of strings) and body."""
    fields: dict
    body: str

    @property
    def date(self) -> str:
        return self.fields["date"].replace("XXXX", UNKNOWN_YEAR)


def read_report(path: Path) -> Report:
    text = path.read_text("utf-8")
    end = text.index("\n---\n", 4)  # the corpus writes "---\n" + front matter + "---\n"
    # BaseLoader keeps every scalar a string: "2004-05-03" must not become a date object.
    fields = yaml.load(text[4:end + 1], Loader=yaml.BaseLoader)
    return Report(fields, text[end + 5:])


def reports_in(corpus: Path) -> list[Path]:
    return sorted((corpus / "content" / "reports").glob("*.md"))


def quoted(value) -> str:
    """A YAML flow value: JSON's quoting is valid YAML and escapes whatever needs it."""
    return json.dumps(value, ensure_ascii=False)


def hugo_report(report: Report) -> str:
    fields = report.fields
    params = {"place": fields["place"], "source": fields["source"]}
    return "\n".join([
        "---",
        f"title: {quoted(fields['title'])}",
        f"date: {report.date}",
        f"slug: {fields['slug']}",
        f"tags: {quoted(fields['tags'])}",
        f"regions: {quoted([fields['region']])}",
        f"summary: {quoted(fields['summary'])}",
        f"params: {quoted(params)}",
        "---",
        "",
    ]) + report.body


def pelican_report(report: Report) -> str:
    fields = report.fields
    return "\n".join([
        f"Title: {fields['title']}",
        f"Date: {report.date}",
        f"Slug: {fields['slug']}",
        f"Tags: {', '.join(fields['tags'])}",
        f"Category: {fields['region']}",
        f"Summary: {fields['summary']}",
        "",
        "",
    ]) + report.body


def write_hugo_site(corpus: Path, root: Path) -> Path:
    """Hugo's copy of `corpus` at `root`: hugo.toml, layouts/, static/ and content/."""
    shutil.copytree(HUGO_SITE, root)
    shutil.copytree(theme.STATIC, root / "static")
    content = root / "content"
    (content / "reports").mkdir(parents=True)
    # List pages take their titles from _index.md; Hugo would otherwise title-case the
    # folder names ("Reports").
    for section, title in [("reports", "档案"), ("tags", "标签"), ("regions", "地区")]:
        (content / section).mkdir(exist_ok=True)
        (content / section / "_index.md").write_text(
            f"---\ntitle: {quoted(title)}\n---\n", encoding="utf-8")
    for path in reports_in(corpus):
        text = hugo_report(read_report(path))
        (content / "reports" / path.name).write_text(text, encoding="utf-8")
    about = read_report(corpus / "content" / "pages" / "about.md")
    (content / "about.md").write_text(
        f"---\ntitle: {quoted(about.fields['title'])}\n---\n{about.body}", encoding="utf-8")
    return root


def write_pelican_site(corpus: Path, root: Path) -> Path:
    """Pelican's copy of `corpus` at `root`: pelicanconf.py and content/."""
    shutil.copytree(PELICAN_SITE, root)
    reports = root / "content" / "reports"
    reports.mkdir(parents=True)
    for path in reports_in(corpus):
        text = pelican_report(read_report(path))
        (reports / path.name).write_text(text, encoding="utf-8")
    about = read_report(corpus / "content" / "pages" / "about.md")
    (root / "content" / "pages").mkdir()
    (root / "content" / "pages" / "about.md").write_text(
        f"Title: {about.fields['title']}\n\n{about.body}", encoding="utf-8")
    return root
