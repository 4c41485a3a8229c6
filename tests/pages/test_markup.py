"""generator/pages/markup.py: Markdown to HTML as editors write it: CommonMark and GitHub's
habits, Chinese-correct, raw HTML shown as text unless the site trusts it, dangerous link
schemes neutralised, fuzzed Markdown never makes a script. The CommonMark spec and the
pathological inputs are in test_markup_spec.py."""
from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import event, given

from generator.build.pipeline import BuildResult
from generator.pages.markup import render_markdown
from tests.fuzzing import ANY_TEXT, FUZZ, MARKDOWN, fuzz_site, outcome, write_report
from tests.helpers import REPORT, assert_no_active_content, build_out, report


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
    # The raw HTML is shown as the text it is, never run and never dropped.
    assert '<script>alert(1)</script>' in soup.get_text()
    assert '<p onclick="x()">p</p>' in soup.get_text()


def test_a_site_that_trusts_its_authors_keeps_raw_html():
    html = render_markdown('<div class="note">注</div>', allow_raw_html=True).html
    assert '<div class="note">注</div>' in html


RAW_HTML = """\
正文开始。

<script>alert("script")</script>

<iframe src="https://evil.example/"></iframe>

<p onclick="alert('p')">点我</p>

<img src="x" onerror="alert('img')">

<svg onload="alert('svg')"><circle r="1"/></svg>

<a href="https://example.org/" onmouseover="alert('a')">链接</a>

<style>body { display: none }</style>

<object data="evil.swf"></object><embed src="evil.swf">
<form action="https://evil.example/"><input name="q"></form>

<details open ontoggle="alert('toggle')"><summary>s</summary></details>

正文结束。
"""

DANGEROUS_LINKS = """\
[a](javascript:alert(1))
[b](JaVaScRiPt:alert(1))
[c](&#106;avascript:alert(1))
[d](&#x6A;&#x61;vascript:alert(1))
[e](java&#x09;script:alert(1))
[f](vbscript:msgbox(1))
[g](VBScript:msgbox(1))
[h](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[i](DATA:text/html,<script>alert(1)</script>)
![j](javascript:alert(1))
![k](data:text/html,<script>alert(1)</script>)
<javascript:alert(1)>
<a href="javascript:alert(1)">l</a>
<a href="&#106;avascript:alert(1)">m</a>
<img src="javascript:alert(1)">
[n][ref]

[ref]: javascript:alert(1)

[ok](https://example.org/安全) [mail](mailto:a@example.org) [local](#小标题)
"""


def body_of(site_out, name="reports/a.html"):
    page = BeautifulSoup((site_out / name).read_bytes(), "html.parser")
    return page, page.select_one("article .report-body") or page.select_one("article")


def test_raw_html_in_markdown_is_sanitised_by_default(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", RAW_HTML)})
    build_out(site)
    out = site.parent / "site-out"
    page, body = body_of(out)
    assert_no_active_content(page, "reports/a.html")
    text = body.get_text()
    assert "正文开始。" in text and "正文结束。" in text and "点我" in text and "链接" in text
    assert body.find("a", href="https://example.org/") is not None  # the harmless part stays


def test_allow_raw_html_passes_trusted_html_through(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", RAW_HTML),
                      "site.yaml": "allow_raw_html: true\n"})
    build_out(site)
    _, body = body_of(site.parent / "site-out")
    assert body.find("iframe", src="https://evil.example/") is not None
    assert body.find("script").string == 'alert("script")'
    assert body.find("p", onclick=True) is not None


def test_dangerous_link_schemes_are_neutralised_in_markdown(make_site):
    site = make_site({REPORT: report("title: a\ndate: 2020\n", DANGEROUS_LINKS)})
    build_out(site)
    page, body = body_of(site.parent / "site-out")
    assert_no_active_content(page, "reports/a.html")
    hrefs = [a.get("href") for a in body.find_all("a")]
    assert "https://example.org/%E5%AE%89%E5%85%A8" in hrefs, hrefs
    assert "mailto:a@example.org" in hrefs and "#%E5%B0%8F%E6%A0%87%E9%A2%98" in hrefs
    assert not any("script" in (h or "").lower() or (h or "").lower().startswith("data")
                   for h in hrefs), hrefs
    for text in "abcdefghi":  # the link text stays readable
        assert body.find(string=re.compile(rf"^{text}$")) is not None, text


