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
from .yamlnodes import Mapping, Scalar, parse_yaml

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


_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")


@dataclass(frozen=True)
class EmailAddress:
    kind: ClassVar[str] = "email address"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        address = fields.text(name)
        if address is None:
            return default
        if not _EMAIL.match(address):
            fields.problems.append(error(
                fields.path, _line_of(fields, name),
                f"{name} {address!r} is not an email address — "
                f"write e.g. `{name}: archive@example.org`"))
            return default
        return address


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


@dataclass(frozen=True)
class TextList:
    """A list of text, at least one item; with `choices`, each item one of them."""

    choices: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return f"list of: {', '.join(self.choices)}" if self.choices else "list of text"

    def read(self, fields: FieldReader, name: str, default: Any) -> Any:
        node = fields.mapping.get(name)
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return default
        example = ", ".join(self.choices or default)
        before = len(fields.problems)
        items = fields.text_list(name, example)
        if len(fields.problems) > before:
            return default
        unknown = [item for item in items if self.choices and item not in self.choices]
        if unknown:
            fields.problems.append(error(
                fields.path, _line_of(fields, name),
                f"{name} may name only {', '.join(self.choices)}, not "
                f"{', '.join(map(repr, unknown))} — write e.g. `{name}: [{example}]`"))
            return default
        if not items:
            fields.problems.append(error(
                fields.path, _line_of(fields, name),
                f"{name} is empty — write at least one, e.g. `{name}: [{example}]`"))
            return default
        return items


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
        "without it the feed, the sitemap, `oai.xml` and absolute page URLs are left out (with "
        "a warning)")
    language: str = setting(
        "zh-CN", LanguageTag(),
        "the BCP 47 language of the content, for `<html lang>`")
    page_size: int = setting(
        20, WholeNumber(1, 1000),
        "how many reports a list shows: the home page, a year of the archive, a page of a "
        "tag, region or year")
    allow_raw_html: bool = setting(
        False, TrueFalse(),
        "`false` shows raw HTML in Markdown as the text it is; `true` passes raw HTML and any "
        "link scheme through unsanitised: only for trusted authors")
    search: bool = setting(
        True, TrueFalse(),
        "`false` builds without the search index (the files under search/), as "
        "`build --no-search` does for one build")
    footer: str = setting(
        "报告原文照录，保留来源中的错漏，不作改动。", Text(),
        "the statement after the site's name at the foot of every page")
    publisher: str | None = setting(
        None, Text(),
        "who the citations (GB/T 7714, RIS, BibTeX, CSL-JSON) name as publisher; without "
        "it, the site's title")
    contact_email: str | None = setting(
        None, EmailAddress(),
        "the address harvesters may write to, the OAI-PMH static repository's adminEmail; "
        "without it (or without base_url) `oai.xml` is left out (with a warning)")
    oai_gateway: str | None = setting(
        None, SiteURL(),
        "the base URL of the OAI-PMH static repository gateway that makes `oai.xml` "
        "harvestable, e.g. `https://gateway.example.org/oai/`; without it the file names "
        "its own URL as baseURL")
    world_ip_day_index: bool = setting(
        True, TrueFalse(),
        "`false` leaves out the 世界知识产权日 index, its menu item and the reports' link to it")
    world_ip_day_label: str = setting(
        "世界知识产权日", Text(),
        "the menu item of the 世界知识产权日 index")
    world_ip_day_words: tuple[str, ...] = setting(
        ("世界知识产权日",), TextList(),
        "the 世界知识产权日 index lists every report, and every title of "
        "`content/links.yaml`, that holds one of these words (in the report fields "
        "`world_ip_day_fields` names; in a link's title); a link whose title is a report's, "
        "or whose `url` is the report's `source.url`, is one entry with it; such links are "
        "not shown as related reading")
    world_ip_day_fields: tuple[str, ...] = setting(
        ("title", "tags"), TextList(("title", "tags", "summary")),
        "the report fields `world_ip_day_words` are looked for in: a tag holding one of the "
        "words is enough")


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
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


if __name__ == "__main__":
    # A developer's tool, not a command: regenerates the table in docs/settings.md.
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python3 -m generator.source.settings --markdown")
    sys.stdout.write(settings_table())
