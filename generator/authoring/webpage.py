"""Import a saved web page: the article extracted with trafilatura, the page kept as captured.

A page saved from a government site holds the article among navigation, breadcrumbs,
share buttons and a footer. trafilatura (made for this, and good on Chinese pages) finds
the article's paragraphs; the page's own lines give the rest: the title, the update line
(`发布时间：2023-04-26　来源：某局　浏览次数：1024`, read as the text importer reads it)
and the canonical address. Nothing is fetched: trafilatura is given the page's text.
The saved file itself is planned to be kept, byte for byte, beside the report it becomes.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree

from ..errors import Problem, SiteError, error
from ..source.textfile import read_source_bytes
from .importer import Capture, ImportPlan, ScrapedPage, Section, plan_import, read_update_line

_INDENT = " \t\u3000\u00a0"
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# GB2312 and GBK pages often hold characters only GB18030, their superset, names.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_UPDATE_LINE_MAX = 200  # an update line is short; a longer block holds more than one
_WEB_URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)


def decode_page(data: bytes, path: Path) -> str:
    """The page's text. UTF-8 first, whatever the page declares (a page saved again as
    UTF-8 often keeps its old `charset=gb2312`), then the charset it declares."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    name = declared.group(1).decode("ascii").lower() if declared else "gb18030"
    what = f"{name} (the character set it declares)" if declared else \
        "GB18030 (the Chinese character set a page without a declared one is most often in)"
    try:
        encoding = codecs.lookup(_WIDER.get(name, name)).name
    except LookupError:
        raise SiteError([error(path, 0, (
            f"the page declares the character set {name!r}, which Python does not know, and "
            "it is not UTF-8 — save the page again as UTF-8, then import it"))]) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SiteError([error(path, line, (
            f"the page is neither UTF-8 nor {what}: the bytes here are not text in "
            "either — save the page again as UTF-8, then import it"))]) from None


def parse_webpage(data: bytes, path: Path, url: str | None = None) -> ScrapedPage:
    """A saved web page as a one-article page; SiteError with every reason it cannot be."""
    # lxml refuses text that still declares its encoding (`<?xml … encoding="gbk"?>`):
    # the text is decoded already, and the declaration says nothing more.
    text = _XML_DECLARATION.sub("", decode_page(data, path), count=1)
    problems: list[Problem] = []
    if url is not None and not _WEB_URL.match(url):
        problems.append(error(path, 0, f"--url {url!r} is not an http(s) address — give the "
                                       "full address, starting with https:// or http://"))
        url = None
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise SiteError([error(path, 0, "this file holds no HTML page — give a web page "
                                        "saved from a browser (.html)")]) from None
    for element in tree.xpath("//script | //style | //noscript | //template"):
        element.drop_tree()  # a script's text (`document.write(356)`) is no article's
    _unwrap_layout_tables(tree)
    document = trafilatura.bare_extraction(
        lxml.html.tostring(tree, encoding="unicode"), url=url, with_metadata=True,
        include_comments=False, include_tables=True, favor_precision=True)
    title, title_line = _title(tree, getattr(document, "title", None))
    update = _update_line(tree)
    paragraphs = _paragraphs(getattr(document, "text", None) or "", title, update)
    if not title:
        problems.append(error(path, 0, "the page has no title (no <h1> nor <title>) — save "
                                       "the whole page from the browser, then import it"))
    if not paragraphs:
        problems.append(error(path, title_line, "no article text found on this page — save "
                                                "the article's own page (not a list of "
                                                "articles), with its text, then import it"))
    if problems:
        raise SiteError(problems)
    line = update[1] if update else title_line
    return ScrapedPage(
        title, update[0].site if update else None,
        (Section("", line, tuple(paragraphs)),), (),
        date=update[0].date if update else None,
        url=url or _canonical(tree),
        capture=Capture(data, hashlib.sha256(data).hexdigest()))


_LAYOUT_BLOCKS = frozenset({"table", "div", "p", "h1", "h2", "h3", "ul", "ol", "form",
                            "section", "article"})
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})


def _unwrap_layout_tables(tree) -> None:
    """Tables that lay out a page (holding headings, paragraphs, other tables) become
    plain blocks: trafilatura reads a table as data, and the whole page, menus and footer
    and all, would be one table of text. A table of figures inside the article stays."""
    for table in list(tree.iter("table")):
        if table.tag == "table" and any(
                isinstance(inner.tag, str) and inner.tag in _LAYOUT_BLOCKS
                for inner in table.iterdescendants()):
            for element in [table, *table.iterdescendants()]:
                if element.tag in _TABLE_PARTS:
                    element.tag = "div"


def _title(tree, extracted: str | None) -> tuple[str, int]:
    """The article's title, and the line it is on: the ArticleTitle that Chinese government
    sites give in their metadata, else trafilatura's (from the page's metadata, its
    headings and <title>), else the first <h1>."""
    given = tree.xpath("//meta[@name='ArticleTitle']/@content")
    title = _clean(given[0] if given else extracted or "")
    headings = [(h, _clean(h.text_content())) for h in tree.xpath("//body//h1")]
    if not title:
        title = next((text for _, text in headings if text), "")
    line = next((h.sourceline for h, text in headings if text == title and h.sourceline), 0)
    if not line:
        titles = tree.xpath("//title")
        line = (titles[0].sourceline or 1) if titles else 1
    return title, line


def _update_line(tree):
    """The first short block of the page that is an update line, read into its parts,
    and its line in the file."""
    for element in tree.iter(tag=etree.Element):
        if element.tag in ("html", "head", "body"):
            continue
        text = _clean(element.text_content())
        if len(text) <= _UPDATE_LINE_MAX and (update := read_update_line(text)):
            return update, element.sourceline or 1
    return None


def _paragraphs(text: str, title: str, update) -> list[str]:
    """The extracted paragraphs, each as written, less the title and update line if the
    extraction kept them."""
    lines = [line.strip(_INDENT) for line in text.split("\n")]
    paragraphs = [line for line in lines if line]
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return [line for line in paragraphs if read_update_line(line) is None]


def _canonical(tree) -> str | None:
    for href in tree.xpath("//link[@rel='canonical']/@href | "
                           "//meta[@property='og:url']/@content"):
        href = href.strip()
        if _WEB_URL.match(href):
            return href
    return None


def _clean(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


def import_webpage(page_path: Path, site_root: Path, url: str | None = None) -> ImportPlan:
    """Read and plan the import of one saved web page."""
    data, problems = read_source_bytes(page_path)
    if data is None:
        raise SiteError(problems)
    return plan_import(parse_webpage(data, page_path, url), page_path, site_root)
