"""A report read on a phone, cited with one click, and printed on A4."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

REPORT = "reports/zhejiang-ip-joint-meeting-hangzhou.html"


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                              has_touch=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def test_a_reader_on_a_phone_copies_the_citation(phone, served):
    phone.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url[:-1])
    page = phone.new_page()
    page.goto(served.url_of(REPORT))
    # Where the text came from is on the page, before the citation.
    source = page.locator(".source")
    assert "高考猫" in source.inner_text() and "知识产权联席会议总结三" in source.inner_text()
    button = page.get_by_role("button", name="复制引文")
    button.scroll_into_view_if_needed()
    button.tap()
    page.get_by_role("status").filter(has_text="已复制").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    today = page.evaluate("(() => { const d = new Date(); return [d.getFullYear(), "
                          "String(d.getMonth() + 1).padStart(2, '0'), "
                          "String(d.getDate()).padStart(2, '0')].join('-'); })()")
    assert copied == ("知识产权报告档案. 浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"
                      f"[EB/OL]. [{today}].")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", today)
    assert not page.locator(".access-date-note").is_visible()


def test_without_scripts_the_citation_keeps_a_placeholder(browser, served):
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(served.url_of(REPORT))
        assert page.locator("#citation").inner_text().endswith("[EB/OL]. [引用日期].")
        assert page.locator(".access-date-note").is_visible()
        assert page.get_by_role("button", name="复制引文").count() == 0
    finally:
        ctx.close()


def test_a_report_prints_on_a4_without_navigation(page, served, tmp_path):
    page.goto(served.url_of(REPORT))
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-header nav', '.breadcrumb', '.report-nav',
        '.related-reports', '.site-footer', '.skip-link'].map(s => {
            const e = document.querySelector(s);
            return [s, e === null || getComputedStyle(e).display === 'none'];
        })""")
    assert all(gone for _, gone in hidden), hidden
    for kept in (".report h1", ".report-body", ".source", ".cite"):
        assert page.locator(kept).first.is_visible(), kept
    pdf = page.pdf(format="A4", path=str(tmp_path / "report.pdf"))
    # A4 in PDF points is 595 x 842; Chromium writes the page size into every page.
    assert re.search(rb"/MediaBox \[0 0 595(\.\d+)? 841(\.\d+)?|/MediaBox \[0 0 595(\.\d+)? 842",
                     pdf), "not an A4 page"

