"""Markdown to HTML: pure, and sanitised unless the site trusts its raw HTML."""
from __future__ import annotations

import html
import threading
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

_EXTENSIONS = ["extra", "sane_lists", "toc"]
# Chinese headings need a Unicode-aware slug, or every anchor would be empty.
_EXTENSION_CONFIGS = {"toc": {"slugify": slugify_unicode, "permalink": False}}

_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]


_local = threading.local()


def _converter() -> markdown.Markdown:
    # Building a Markdown instance costs more than converting a report; keep one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=_EXTENSIONS,
                                           extension_configs=_EXTENSION_CONFIGS,
                                           output_format="html")
    return md


def render_markdown(text: str, *, allow_raw_html: bool = False) -> Rendered:
    md = _converter()
    md.reset()
    html = md.convert(text)
    headings = tuple(_flatten(md.toc_tokens))
    if not allow_raw_html:
        html = sanitise_html(html)
    return Rendered(html, headings)


def sanitise_html(html: str) -> str:
    """Keep what Markdown writes; drop scripts, event handlers and non-web link schemes."""
    return nh3.clean(html, attributes=_ATTRIBUTES, url_schemes=_URL_SCHEMES, link_rel=None,
                     filter_style_properties={"text-align"})


def _flatten(tokens: list[dict]) -> list[Heading]:
    found = []
    for token in tokens:
        found.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        found.extend(_flatten(token["children"]))
    return found