@pytest.mark.slow
@FUZZ
@given(body=MARKDOWN, title=ANY_TEXT)
def test_markdown_never_crashes_and_never_makes_a_script(make_site, body, title):
    site = fuzz_site(make_site)
    write_report(site, f"---\ntitle: {json.dumps(title or 'x')}\ndate: 2020\n---\n{body}")
    result = outcome(site)
    if isinstance(result, BuildResult):
        page = (result.out_dir / "reports/a.html").read_bytes()
        assert_no_active_content(BeautifulSoup(page, "html.parser"), "reports/a.html")
    # Whether or not the build took the report, the sanitiser meets every body.
    try:
        rendered = render_markdown(body)
    except RecursionError:  # the build refuses such a body; see test_pipeline
        event("too deep to render")
        return
    assert_no_active_content(BeautifulSoup(rendered.html, "html.parser"), "the body")


# --- Markdown as editors write it -------------------------------------------------------

def soup_of(text: str, **options) -> BeautifulSoup:
    return BeautifulSoup(render_markdown(text, **options).html, "html.parser")


def list_items(ul) -> list[str]:
    return [li.find(string=True, recursive=False).strip() for li in ul.find_all("li",
                                                                                recursive=False)]


def test_two_space_nesting_makes_a_nested_list():
    soup = soup_of("- 一级\n  - 二级\n  - 二级乙\n- 一级乙\n")
    outer = soup.find("ul")
    assert list_items(outer) == ["一级", "一级乙"]
    assert list_items(outer.find("li").find("ul")) == ["二级", "二级乙"]


def test_a_list_right_after_a_line_is_a_list():
    soup = soup_of("会议要求：\n- 加强保护\n- 强化运用\n\n步骤：\n1. 第一\n2. 第二\n")
    assert [p.get_text() for p in soup.find_all("p")] == ["会议要求：", "步骤："]
    assert list_items(soup.find("ul")) == ["加强保护", "强化运用"]
    assert list_items(soup.find("ol")) == ["第一", "第二"]
    assert "- " not in soup.get_text()


def test_a_table_right_after_a_line_is_a_table():
    soup = soup_of("统计如下：\n| 类别 | 件数 |\n|---|--:|\n| 专利 | 3326 |\n")
    assert soup.find("p").get_text() == "统计如下："
    assert [td.get_text() for td in soup.find_all("td")] == ["专利", "3326"]
    assert soup.find("td", string="3326")["style"].replace(" ", "") == "text-align:right"


def test_a_fenced_code_block_inside_a_list_item_stays_a_block():
    soup = soup_of("- 步骤：\n\n  ```\n  ipr-archive build\n  ```\n")
    assert soup.find("li").find("pre").get_text() == "ipr-archive build\n"


def test_a_backslash_at_the_end_of_a_line_breaks_it():
    soup = soup_of("第一行\\\n第二行\n")
    assert soup.find("br") is not None and "\\" not in soup.get_text()


def test_strikethrough_and_task_lists():
    soup = soup_of("~~删除线~~\n\n- [ ] 待办\n- [x] 完成\n")
    assert soup.find("del").get_text() == "删除线"
    boxes = soup.find_all("input")
    assert [(b["type"], "checked" in b.attrs, "disabled" in b.attrs) for b in boxes] == [
        ("checkbox", False, True), ("checkbox", True, True)]


@pytest.mark.parametrize("text, links, shown", [
    ("详见https://www.cnipa.gov.cn/网站", ["https://www.cnipa.gov.cn/"], "详见https://www.cnipa.gov.cn/网站"),
    ("见 www.wipo.int。", ["http://www.wipo.int"], "见 www.wipo.int。"),
    ("网址：https://example.org/a?b=1&c=2，请查阅", ["https://example.org/a?b=1&c=2"], None),
    ("(see https://example.org/path_(x))", ["https://example.org/path_(x)"], None),
    ("https://example.org/end.", ["https://example.org/end"], None),
    ("来信请寄ip@example.org。", ["mailto:ip@example.org"], None),
    ("`https://in.code/` 与 [已链接](https://x.org/) 不再链接", ["https://x.org/"], None),
])
def test_bare_urls_are_linked_and_end_where_chinese_begins(text, links, shown):
    soup = soup_of(text)
    assert [a["href"] for a in soup.find_all("a")] == links
    assert soup.get_text().strip() == (shown or soup.get_text().strip())
    assert soup.get_text().replace("\n", "") == BeautifulSoup(
        render_markdown(text).html, "html.parser").get_text().replace("\n", "")


