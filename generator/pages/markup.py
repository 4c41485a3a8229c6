"""Markdown to HTML: pure, and sanitised unless the site trusts its raw HTML.

The engine is comrak (the Rust CommonMark and GFM engine GitLab and docs.rs use), through
its Python bindings: all of CommonMark 0.31.2, GitHub's tables, strikethrough, task lists
and footnotes, definition lists, and CJK-friendly emphasis (`这是**“重点”**的`), in linear
time. What it leaves undone for Chinese text is done here, on its HTML, in one linear pass:

- a line break between two Chinese characters joins them, with no space between;
- a bare URL is linked, and ends where Chinese text touches it
  (`详见https://www.cnipa.gov.cn/网站` links `https://www.cnipa.gov.cn/`);
- headings get anchors (`## 会议内容` → `id="会议内容"`, `{#id}` sets one) and a table of
  contents;
- footnote back-links are labelled in Chinese.

Links to Markdown files and attached files (`other-report.md`, `files/plan.pdf`) come out
as `ipr-ref:` placeholders, which links.py resolves for each page: where a report is
published depends on other files.
"""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from urllib.parse import quote, unquote

import comrak
import nh3

from ..source.refs import is_site_link

# Relative links and images, as the page that shows the body will resolve them.
REF_SCHEME = "ipr-ref"
_REF_PREFIX = REF_SCHEME + ":"

_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "aria-label"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
    "input": {"checked", "disabled"},
}
# Task lists are the only inputs Markdown writes: disabled checkboxes.
_ATTRIBUTE_VALUES = {"input": {"type": {"checkbox"}}}
_TAGS = nh3.ALLOWED_TAGS | {"section", "input"}
_URL_SCHEMES = {"http", "https", "mailto", REF_SCHEME}


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]


def _relative_ref(url: str) -> str:
    """Mark a link to a Markdown file or an attached file for the page to resolve; leave
    every other URL alone."""
    return _REF_PREFIX + url if is_site_link(url) else url


_local = threading.local()


def _options(allow_raw_html: bool) -> tuple:
    # The option objects are built once per thread and setting; rendering only reads them.
    cached = getattr(_local, "options", None)
    if cached is None:
        cached = _local.options = {}
    if allow_raw_html not in cached:
        extension = comrak.ExtensionOptions()
        for name in ("table", "strikethrough", "tasklist", "footnotes", "description_lists",
                     "cjk_friendly_emphasis"):
            setattr(extension, name, True)
        # Bare URLs are linked below (_link_bare_urls): comrak's rule runs into Chinese.
        extension.autolink = False
        extension.link_url_rewriter = _relative_ref
        extension.image_url_rewriter = _relative_ref
        render = comrak.RenderOptions()
        if allow_raw_html:
            render.unsafe_ = True
        else:
            render.escape = True  # raw HTML is shown as the text it is, never dropped
        cached[allow_raw_html] = (extension, comrak.ParseOptions(), render)
    return cached[allow_raw_html]


def render_markdown(text: str, *, allow_raw_html: bool = False) -> Rendered:
    extension, parse, render = _options(allow_raw_html)
    out = comrak.render_markdown(text, extension_options=extension, parse_options=parse,
                                 render_options=render)
    out, headings = _finish(_flat_quotes(out))
    if not allow_raw_html:
        if '="">' in out or '="" ' in out:  # comrak empties an address it refuses: drop it
            out = out.replace('<a href="">', "<a>").replace('<img src="" ', "<img ")
        out = sanitise_html(out)
    return Rendered(out, headings)


