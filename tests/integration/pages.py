"""Reading a built site as a reader's browser would: parsed pages and followed links."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def internal_links(out: Path) -> list[tuple[Path, str]]:
    """(page, href) for every relative link and resource in the site."""
    found = []
    for page in sorted(out.rglob("*.html")):
        soup = parse(page)
        for tag in soup.find_all(["a", "link", "img", "script"]):
            href = tag.get("href") or tag.get("src")
            if href and not urlsplit(href).scheme and not href.startswith("//"):
                found.append((page, href))
    return found


def resolve(page: Path, href: str) -> tuple[Path, str]:
    """The file and #anchor a relative href leads to from page."""
    parts = urlsplit(href)
    target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return target, unquote(parts.fragment)


def broken_links(out: Path) -> list[str]:
    broken = []
    for page, href in internal_links(out):
        target, anchor = resolve(page, href)
        if not target.is_file() or not target.is_relative_to(out.resolve()):
            broken.append(f"{page.relative_to(out)}: {href} (no such file)")
        elif anchor and target.suffix == ".html" and parse(target).find(id=anchor) is None:
            broken.append(f"{page.relative_to(out)}: {href} (no such anchor)")
    return broken


def reachable(out: Path, start: str = "index.html") -> set[Path]:
    """Every file reached by following links from the start page."""
    seen, todo = set(), [(out / start).resolve()]
    while todo:
        page = todo.pop()
        if page in seen or not page.is_file():
            continue
        seen.add(page)
        if page.suffix == ".html":
            for tag in parse(page).find_all("a", href=True):
                if not urlsplit(tag["href"]).scheme:
                    todo.append(resolve(page, tag["href"])[0])
    return seen