@pytest.mark.parametrize("text, strong", [
    ("这是**“重点”**的", "“重点”"),
    ("**会议指出：**要加强", "会议指出："),
    ("要*强调*。", "强调"),
])
def test_emphasis_next_to_chinese_punctuation(text, strong):
    soup = soup_of(text)
    assert (soup.find("strong") or soup.find("em")).get_text() == strong
    assert "*" not in soup.get_text()


def test_a_line_break_between_chinese_characters_adds_no_space():
    soup = soup_of("未来”。\n活动安排如下\n**重点**\n工作，\nand English\nwords here\n")
    text = soup.find("p").get_text()
    assert text == "未来”。活动安排如下重点工作，\nand English\nwords here"


def test_line_breaks_in_code_blocks_are_kept():
    soup = soup_of("```\n中文\n中文\n```\n")
    assert soup.find("pre").get_text() == "中文\n中文\n"


def test_footnotes_link_both_ways_and_speak_chinese():
    soup = soup_of("正文[^1]。\n\n[^1]: 注释内容。\n")
    ref = soup.find("sup").find("a")
    note = soup.find(id=ref["href"][1:])
    assert note is not None and "注释内容。" in note.get_text()
    back = note.find("a", href="#" + ref["id"])
    assert back["aria-label"].startswith("返回正文")


def test_definition_lists():
    soup = soup_of("专利\n: 发明、实用新型和外观设计\n")
    assert soup.find("dt").get_text() == "专利"
    assert soup.find("dd").get_text() == "发明、实用新型和外观设计"


def test_heading_ids_unique_and_set_by_hand():
    rendered = render_markdown("## 会议内容\n\n## 会议内容\n\n## 下一步 {#next}\n\n"
                               "## 要求 {: #yaoqiu }\n")
    assert [(h.anchor, h.text) for h in rendered.headings] == [
        ("会议内容", "会议内容"), ("会议内容_1", "会议内容"), ("next", "下一步"),
        ("yaoqiu", "要求")]
    soup = BeautifulSoup(rendered.html, "html.parser")
    assert [h["id"] for h in soup.find_all("h2")] == ["会议内容", "会议内容_1", "next", "yaoqiu"]
    assert "{" not in soup.get_text()


@pytest.mark.parametrize("text", [
    "参见<TRIPS协议>第7条", "<b>粗体</b>不是标签", "a <foo\\+@bar.example.com> b",
    "<!-- 注释 -->照录", "比较：1 < 2 且 3 > 2", "<div>\n块\n</div>",
])
def test_raw_html_is_shown_as_the_text_it_is(text):
    soup = soup_of(text)
    shown = soup.get_text()
    # Every character the editor wrote is on the page (bar Markdown's own escapes).
    for piece in re.findall(r"[^\s\\]+", text.replace("\\+", "+")):
        assert piece in shown, (piece, shown)
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", str(soup))


def test_a_trusting_site_passes_raw_html():
    soup = soup_of('参见<abbr title="与贸易有关的知识产权协定">TRIPS</abbr>协议',
                   allow_raw_html=True)
    assert soup.find("abbr")["title"] == "与贸易有关的知识产权协定"


def test_quotes_nested_past_the_limit_keep_their_text_not_their_depth():
    """A line of 100,000 `>` (a quote in a quote for each) is 32 quotes deep on the page,
    its text all there: the sanitiser's parser takes time by the square of the depth."""
    from generator.pages.markup import MAX_QUOTE_DEPTH

    html = render_markdown(">" * 100_000 + " 最深的一句\n\n> 浅的一句").html
    soup = BeautifulSoup(html, "html.parser")
    deepest = max(len(p.find_parents("blockquote")) for p in soup.find_all("p"))
    assert deepest == MAX_QUOTE_DEPTH
    assert [p.get_text() for p in soup.find_all("p")] == ["最深的一句", "浅的一句"]
    shallow = BeautifulSoup(render_markdown("> > 二层").html, "html.parser")
    assert len(shallow.find("p").find_parents("blockquote")) == 2