def sanitise_html(html: str) -> str:
    """Keep what Markdown writes; drop scripts, event handlers and non-web link schemes."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:  # built once per thread: building one costs as much as a cleaning
        cleaner = _local.cleaner = nh3.Cleaner(
            tags=_TAGS, attributes=_ATTRIBUTES, tag_attribute_values=_ATTRIBUTE_VALUES,
            url_schemes=_URL_SCHEMES, attribute_filter=_no_hidden_scheme, link_rel=None,
            filter_style_properties={"text-align"})
    return cleaner.clean(html)


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20]+")


def _no_hidden_scheme(tag: str, attribute: str, value: str) -> str | None:
    """Drop an address that names another scheme once its percent-escapes are undone
    (`java%09script:`): inert in browsers today, and never worth the doubt."""
    if attribute in ("href", "src") and "%" in value:
        scheme = _SCHEME.match(_CONTROL.sub("", unquote(value)))
        if scheme and scheme.group(1).lower() not in _URL_SCHEMES:
            return None
    return value


# --- What comrak leaves to us --------------------------------------------------------------

MAX_QUOTE_DEPTH = 32
_QUOTE = re.compile(r"<(/?)blockquote>")


def _flat_quotes(html: str) -> str:
    """Quotes nested deeper than MAX_QUOTE_DEPTH lose the tags past it; their text stays.
    A line of `>` nests a quote in a quote for each, and the sanitiser's HTML parser takes
    time by the square of the depth: 21,000 of them took 1.7 s, 100,000 took 45 s."""
    if html.count("<blockquote>") <= MAX_QUOTE_DEPTH:
        return html
    depth = 0

    def kept(tag: re.Match) -> str:
        nonlocal depth
        if tag.group(1):
            depth -= 1
            return tag.group() if depth < MAX_QUOTE_DEPTH else ""
        depth += 1
        return tag.group() if depth <= MAX_QUOTE_DEPTH else ""

    return _QUOTE.sub(kept, html)


_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_CUSTOM_ID = re.compile(r"\s*\{:?\s*#([^\s{}#]+)\s*\}\s*$")
# Text in these is left as it is: no links added inside a link, code or a verbatim block.
_NOT_LINKED = re.compile(r"(<!--.*?-->|<(a|code|pre|script|style|textarea)\b.*?</\2\s*>)",
                         re.DOTALL | re.IGNORECASE)
_ALIGN = re.compile(r'<(th|td) align="(left|center|right)">')
_BACKREF_LABEL = re.compile(r'aria-label="Back to reference ([^"]*)"')


def _finish(out: str) -> tuple[str, tuple[Heading, ...]]:
    """Everything below, each step a regex over the whole HTML (linear, and at C speed)."""
    headings: list[Heading] = []
    if "<h" in out:
        ids: dict[str, int] = {}
        out = _HEADING.sub(lambda match: _anchor_heading(match, ids, headings), out)
    if "://" in out or "www." in out or "@" in out:
        out = _link_outside(out)
    out = _join_chinese_lines(out)
    if ' align="' in out:  # HTML5 has no align attribute: a table column's alignment
        out = _ALIGN.sub(r'<\1 style="text-align: \2">', out)
    if "footnote-backref" in out:
        out = _BACKREF_LABEL.sub(r'aria-label="返回正文引用处 \1"', out)
    return out, tuple(headings)


def _anchor_heading(match: re.Match, ids: dict[str, int], headings: list[Heading]) -> str:
    """The heading with its anchor: `{#id}` at its end, or one made from its text, unique
    among the body's anchors."""
    level, inner = match.group(1), match.group(2)
    custom = _CUSTOM_ID.search(inner)
    if custom and "<" not in custom.group():
        inner = inner[:custom.start()]
    else:
        custom = None
    text = html.unescape(_TAG.sub("", inner)).strip()
    anchor = _unique(custom.group(1) if custom else slugify(text), ids)
    headings.append(Heading(int(level), anchor, text))
    return f'<h{level} id="{html.escape(anchor)}">{inner}</h{level}>'


def _link_outside(out: str) -> str:
    parts = _NOT_LINKED.split(out)
    # split() gives text, then each left-alone element and its tag name, and so on.
    for index in range(0, len(parts), 3):
        part = parts[index]
        if "://" in part or "www." in part or "@" in part:
            pieces = _TAG.split(part)
            tags = _TAG.findall(part)
            parts[index] = "".join(
                _link_bare_urls(piece) + (tags[i] if i < len(tags) else "")
                for i, piece in enumerate(pieces))
    return "".join(part for index, part in enumerate(parts) if index % 3 != 2 and part)


def slugify(text: str) -> str:
    """An anchor from a heading's text, Chinese kept: `下一步 & 要求` → `下一步-要求`."""
    value = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


_ID_COUNT = re.compile(r"^(.*)_([0-9]+)$")


def _unique(anchor: str, ids: dict[str, int]) -> str:
    """The anchor, or with `_1`, `_2`, … after it when taken (`ids`: each anchor given, and
    for each base the last number given, so 10,000 equal headings cost no more than one)."""
    if anchor and anchor not in ids:
        ids[anchor] = 0
        return anchor
    match = _ID_COUNT.match(anchor)
    base, number = (match.group(1), int(match.group(2))) if match else (anchor, 0)
    number = max(number, ids.get(base, 0))
    while True:
        number += 1
        candidate = f"{base}_{number}"
        if candidate not in ids:
            break
    ids[base] = number
    ids[candidate] = 0
    return candidate


