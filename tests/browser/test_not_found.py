"""The 404 page as a static host shows it: at any missing address, deep in the site."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import heading, nav_link

pytestmark = pytest.mark.browser

SAME_PAGE_LINKS_LEAVING = """() => [...document.querySelectorAll('a[href^="#"]')]
  .filter(a => a.href !== location.href.split('#')[0] + a.getAttribute('href'))
  .map(a => `${a.outerHTML} goes to ${a.href}`)"""


def test_the_404_page_works_at_a_missing_address_in_a_subfolder(page, published_locally):
    base = published_locally.url
    failed = []
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and failed.append(f"{r.url}: HTTP {r.status}"))

    response = page.goto(base + "reports/no-such-report.html")
    assert response.status == 404
    expect(heading(page)).not_to_be_empty()
    assert page.evaluate("() => [...document.querySelectorAll('link[rel=stylesheet]')]"
                         ".every(link => link.sheet !== null)")
    assert failed == []
    leaving = page.evaluate(SAME_PAGE_LINKS_LEAVING)
    assert not leaving, "links to a part of this page lead elsewhere:\n" + "\n".join(leaving)

    nav_link(page, "档案").click()
    expect(page).to_have_url(re.compile(re.escape(base) + r"archive/(index\.html)?$"))
    expect(heading(page)).to_have_text("档案")
