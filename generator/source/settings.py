"""site.yaml into a frozen SiteConfig; every setting declared once, every problem reported."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, error
from .fields import FieldReader, as_mapping
from .textfile import read_source_text
from .yamlnodes import Mapping, parse_yaml

CONFIG_NAME = "site.yaml"


@dataclass(frozen=True)
class SiteConfig:
    title: str = "知识产权报告档案"
    description: str = "知识产权联席会议总结、世界知识产权日活动方案等报告的档案。"
    base_url: str | None = None
    language: str = "zh-CN"
    page_size: int = 20
    allow_raw_html: bool = False
    search: bool = True


# name: what it is, for `--help`-style documentation and unknown-field warnings.
SETTINGS = {
    "title": "the site's name, shown in every page title and header",
    "description": "one sentence used as the meta description of the home page",
    "base_url": "the absolute URL the site is published at, e.g. https://example.org/archive/",
    "language": "the BCP 47 language of the content, for <html lang>",
    "page_size": "how many reports the home page lists (1 to 1000)",
    "allow_raw_html": "true to pass raw HTML and any link scheme in Markdown through unsanitised",
    "search": "false to build without the search index (Pagefind and the offline index)",
}

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def load_config(site_root: Path) -> tuple[SiteConfig, list[Problem]]:
    path = site_root / CONFIG_NAME
    if not path.is_file():
        return SiteConfig(), [Problem(path, 0, f"no {CONFIG_NAME} found; using the defaults",
                                      warning=True)]
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
    defaults = SiteConfig()
    fields.warn_unknown(tuple(SETTINGS), CONFIG_NAME)
    language = fields.text("language") or defaults.language
    if not _LANGUAGE.match(language):
        node = mapping.get("language")
        problems.append(error(path, node.line, f"language {language!r} is not a language tag "
                                               "— write e.g. `language: zh-CN`"))
    base_url = fields.text("base_url")
    if base_url is not None:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
            problems.append(error(path, mapping.get("base_url").line,
                                  f"base_url {base_url!r} is not an absolute http(s) URL — "
                                  "write e.g. `base_url: https://example.org/archive/`"))
            base_url = None
        elif not base_url.endswith("/"):
            base_url += "/"
    return SiteConfig(
        title=fields.text("title") or defaults.title,
        description=fields.text("description") or defaults.description,
        base_url=base_url,
        language=language,
        page_size=fields.integer("page_size", defaults.page_size, low=1, high=1000),
        allow_raw_html=fields.boolean("allow_raw_html", defaults.allow_raw_html),
        search=fields.boolean("search", defaults.search),
    )
