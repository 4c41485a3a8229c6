"""site.yaml into a frozen SiteConfig; every setting declared once, every problem reported.

Each field of SiteConfig is one setting: its type, its default, how site.yaml's value is
checked, and one line of documentation. The unknown-field warning, the reading, and the
table in docs/settings.md (`python3 -m generator.source.settings --markdown`) all come
from those declarations.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar

from ..errors import Problem, error
from .fields import FieldReader, as_mapping
from .textfile import read_source_text
from .yamlnodes import Mapping, parse_yaml

CONFIG_NAME = "site.yaml"
# One line for both: no site.yaml, so no base_url either.
NO_SITE_YAML = (f"no {CONFIG_NAME}, so the build uses the defaults and, without a base_url, "
                "leaves out the Atom feed, the sitemap and permanent URLs — add a "
                f"{CONFIG_NAME} with `base_url: https://…/` to have them")

T = TypeVar("T")


class Check(Protocol):
    """How one setting's value is read from site.yaml, and what the docs call its type."""

    @property
    def kind(self) -> str:
        """The type as docs/settings.md names it."""

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        """The value written under `name`, or `default`; problems go to `fields`."""


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        return fields.text(name) or default


_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class LanguageTag:
    kind: ClassVar[str] = "language tag"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        language = fields.text(name) or default
        if not _LANGUAGE.match(language):
            fields.problems.append(error(
                fields.path, _line_of(fields, name),
                f"{name} {language!r} is not a language tag — write e.g. `{name}: zh-CN`"))
        return language


_SITE_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")


@dataclass(frozen=True)
class SiteURL:
    kind: ClassVar[str] = "http(s) URL"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        url = fields.text(name)
        if url is None:
            return default
        if not _SITE_URL.match(url):
            fields.problems.append(error(
                fields.path, _line_of(fields, name),
                f"{name} {url!r} is not an absolute http(s) URL — "
                f"write e.g. `{name}: https://example.org/archive/`"))
            return default
        return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class WholeNumber:
    low: int
    high: int

    @property
    def kind(self) -> str:
        return f"whole number, {self.low} to {self.high}"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        return fields.integer(name, default, low=self.low, high=self.high)


@dataclass(frozen=True)
class TrueFalse:
    kind: ClassVar[str] = "true or false"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        return fields.boolean(name, default)


def _line_of(fields: FieldReader, name: str) -> int:
    node = fields.mapping.get(name)
    return node.line if node is not None else 0


def setting(default: T, check: Check, doc: str) -> T:
    """A SiteConfig field: its default, how site.yaml's value is checked, what it does."""
    return dataclasses.field(default=default, metadata={"check": check, "doc": doc})


@dataclass(frozen=True)
class SiteConfig:
    # The build key hashes repr(SiteConfig): a new field, or a new order, rebuilds every page.
    title: str = setting(
        "知识产权报告档案", Text(),
        "the site's name, in every page title and header")
    description: str = setting(
        "知识产权联席会议总结、世界知识产权日活动方案等报告的档案。", Text(),
        "one sentence: the home page's meta description")
    base_url: str | None = setting(
        None, SiteURL(),
        "the absolute URL the site is published at, e.g. `https://example.org/archive/`; "
        "without it the feed, the sitemap and absolute page URLs are left out (with a warning)")
    language: str = setting(
        "zh-CN", LanguageTag(),
        "the BCP 47 language of the content, for `<html lang>`")
    page_size: int = setting(
        20, WholeNumber(1, 1000),
        "how many reports a list shows: the home page, a year of the archive, a page of a "
        "tag, region or year")
    allow_raw_html: bool = setting(
        False, TrueFalse(),
        "`true` passes raw HTML and any link scheme in Markdown through unsanitised: only "
        "for trusted authors")
    search: bool = setting(
        True, TrueFalse(),
        "`false` builds without the search index (the files under search/), as "
        "`build --no-search` does for one build")
    footer: str = setting(
        "报告原文照录，保留来源中的错漏，不作改动。", Text(),
        "the statement after the site's name at the foot of every page")
    publisher: str | None = setting(
        None, Text(),
        "who the citations (GB/T 7714) name as publisher; without it, the site's title")
    world_ip_day_index: bool = setting(
        True, TrueFalse(),
        "`false` leaves out the 世界知识产权日 index, its menu item and the reports' link to it")
    world_ip_day_label: str = setting(
        "世界知识产权日", Text(),
        "the menu item of the 世界知识产权日 index")


@dataclass(frozen=True)
class Setting:
    """One setting as SiteConfig declares it."""

    name: str
    type: Any  # the field's annotation, as written
    default: Any
    check: Check
    doc: str


SETTINGS = tuple(Setting(f.name, f.type, f.default, f.metadata["check"], f.metadata["doc"])
                 for f in dataclasses.fields(SiteConfig))


def load_config(site_root: Path) -> tuple[SiteConfig, list[Problem]]:
    path = site_root / CONFIG_NAME
    if not path.is_file():
        return SiteConfig(), [Problem(path, 0, NO_SITE_YAML, warning=True)]
    text, problems = read_source_text(path)
    if text is None:
        return SiteConfig(), problems
    root, problems = parse_yaml(text, path)
    if root is None and not problems:
        return SiteConfig(), []
    mapping = as_mapping(root, path, problems, CONFIG_NAME, 1) if not problems else None
    if mapping is None:
        return SiteConfig(), problems
    return _read_config(mapping, path, problems), problems


def _read_config(mapping: Mapping, path: Path, problems: list[Problem]) -> SiteConfig:
    fields = FieldReader(mapping, path, problems)
    fields.warn_unknown(tuple(s.name for s in SETTINGS), CONFIG_NAME)
    return SiteConfig(**{s.name: s.check.read(fields, s.name, s.default) for s in SETTINGS})


def settings_table() -> str:
    """The Markdown table of every setting, as docs/settings.md shows it."""
    rows = ["| setting | type | default | what it does |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "none" if s.default is None else f"`{_yaml_scalar(s.default)}`"
        cells = (f"`{s.name}`", s.check.kind, default, s.doc)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def _yaml_scalar(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


if __name__ == "__main__":
    # A developer's tool, not a command: regenerates the table in docs/settings.md.
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python3 -m generator.source.settings --markdown")
    sys.stdout.write(settings_table())
