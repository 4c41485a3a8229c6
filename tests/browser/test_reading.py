"""A reader in Chromium: clicking through the site, on a phone, under a subpath, from disk."""
from __future__ import annotations

import re

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import PAGE_TYPES, REPO, heading, nav_link

pytestmark = pytest.mark.browser

SITE_TITLE = yaml.safe_load((REPO / "site.yaml").read_text("utf-8"))["title"]

# Computed styles that static/style.css decides, read from the report page: equal when
# the stylesheet is applied the same way, different from the browser's defaults.
STYLE_PROBE = """() => {
  const style = (selector, names) => {
    const computed = getComputedStyle(document.querySelector(selector));
    return names.map(name => `${selector} ${name}: ${computed.getPropertyValue(name)}`);
  };
  return [
    ...style('html', ['font-family', 'line-height', 'color', 'background-color']),
    ...style('body', ['margin-top', 'margin-left']),
    ...style('main', ['max-width', 'padding-left']),
    ...style('h1', ['font-size']),
  ];
}"""


def test_a_reader_walks_from_home_to_a_report_its_tag_and_back(page, served):
    page.goto(served.url)
    expect(heading(page)).to_have_text(SITE_TITLE)

    nav_link(page, "档案").click()
    expect(page).to_have_url(re.compile(re.escape(served.url) + r"archive/(index\.html)?$"))
    expect(heading(page)).to_have_text("档案")

    report_link = page.locator("main a[href*='reports/']").first
    report_title = report_link.inner_text().strip()
    report_link.click()
    expect(page).to_have_url(re.compile(re.escape(served.url) + r"reports/[a-z0-9-]+\.html$"))
    expect(heading(page)).to_have_text(report_title)
    expect(page).to_have_title(re.compile(re.escape(report_title)))
    report_url = page.url

    tag_link = page.locator("main a[href*='tags/']:not([href$='index.html'])").first
    tag = tag_link.inner_text().strip()
    tag_link.click()
    expect(page).to_have_url(re.compile(re.escape(served.url) + r"tags/[^/]+\.html$"))
    expect(heading(page)).to_contain_text(tag)
    expect(page.locator("main").get_by_role("link", name=report_title, exact=True)).to_be_visible()

    page.go_back()
    expect(page).to_have_url(report_url)
    expect(heading(page)).to_have_text(report_title)

    nav_link(page, "世界知识产权日").click()
    expect(page).to_have_url(re.compile(re.escape(served.url) + r"world-ip-day/(index\.html)?$"))
    expect(heading(page)).to_have_text("世界知识产权日")

    nav_link(page, "关于").click()
    expect(page).to_have_url(re.compile(re.escape(served.url) + r"about/(index\.html)?$"))
    expect(heading(page)).to_contain_text("关于")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_page_scrolls_sideways_on_a_375px_phone(phone, served, plain_site, kind):
    response = phone.goto(served.url_of(plain_site.page(kind)))
    assert response.ok
    widths = phone.evaluate("""() => ({scroll: document.documentElement.scrollWidth,
                                      client: document.documentElement.clientWidth})""")
    assert widths["client"] == 375
    assert widths["scroll"] <= widths["client"], (
        f"{plain_site.page(kind)} is {widths['scroll']} px wide on a 375 px screen")


def test_the_site_works_under_a_subpath(page, served_under_subpath):
    base = served_under_subpath.url
    assert base.endswith("/archive/")
    stylesheets = []
    page.on("response", lambda r: r.url.endswith(".css") and stylesheets.append((r.url, r.status)))

    page.goto(base)
    expect(heading(page)).to_have_text(SITE_TITLE)
    nav_link(page, "档案").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"archive/(index\.html)?$"))
    report_link = page.locator("main a[href*='reports/']").first
    report_title = report_link.inner_text().strip()
    report_link.click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"reports/[a-z0-9-]+\.html$"))
    expect(heading(page)).to_have_text(report_title)

    # 304: the browser revalidated its cached copy, which the server confirmed.
    assert stylesheets and all(url.startswith(base) and status in (200, 304)
                               for url, status in stylesheets), stylesheets
    nav_link(page, "首页").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"(index\.html)?$"))


def test_the_site_works_opened_from_disk_with_its_stylesheet(page, served, plain_site):
    page.goto((plain_site.out / "index.html").as_uri())
    expect(heading(page)).to_have_text(SITE_TITLE)
    report_link = page.locator("main a[href*='reports/']").first
    report_title = report_link.inner_text().strip()
    report_link.click()
    expect(page).to_have_url(re.compile(r"^file://.*/reports/[a-z0-9-]+\.html$"))
    expect(heading(page)).to_have_text(report_title)
    report_path = page.url.rsplit("/", 2)[-2:]
    assert page.evaluate("() => [...document.querySelectorAll('link[rel=stylesheet]')]"
                         ".every(link => link.sheet !== null)")
    from_disk = page.evaluate(STYLE_PROBE)

    page.goto(served.url + "/".join(report_path))
    from_server = page.evaluate(STYLE_PROBE)
    page.route("**/*.css", lambda route: route.abort())
    page.goto(served.url + "/".join(report_path))
    unstyled = page.evaluate(STYLE_PROBE)

    assert from_disk == from_server
    assert from_disk != unstyled  # the probe does see what the stylesheet changes
