"""The real site, built once per variant, served over HTTP and read in headless Chromium.

One build without base_url, served at the root of one server and under /archive/ on
another; one build with `base_url: https://example.org/archive/` for the absolute-URL
files; one with base_url pointing at a local server that answers missing addresses with
404.html. One browser for the whole session; each test gets a fresh browser context.
"""
from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.build.pipeline import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(__file__).resolve().parent / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
BASE_URL = "https://example.org/archive/"
SETUP_HINT = "run `bash tests/setup.sh` once to install it"


def page_types(out: Path) -> dict[str, str | None]:
    """{page type: output path} with one page of each kind the site has."""
    def first(folder: str) -> str | None:
        pages = sorted(p for p in (out / folder).glob("*.html") if p.name != "index.html")
        return pages[0].relative_to(out).as_posix() if pages else None

    return {
        "home": "index.html",
        "archive": "archive/index.html",
        "archive-year": first("archive"),  # one year's reports, where the build splits them
        "report": first("reports"),
        "tag-index": "tags/index.html",
        "tag": first("tags"),
        "region-index": "regions/index.html",
        "region": first("regions"),
        "world-ip-day": "world-ip-day/index.html",
        "about": "about/index.html",
        "404": "404.html",
        "search": "search/index.html",
        "data": "data/index.html",
    }


# The keys of page_types(), for parametrize.
PAGE_TYPES = ("home", "archive", "archive-year", "report", "tag-index", "tag",
              "region-index", "region", "world-ip-day", "about", "404", "search", "data")


def nav_link(page, label: str):
    """The link a reader clicks in the site's navigation."""
    return page.get_by_role("navigation").get_by_role("link", name=label, exact=True).first


def heading(page):
    return page.locator("h1")


@dataclass(frozen=True)
class BuiltSite:
    out: Path  # the built site
    result: BuildResult
    pages: dict[str, str | None]  # page type -> output path, None if the site has none

    def page(self, kind: str) -> str:
        """The output path of one page of this type; fails if a page type is missing."""
        path = self.pages[kind]
        if path is None and kind == "archive-year":
            pytest.skip("this build keeps the whole archive on one page")
        assert path is not None and (self.out / path).is_file(), f"no {kind} page in the build"
        return path

    def report_paths(self) -> list[str]:
        return sorted(p.relative_to(self.out).as_posix()
                      for p in (self.out / "reports").glob("*.html"))


def copy_site(dest: Path, base_url: str | None) -> Path:
    shutil.copytree(REPO / "content", dest / "content")  # the theme is the built-in one
    settings = (REPO / "site.yaml").read_text("utf-8")
    if base_url is not None:
        settings, count = re.subn(r"(?m)^base_url:.*$", f"base_url: {base_url}", settings)
        if count == 0:
            settings += f"\nbase_url: {base_url}\n"
        settings += "\ncontact_email: archive@example.org\n"  # published: with oai.xml
    (dest / "site.yaml").write_text(settings, "utf-8")
    return dest


def build_copy(tmp: Path, base_url: str | None) -> BuiltSite:
    """Build a copy of the repository's site into the folder `archive` of `tmp / "root"`,
    so that serving that root puts the site under /archive/."""
    site = copy_site(tmp / "site", base_url)
    out = tmp / "root" / "archive"
    out.parent.mkdir(exist_ok=True)
    result = build(site, out, BuildOptions(use_cache=False, jobs=1))
    return BuiltSite(out, result, page_types(out))


@pytest.fixture(scope="session")
def plain_site(tmp_path_factory) -> BuiltSite:
    """The real site as the repository has it: no base_url."""
    return build_copy(tmp_path_factory.mktemp("plain"), None)


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> BuiltSite:
    """The real site with base_url set, as it would be published."""
    return build_copy(tmp_path_factory.mktemp("published"), BASE_URL)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class names its argument `format`
        pass


@dataclass(frozen=True)
class Served:
    url: str  # where the built site's index.html lives, ending in /
    out: Path

    def url_of(self, out_path: str) -> str:
        return self.url + quote(out_path)


class _NotFoundPageHandler(_QuietHandler):
    """Answers a missing address with the site's 404.html, as static hosts do."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "archive" / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


def _serve(directory: Path, handler_class=_QuietHandler):
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="session")
def _servers(plain_site):
    at_root, t1 = _serve(plain_site.out)
    parent, t2 = _serve(plain_site.out.parent)  # the site is its folder `archive/`
    yield {
        "root": Served(f"http://127.0.0.1:{at_root.server_address[1]}/", plain_site.out),
        "subpath": Served(f"http://127.0.0.1:{parent.server_address[1]}/archive/",
                          plain_site.out),
    }
    for server, thread in ((at_root, t1), (parent, t2)):
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def served(_servers) -> Served:
    """The plain build at the root of a local server."""
    return _servers["root"]


@pytest.fixture(scope="session")
def served_under_subpath(_servers) -> Served:
    """The same build served at http://127.0.0.1:PORT/archive/."""
    return _servers["subpath"]


@pytest.fixture(scope="session")
def published_locally(tmp_path_factory):
    """The site built with base_url set to where a local server publishes it,
    http://127.0.0.1:PORT/archive/, the server answering missing pages with 404.html."""
    tmp = tmp_path_factory.mktemp("published-locally")
    (tmp / "root").mkdir()
    server, thread = _serve(tmp / "root", _NotFoundPageHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}/archive/"
    site = build_copy(tmp, url)
    yield Served(url, site.out)
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {SETUP_HINT}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def axe_js() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: {SETUP_HINT}")
    return AXE_JS


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR} is missing: {SETUP_HINT}")
    if shutil.which("java") is None:
        pytest.fail(f"java is missing: {SETUP_HINT}")
    return VNU_JAR
