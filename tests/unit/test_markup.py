from bs4 import BeautifulSoup

from generator.pages.markup import render_markdown


def test_paragraphs_keep_the_text_exactly():
    text = "据统计,,盐城市大丰区共申请各类专利3326件。\n\n(2015?2020年)“9+2”各方"
    html = render_markdown(text).html
    paragraphs = [p.get_text() for p in BeautifulSoup(html, "html.parser").find_all("p")]
    assert paragraphs == ["据统计,,盐城市大丰区共申请各类专利3326件。", "(2015?2020年)“9+2”各方"]


def test_chinese_headings_get_anchors_for_a_table_of_contents():
    rendered = render_markdown("## 会议内容\n\n正文\n\n### 下一步 & 要求\n")
    assert [(h.level, h.text) for h in rendered.headings] == [(2, "会议内容"), (3, "下一步 & 要求")]
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert soup.find("h2")["id"] == rendered.headings[0].anchor == "会议内容"


def test_raw_html_and_script_links_are_removed_by_default():
    text = ('<script>alert(1)</script>\n\n<p onclick="x()">p</p>\n\n'
            '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1)) '
            '![i](data:text/html,x) [ok](https://example.org/) [rel](../a/index.html)')
    soup = BeautifulSoup(render_markdown(text).html, "html.parser")
    assert soup.find("script") is None
    assert all(not k.startswith("on") for tag in soup.find_all(True) for k in tag.attrs)
    hrefs = [a.get("href") for a in soup.find_all("a")]
    assert hrefs == [None, None, None, "https://example.org/", "../a/index.html"]
    assert soup.find("img").get("src") is None


def test_a_site_that_trusts_its_authors_keeps_raw_html():
    html = render_markdown('<div class="note">注</div>', allow_raw_html=True).html
    assert '<div class="note">注</div>' in html
