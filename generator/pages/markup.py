"""Markdown to HTML: pure, and sanitised unless the site trusts its raw HTML."""
from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import markdown
import markdown.inlinepatterns
import markdown.treeprocessors
import markdown.util
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

# What each inline pattern our extensions register needs in a text to match: ` for code,
# \\ for escapes, [ for links, images and footnotes, < for autolinks and HTML, & for
# entities, * or _ for emphasis, two spaces before a line break for <br>. Text with none of
# a pattern's triggers cannot match it, and text with no trigger at all comes out of the
# inline stage as it went in: skipping those scans (~15 regexes per text node) saves
# about a third of all Markdown time on plain prose. Exact only for exactly these patterns.
_INLINE_TRIGGERS = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[",), "reference": ("[",),
    "link": ("[",), "image_link": ("[",), "image_reference": ("[",),
    "short_reference": ("[",), "short_image_ref": ("[",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",),
    "em_strong": ("*", "_"),
}
_ANY_TRIGGER = re.compile("|".join(sorted({re.escape(trigger) for triggers in
                                           _INLINE_TRIGGERS.values() for trigger in triggers})))
_InlineProcessor = markdown.treeprocessors.InlineProcessor
# The private methods the shortcut overrides and calls (see _use_trigger_checks).
_HANDLE_INLINE, _APPLY_PATTERN = "_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"


class _TriggerCheckingInline(_InlineProcessor):
    """Python-Markdown's inline stage, trying a pattern on a text only when the text holds
    one of the pattern's triggers; otherwise the same, step for step."""

    # Inherited and private, so the stubs leave it out; they also say inlinePatterns holds
    # InlineProcessors where it holds Patterns (the arg-type ignore below).
    _InlineProcessor__applyPattern: Callable[[markdown.inlinepatterns.Pattern, str, int, int],
                                             tuple[str, bool, int]]

    def __init__(self, md: markdown.Markdown, triggers: tuple[tuple[str, ...], ...]):
        super().__init__(md)
        self.triggers = triggers  # by pattern index

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, markdown.util.AtomicString) or _ANY_TRIGGER.search(data) is None:
            return data
        count = len(self.inlinePatterns)
        if count != len(self.triggers):  # a pattern was added: no shortcuts
            return getattr(_InlineProcessor, _HANDLE_INLINE)(self, data, patternIndex)
        start = 0
        while patternIndex < count:
            matched = False
            if any(trigger in data for trigger in self.triggers[patternIndex]):
                data, matched, start = self._InlineProcessor__applyPattern(
                    self.inlinePatterns[patternIndex],  # type: ignore[arg-type]  # stub bug
                    data, patternIndex, start)
            if not matched:  # as a pattern that does not match: the next, from the start
                patternIndex += 1
                start = 0
        return data


def _converter() -> markdown.Markdown:
    # Building a Markdown instance costs more than converting a report; keep one per thread.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=_EXTENSIONS,
                                           extension_configs=_EXTENSION_CONFIGS,
                                           output_format="html")
        _use_trigger_checks(md)
    return md


def _use_trigger_checks(md: markdown.Markdown) -> None:
    # Only where the shortcut is known to be exact: another Markdown version may add a
    # pattern with another trigger, or rename what the shortcut overrides or calls. (A
    # registry's `_priority` is private, so the stubs leave it out.)
    names = [item.name for item in md.inlinePatterns._priority]  # type: ignore[attr-defined]
    if ("inline" in md.treeprocessors
            and type(md.treeprocessors["inline"]) is _InlineProcessor
            and hasattr(_InlineProcessor, _HANDLE_INLINE)
            and hasattr(_InlineProcessor, _APPLY_PATTERN)
            and sorted(names) == sorted(_INLINE_TRIGGERS)):
        names.sort(key=md.inlinePatterns.get_index_for_name)
        priority = next(item.priority
                        for item in md.treeprocessors._priority  # type: ignore[attr-defined]
                        if item.name == "inline")
        md.treeprocessors.register(
            _TriggerCheckingInline(md, tuple(_INLINE_TRIGGERS[name] for name in names)),
            "inline", priority)


def render_markdown(text: str, *, allow_raw_html: bool = False) -> Rendered:
    md = _converter()
    md.reset()
    html = md.convert(text)
    # The toc extension sets md.toc_tokens; the stubs' Markdown cannot declare it.
    headings = tuple(_flatten(md.toc_tokens))  # type: ignore[attr-defined]
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
