"""generator/pages/render.py and the templates: what a reader finds on the pages
(navigation, provenance, citation, machine outputs), and hostile fields inert in every page
and file that shows them."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from generator.build.pipeline import BuildOptions, build
from generator.errors import error
from generator.pages.markup import Rendered
from generator.pages.plan import PagePlan
from generator.pages.render import Renderer, TemplateProblem, merge_template_problems
from generator.source.settings import SiteConfig
from tests.helpers import (
    HOSTILE_URL,
    PAYLOAD,
    SAFE_NAME,
    assert_no_active_content,
    broken_links,
    build_out,
    hostile_site,
    parse,
    resolve,
    tree_bytes,
    write_files,
)

BASE = "https://example.org/archive/"
DAFENG = "reports/dafeng-ip-joint-meeting.html"


def with_base_url(site: Path, base_url: str = BASE) -> Path:
    config = site / "site.yaml"
    config.write_text(re.sub(r"(?m)^base_url:.*$", f"base_url: {base_url}",
                             config.read_text("utf-8")) + "contact_email: a@example.org\n",
                      encoding="utf-8")
    return site


@pytest.fixture
def published(real_site) -> Path:
    """The real archive built with a base_url, as it would be published."""
    result = build(with_base_url(real_site))
    assert result.warnings == ()
    return real_site / "public"


def body_as_archived(markdown_file: Path) -> str:
    """The body as README defines it: after the closing `---`, LF line ends, no blank lines
    at either end."""
    text = markdown_file.read_text("utf-8").replace("\r\n", "\n")
    return text.split("\n---\n", 1)[1].strip("\n")


def test_a_report_shows_its_metadata_and_where_it_came_from(published, real_site):
    page = parse(published / DAFENG)
    meta = dict(zip([dt.get_text() for dt in page.select(".report-meta dt")],
                    [dd.get_text(" ", strip=True) for dd in page.select(".report-meta dd")],
                    strict=True))
    assert meta == {"日期": "5月10日（年份不详）", "地点": "江苏省盐城市大丰区",
                    "地区": "江苏省", "标签": "知识产权联席会议 专利 知识产权强县"}
    source = dict(zip([dt.get_text() for dt in page.select(".source dt")],
                      [dd.get_text(strip=True) for dd in page.select(".source dd")], strict=True))
    body = body_as_archived(real_site / "content/reports/dafeng-ip-joint-meeting.md")
    assert source == {"来源网站": "高考猫", "原页面标题": "最新知识产权联席会议总结",
                      "原文栏目": "知识产权联席会议总结一", "照录原文错漏": "据统计,,,;",
                      "正文 SHA-256": hashlib.sha256(body.encode()).hexdigest()}
    # The slips the report keeps on purpose are listed one by one, in the record.
    assert [q.get_text() for q in page.select(".as-found q")] == ["据统计,,", ",", ";"]


def test_the_citation_is_gbt_7714_with_the_permanent_url(published):
    page = parse(published / DAFENG)
    citation = page.select_one("#citation").get_text()
    url = BASE + DAFENG
    assert citation == (f"知识产权报告档案. 盐城市大丰区召开知识产权联席会议[EB/OL]. "
                        f"[引用日期]. {url}.")
    assert page.select_one(".cite a.permalink")["href"] == url
    assert page.find("link", rel="canonical")["href"] == url
    assert page.find("meta", property="og:url")["content"] == url
    assert page.find("meta", attrs={"name": "citation_title"})["content"] == \
        "盐城市大丰区召开知识产权联席会议"
    assert page.find("meta", attrs={"name": "citation_public_url"})["content"] == url
    # The year is unknown, so no publication date is claimed anywhere.
    assert page.find("meta", attrs={"name": "citation_publication_date"}) is None


def test_machine_readable_files_are_linked_and_present(published):
    home = parse(published / "index.html")
    feed = home.find("link", rel="alternate", type="application/atom+xml")
    assert feed is not None and (published / feed["href"]).is_file()
    assert "Sitemap: " + BASE + "sitemap.xml" in (published / "robots.txt").read_text()


def test_a_report_has_breadcrumbs_neighbours_and_related_reports(published):
    page = parse(published / DAFENG)
    assert [li.get_text(strip=True) for li in page.select(".breadcrumb li")] == [
        "首页", "档案", "年份不详", "盐城市大丰区召开知识产权联席会议"]
    year_link = page.select(".breadcrumb a")[-1]["href"]
    assert year_link == "../archive/unknown-year.html"
    # Unknown years sort latest month and day first: 12-13, 06-18, 05-10.
    assert [a.get_text() for a in page.select(".report-nav a")] == [
        "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"]
    related = [a.get_text() for a in page.select(".related-reports .card-title a")]
    assert related == ["第十一届泛珠三角区域知识产权合作联席会议在江西南昌举行",  # 2 shared tags
                       "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"]



def test_a_report_with_sub_headings_gets_a_table_of_contents(make_site):
    site = make_site({"content/reports/a.md": "---\ntitle: 甲\ndate: 2020\n---\n\n"
                                              "## 一、会议情况\n\n正文。\n\n"
                                              "## 二、下一步\n\n正文。\n",
                      "content/reports/b.md": "---\ntitle: 乙\ndate: 2020\n---\n\n正文。\n"})
    build(site)
    toc = parse(site / "public/reports/a.html").select(".toc a")
    assert [a.get_text() for a in toc] == ["一、会议情况", "二、下一步"]
    assert broken_links(site / "public") == []
    assert parse(site / "public/reports/b.html").select_one(".toc") is None


def test_hostile_fields_stay_text_in_meta_tags_and_citations(make_site):
    hostile = '"><img src=x onerror=alert(1)>'
    write = {"site.yaml": "base_url: https://example.org/\n",
             "content/reports/a.md": f"---\ntitle: '{hostile}'\ndate: 2020\n"
                                     f"tags: ['{hostile[:20]}']\n---\n\n正文。\n"}
    site = make_site(write)
    build(site)
    page = parse(site / "public/reports/a.html")
    assert page.find("img") is None
    assert page.find("meta", attrs={"name": "citation_title"})["content"] == hostile
    assert hostile in page.select_one("#citation").get_text()


def test_a_hostile_field_is_inert_in_every_page_and_file(make_site):
    site = hostile_site(make_site)
    build_out(site, search=True)
    out = site.parent / "site-out"
    files = tree_bytes(out)
    assert "feed.xml" in files and "search/meta.js" in files
    pages = [name for name in files if name.endswith(".html")]
    assert len(pages) > 10
    for name in pages:
        soup = BeautifulSoup(files[name], "html.parser")
        assert_no_active_content(soup, name)
        for body in soup.select(".report-body"):  # Markdown: sanitised, shown as HTML
            body.decompose()
        assert soup.find("img") is None, name  # fields are text, never markup
        assert len(soup.find_all("head")) == len(soup.find_all("title")) == 1, name
    report_page = BeautifulSoup(files["reports/a.html"], "html.parser")
    # Text round-trips exactly: shown as written, in the body, the head and attributes.
    assert report_page.title.string.startswith(PAYLOAD)
    assert report_page.select_one("article h1").get_text() == PAYLOAD
    assert report_page.find("meta", attrs={"name": "description"})["content"] == PAYLOAD
    assert report_page.find("meta", attrs={"name": "citation_title"})["content"] == PAYLOAD
    assert any(a.get("href") == HOSTILE_URL
               for a in report_page.find_all("a"))
    # Title, place, summary, and the source's site, page title and section, outside the body.
    report_page.select_one(".report-body").decompose()
    assert report_page.select_one("article").get_text().count(PAYLOAD) >= 6
    assert SAFE_NAME in [a.get_text() for a in report_page.find_all("a")]

    feed = ET.fromstring(files["feed.xml"])
    atom = "{http://www.w3.org/2005/Atom}"
    assert feed.find(f"{atom}title").text == PAYLOAD
    titles = [entry.find(f"{atom}title") for entry in feed.iter(f"{atom}entry")]
    assert PAYLOAD in [t.text for t in titles] and all(len(t) == 0 for t in titles)
    ET.fromstring(files["sitemap.xml"])

    data = json.loads(files["reports.json"])
    [entry] = [r for r in data["reports"] if r["title"] == PAYLOAD]
    assert entry["place"] == entry["summary"] == entry["source"]["site"] == PAYLOAD
    assert entry["tags"] == [SAFE_NAME, "专利"] and entry["region"] == SAFE_NAME


# --- the Renderer itself, over templates written here ---------------------------------------

def renderer_over(tmp_path, templates: dict[str, str], **settings) -> Renderer:
    write_files(tmp_path / "templates", templates)
    return Renderer(tmp_path / "templates", dataclasses.replace(SiteConfig(), **settings), ())


def plan_of(template: str, out_path: str = "reports/a.html", **values) -> PagePlan:
    return PagePlan(PurePosixPath(out_path), template, "reports", tuple(values.items()), "x")


def test_values_are_escaped_and_the_same_plan_gives_the_same_bytes(tmp_path):
    renderer = renderer_over(tmp_path, {"page.html": "<h1>{{ title }}</h1>{{ body.html }}\n"})
    body = Rendered(Markup("<p>正文</p>"), ())
    page = renderer.render(plan_of("page.html", title="<script>alert(1)</script>"), body)
    assert page == b"<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1><p>\xe6\xad\xa3\xe6\x96\x87" \
                   b"</p>\n"
    assert renderer.render(plan_of("page.html", title="<script>alert(1)</script>"), body) == page


def test_links_are_relative_to_the_page_except_on_the_404_page(tmp_path):
    templates = {"page.html": "{{ href(target) }} {{ href(target, '第一节') }}\n"}
    target = PurePosixPath("tags/专利.html")
    relative = renderer_over(tmp_path, templates, base_url="https://e.org/a/")
    assert relative.render(plan_of("page.html", target=target), None).decode() == \
        "../tags/%E4%B8%93%E5%88%A9.html " \
        "../tags/%E4%B8%93%E5%88%A9.html#%E7%AC%AC%E4%B8%80%E8%8A%82\n"
    # A server shows the 404 page at any depth: its links must not depend on where.
    page = relative.render(plan_of("page.html", "404.html", target=target), None).decode()
    assert page.startswith("https://e.org/a/tags/%E4%B8%93%E5%88%A9.html ")


def test_a_missing_value_is_an_error_at_its_template_line_naming_the_page(tmp_path):
    renderer = renderer_over(tmp_path, {"page.html": "<h1>{{ title }}</h1>\n<p>{{ summry }}</p>\n"})
    with pytest.raises(TemplateProblem) as raised:
        renderer.render(plan_of("page.html", title="标题"), None)
    problem = raised.value.problem
    assert (problem.path, problem.line) == (tmp_path / "templates/page.html", 2)
    assert "'summry' is undefined (while rendering reports/a.html) — fix the template" in \
        problem.message


def test_a_template_syntax_error_is_placed_at_its_line(tmp_path):
    renderer = renderer_over(tmp_path, {"page.html": "<h1>\n{% if title %}\n</h1>\n"})
    with pytest.raises(TemplateProblem) as raised:
        renderer.template_digests({"page.html"})
    assert raised.value.problem.line == 3
    assert raised.value.problem.message.startswith("template syntax: ")


def test_a_templates_digest_covers_what_it_pulls_in_and_nothing_else(tmp_path):
    templates = {"base.html": "<body>{% block main %}{% endblock %}</body>\n",
                 "report.html": "{% extends 'base.html' %}{% block main %}{% include 'card.html' %}"
                                "{% endblock %}\n",
                 "card.html": "<div>{{ title }}</div>\n", "group.html": "<ul></ul>\n"}
    names = {"report.html", "group.html"}
    before = renderer_over(tmp_path / "1", templates).template_digests(names)
    templates["card.html"] = "<div class='card'>{{ title }}</div>\n"
    after = renderer_over(tmp_path / "2", templates).template_digests(names)
    assert after["report.html"] != before["report.html"]
    assert after["group.html"] == before["group.html"]


def test_one_template_mistake_is_one_message_however_many_pages_it_broke(tmp_path):
    where = tmp_path / "templates/page.html"
    problems = [error(where, 2, f"'x' is undefined (while rendering reports/{n}.html) — fix "
                                "the template") for n in "cab"]
    assert [(p.line, p.message) for p in merge_template_problems(problems)] == [
        (2, "'x' is undefined (while rendering reports/a.html and 2 other pages) — fix the "
            "template")]


def test_every_page_links_the_themes_icon(real_site):
    """Without an icon link a browser asks for /favicon.ico on every page load, and logs
    a 404 for it; every page names the theme's icon, as its stylesheet, by a relative URL."""
    build(real_site, None, BuildOptions(search=False))
    out = real_site / "public"
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        icons = BeautifulSoup(page.read_text("utf-8"), "html.parser").select("link[rel~=icon]")
        assert len(icons) == 1, page
        target, _ = resolve(page, icons[0]["href"])
        assert target == (out / "static/favicon.svg").resolve(), (page, icons[0]["href"])
        assert icons[0]["type"] == "image/svg+xml"
    icon = ET.parse(out / "static/favicon.svg").getroot()
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"