# East Asian wide characters: CJK punctuation, kana, Han, full-width forms. Hangul is left
# out: Korean puts spaces between words.
_WIDE = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
         "\u4e00-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
         "\U00020000-\U0003ffff")
# Punctuation that Chinese text shares with Latin: joined only beside a wide character.
_SHARED = "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
_WIDE_CHARS = re.compile(f"[{_WIDE}]")
# A line break between two Chinese characters, the common case, removed at C speed.
_PLAIN_BREAK = re.compile(
    rf"\n(?:(?<=[{_WIDE}]\n)(?=[{_WIDE}{_SHARED}])|(?<=[{_SHARED}]\n)(?=[{_WIDE}]))")
_INLINE_TAG = re.compile(r"</?(?:strong|em|del|a|code|sup|sub|span|mark|s|b|i|u)\b[^<>]*>")
# A line break before Chinese that inline tags stand beside: `**重点**\n工作`.
_TAGGED_BREAK = re.compile(rf"\n(?=(?:{_INLINE_TAG.pattern})*([{_WIDE}{_SHARED}]))")
_VERBATIM_BLOCK = re.compile(r"(<(pre|script|style|textarea)\b.*?</\2\s*>)",
                             re.DOTALL | re.IGNORECASE)


def _join_chinese_lines(out: str) -> str:
    """A line break inside a paragraph shows as a space, which Chinese text does not have:
    drop it where both sides are Chinese (CSS Text 3's segment-break rule), punctuation
    Chinese shares with Latin (“ ” — …) counting as Chinese beside a Chinese character."""
    if "\n" not in out or not _WIDE_CHARS.search(out):
        return out
    parts = _VERBATIM_BLOCK.split(out)
    # split() gives text, then each verbatim block and its tag name: join lines in the text.
    for index in range(0, len(parts), 3):
        text = _PLAIN_BREAK.sub("", parts[index])

        def join(match: re.Match, text: str = text) -> str:
            start = match.start()
            while start > 0 and text[start - 1] == ">":  # step back over inline tags
                opening = text.rfind("<", 0, start - 1)
                if opening < 0 or not _INLINE_TAG.fullmatch(text, opening, start):
                    return "\n"
                start = opening
            before = text[start - 1] if start else ""
            after = match.group(1)
            wide_before = bool(before) and _WIDE_CHARS.match(before) is not None
            if wide_before or (before and before in _SHARED and after not in _SHARED):
                return ""
            return "\n"

        parts[index] = _TAGGED_BREAK.sub(join, text)
    return "".join(part for index, part in enumerate(parts) if index % 3 != 2 and part)


# GitHub's extended autolinks (www., http://, https://, e-mail addresses), except that a
# link ends at the first wide character: Chinese text touches URLs.
_BARE_URL = re.compile(
    r"(?<![A-Za-z0-9_.+\-/@:])"
    r"(?:(?P<url>(?:https?://|www\.)[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"
    rf"(?:[/?#][^\s<{_WIDE}{_SHARED}]*)?)"
    r"|(?P<mail>[A-Za-z0-9._+\-]+@[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+))")
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]~_"  # what a link's address keeps; the rest is %-encoded
_TRAILING = ".,:;!?*_~'\""


def _link_bare_urls(text: str) -> str:
    if "www." not in text and "://" not in text and "@" not in text:
        return text
    plain = html.unescape(text)
    pieces: list[str] = []
    done = 0
    for match in _BARE_URL.finditer(plain):
        start = match.start()
        if start < done:
            continue
        url = match.group("url")
        if url:
            url = _trim_url(url.split("<", 1)[0])
            if url.startswith("www.") and "." not in url[4:].split("/", 1)[0].rstrip("."):
                continue  # www. and no domain after it
            href = url if "://" in url else "http://" + url
        else:
            url = match.group("mail")
            if url[-1] in "-_.":
                continue
            href = "mailto:" + url
        pieces.append(_escape(plain[done:start]))
        pieces.append(f'<a href="{_escape(quote(href, safe=_URL_SAFE))}">{_escape(url)}</a>')
        done = start + len(url)
    if not pieces:
        return text
    pieces.append(_escape(plain[done:]))
    return "".join(pieces)


def _trim_url(url: str) -> str:
    """GitHub's rules for where a bare URL ends: not at trailing punctuation, not at a
    closing parenthesis without its opening one, not at an entity-like `&name;`."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            if last == ";":
                entity = re.search(r"&[A-Za-z0-9]+;$", url)
                if entity:
                    url = url[:entity.start()]
                    continue
            url = url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _escape(text: str) -> str:
    # As comrak escapes text: & < > and ", no more, so text without a link is unchanged.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))

