"""Following every link in Chromium from the home page, at the root and under /archive/."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser

PAGE_FACTS = """() => ({
  ids: [...document.querySelectorAll('[id]')].map(element => element.id),
  links: [...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.href]),
})"""


@dataclass
class Crawl:
    site_url: str  # the site's folder URL, ending in /
    ids: dict[str, set[str] | None] = field(default_factory=dict)  # page URL -> ids; None: failed
    links: list[tuple[str, str, str, str]] = field(default_factory=list)
    failed_loads: list[str] = field(default_factory=list)

    def out_path(self, url: str) -> str:
        path = unquote(url[len(self.site_url):])
        return path + "index.html" if path == "" or path.endswith("/") else path

    def reached(self) -> set[str]:
        return {self.out_path(url) for url, ids in self.ids.items() if ids is not None}

    def broken(self) -> list[str]:
        problems = list(self.failed_loads)
        for source, href, target, fragment in self.links:
            where = f"{self.out_path(source)}: <a href={href!r}>"
            if not target.startswith(self.site_url):
                problems.append(f"{where} leaves the site")
            elif self.ids.get(target) is None:
                problems.append(f"{where} leads to no page")
            elif fragment and unquote(fragment) not in self.ids[target]:
                problems.append(f"{where}: no element with id {unquote(fragment)!r}")
        return problems


def crawl(page, start_url: str, site_url: str) -> Crawl:
    """Open every page reachable through <a href> within site_url, as the browser resolves it."""
    result = Crawl(site_url)
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(site_url))
    # Pages are checked through their links below; this catches stylesheets and scripts.
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and result.failed_loads.append(f"{page.url}: {r.url} gives HTTP {r.status}"))
    todo = [start_url]
    while todo:
        url = todo.pop(0)
        if url in result.ids or not url.startswith(site_url):
            continue
        if not urlsplit(url).path.endswith(("/", ".html")):
            # A download (reports.csv, a report's .ris): the browser would save it rather
            # than show it, so it is fetched, and must be there.
            result.ids[url] = set() if page.request.get(url).ok else None
            continue
        response = page.goto(url)
        if response is None or not response.ok:
            result.ids[url] = None
            continue
        facts = page.evaluate(PAGE_FACTS)
        result.ids[url] = set(facts["ids"])
        for href, absolute in facts["links"]:
            target, _, fragment = absolute.partition("#")
            if target.startswith(origin):  # links to other sites are not followed
                result.links.append((url, href, target, fragment))
                todo.append(target)
    return result


@pytest.fixture(scope="module", params=["root", "subpath"])
def site_crawl(request, browser, plain_site):
    served = request.getfixturevalue("served" if request.param == "root"
                                     else "served_under_subpath")
    context = browser.new_context()
    try:
        yield crawl(context.new_page(), served.url, served.url), plain_site
    finally:
        context.close()


def test_every_report_is_reached_from_the_home_page(site_crawl):
    result, site = site_crawl
    assert set(site.report_paths()) <= result.reached()


def test_every_page_but_404_is_reached_from_the_home_page(site_crawl):
    result, site = site_crawl
    pages = {p.relative_to(site.out).as_posix() for p in site.out.rglob("*.html")}
    assert pages - {"404.html"} <= result.reached()


def test_no_internal_link_or_anchor_is_broken(site_crawl):
    result, _ = site_crawl
    assert len(result.links) > 50  # the crawl did follow the site's links
    broken = result.broken()
    assert not broken, "\n".join(broken)


def test_every_download_is_reached_from_the_home_page(site_crawl):
    result, site = site_crawl
    downloads = {p.relative_to(site.out).as_posix() for pattern in ("reports/*.ris",
                 "reports/*.bib", "reports/*.csl.json", "reports.*", "datapackage.json")
                 for p in site.out.glob(pattern)}
    assert len(downloads) == 3 * len(site.report_paths()) + 3
    assert downloads <= result.reached()
