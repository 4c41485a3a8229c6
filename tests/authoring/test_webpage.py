"""generator/authoring/webpage.py: saved web pages from government sites imported as an
editor would (`ipr-archive import page.html`), read back from the report file, the kept
capture and the built page."""
from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
import yaml

from generator.authoring.webpage import decode_page, parse_webpage
from generator.errors import SiteError
from generator.source.content import load_content, split_front_matter
from tests.helpers import REPO, build_out, parse, run_main, tree_bytes

PAGES = REPO / "tests/fixtures/webpages"
NOTICE = PAGES / "notice-utf8-declared-gb2312.html"  # UTF-8 bytes, charset=gb2312 declared
NEWS = PAGES / "news-gbk.html"  # GBK bytes, CRLF, no canonical link
COUNTY = PAGES / "county-table-layout.html"  # laid out in tables, og:url, ArticleTitle
BUREAU = PAGES / "bureau-news-inline-noise.html"  # <h2> title, share box inside <article>

# Text of the pages' menus, breadcrumbs, share and print buttons, side bars and footers.
CHROME = ("首页", "当前位置", "您现在的位置", "分享", "微信", "微博", "打印", "关闭",
          "ICP", "网站标识码", "主办", "版权所有", "浏览次数", "点击数", "阅读：", "上一篇",
          "下一篇", "热点新闻", "相关链接", "相关阅读", "字体", "搜索", "扫一扫", "无障碍")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Importing a saved page must never reach the network."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"the import tried to reach the network: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def imported(capsys, site: Path, page: Path, *extra: str) -> tuple[dict, str, Path]:
    """Import one page into `site`: (its report's front matter, its body, the report)."""
    status, out, err = run_main(capsys, "import", str(page), "--site", str(site), *extra)
    assert (status, err) == (0, ""), err
    (path,) = sorted((site / "content/reports").glob("*.md"))
    front, body, _ = split_front_matter(path.read_text("utf-8"), path)
    return yaml.safe_load(front), body, path


@pytest.mark.parametrize("page, title, date, site, url, paragraphs", [
    (NOTICE, "关于开展2023年世界知识产权日宣传活动的通知", "2023-04-20", "某市市场监督管理局",
     "https://scjgj.example.gov.cn/art/2023/4/20/art_1234_5678.html",
     ["各区市场监督管理局，各有关单位：",
      "2023年4月26日是第23个世界知识产权日，今年的主题是“女性与知识产权：加速创新创造”。"
      "为做好宣传工作，现将有关事项通知如下。",
      "一、活动时间", "2023年4月20日至4月26日。", "二、活动内容",
      "各单位要结合实际，开展形式多样的宣传活动，营造尊重知识、崇尚创新、诚信守法的良好氛围。",
      "某市市场监督管理局", "2023年4月20日"]),
    (NEWS, "某省举办2024年世界知识产权日主题宣传活动", "2024-04-26", "某省知识产权局", None,
     ["4月26日上午，某省2024年世界知识产权日主题宣传活动在省会举行。活动以“知识产权和"
      "可持续发展目标：立足创新创造，构建共同未来”为主题。",
      "活动现场发布了某省知识产权保护状况白皮书，并为首批知识产权保护示范单位授牌。",
      "据统计,,2023年全省专利授权量同比增长12.5%。",
      "宣传周期间，全省各地将开展知识产权进企业、进校园、进社区等活动。"]),
    (COUNTY, "某县召开2022年知识产权联席会议", "2022-04-26", "某县市场监督管理局",
     "http://www.example-county.gov.cn/zwdt/2022/0426/12345.shtml",
     ["2022年，某县知识产权工作取得新进展，全年专利授权量达1200件。",
      "4月26日，某县召开2022年知识产权联席会议，县政府副县长出席会议并讲话。",
      "会议要求，各成员单位要加强协作，形成工作合力。"]),
    (BUREAU, "某市知识产权局开展“4·26”知识产权宣传周活动", "2024-04-28", "某市知识产权局",
     "https://zscqj.example.gov.cn/gzdt/202404/t20240428_998877.html",
     ["4月22日至26日，某市知识产权局围绕第24个世界知识产权日，集中开展知识产权宣传周活动。",
      "宣传周期间，共举办专题讲座6场，发放宣传资料3000余份，接受群众咨询500余人次。",
      "下一步，该局将持续加大知识产权宣传力度。"]),
])
def test_a_saved_page_becomes_a_report_with_its_article_verbatim_and_nothing_else(
        capsys, tmp_path, page, title, date, site, url, paragraphs):
    front, body, path = imported(capsys, tmp_path, page)
    assert (front["title"], str(front["date"]), front["source"]["site"]) == (title, date, site)
    assert front["source"].get("url") == url
    assert body.split("\n\n") == paragraphs
    assert not [word for word in CHROME if word in body]
    # The page is kept byte for byte, and the report names it and its SHA-256.
    data = page.read_bytes()
    capture = front["source"]["capture"]
    assert capture == f"content/captures/{path.stem}.html"
    assert (tmp_path / capture).read_bytes() == data
    assert front["source"]["capture_sha256"] == hashlib.sha256(data).hexdigest()


def test_the_built_page_shows_the_capture_and_its_sha256(capsys, tmp_path):
    front, _, path = imported(capsys, tmp_path, NEWS, "--url",
                              "https://ipa.example.gov.cn/gzdt/2024/0426/2.html")
    build_out(tmp_path)
    out = tmp_path.parent / f"{tmp_path.name}-out"
    page = parse(out / "reports" / f"{path.stem}.html")
    source = {dt.get_text(): dd for dt, dd in zip(page.select(".source dt"),
                                                  page.select(".source dd"), strict=True)}
    assert source["来源网站"].get_text() == "某省知识产权局"
    assert source["原文地址"].find("a")["href"] == "https://ipa.example.gov.cn/gzdt/2024/0426/2.html"
    assert source["网页存档"].select_one(".capture-path").get_text() == front["source"]["capture"]
    assert source["网页存档"].select_one(".capture-sha256").get_text() == \
        hashlib.sha256(NEWS.read_bytes()).hexdigest()
    body = page.select_one(".report-body").get_text()
    assert "据统计,,2023年全省专利授权量同比增长12.5%。" in body
    assert not [word for word in CHROME if word in body]
    # It names 世界知识产权日, so the index lists it, linked to the report.
    index = parse(out / "world-ip-day/index.html")
    assert [a.get_text() for a in index.select("main section a")] == [front["title"]]


def test_url_given_on_the_command_line_is_the_reports_address(capsys, tmp_path):
    front, _, _ = imported(capsys, tmp_path, NOTICE, "--url", "https://example.gov.cn/x.html")
    assert front["source"]["url"] == "https://example.gov.cn/x.html"


@pytest.mark.parametrize("data", [
    NEWS.read_bytes(),  # GBK, as declared
    NEWS.read_bytes().decode("gbk").encode("utf-8"),  # saved again as UTF-8, still saying gbk
    b"\xef\xbb\xbf" + NEWS.read_bytes().decode("gbk").encode("utf-8"),  # with a BOM
    NEWS.read_bytes().replace(b"; charset=gbk", b""),  # GBK, declaring nothing
])
def test_the_text_is_read_whatever_the_page_declares(data):
    assert "某省举办2024年世界知识产权日主题宣传活动" in decode_page(data, NEWS)


def test_bytes_in_no_character_set_are_refused_at_their_line(capsys, tmp_path):
    page = tmp_path / "bad.html"
    page.write_bytes(b'<html><head><meta charset="gbk"><title>t</title></head>\n<body>\n'
                     b"<p>\xff\xff\xff</p></body></html>")
    site = tmp_path / "site"
    site.mkdir()
    status, out, err = run_main(capsys, "import", str(page), "--site", str(site))
    assert status == 1 and out == ""
    assert err.startswith(f"{page}:3: the page is neither UTF-8 nor gbk")
    assert "save the page again as UTF-8" in err and "Traceback" not in err
    assert list(site.iterdir()) == []


@pytest.mark.parametrize("html, line, message", [
    ("<html><head><title>某页</title></head><body>\n<div>发布时间：2023-04-26</div>\n"
     "</body></html>", 1, "no article text found on this page"),
    ("<html><head><title>某页</title></head>\n<body><h1>关于某事的通知</h1>\n"
     "<p>某局召开会议，研究部署知识产权保护工作，会议由局长主持。</p>\n"
     "<p>会议要求各单位认真抓好落实，确保各项工作取得实效。</p></body></html>", 2,
     "the page gives no date"),
])
def test_a_page_that_cannot_be_imported_says_where_and_what_to_do(capsys, tmp_path, html,
                                                                   line, message):
    page = tmp_path / "page.html"
    page.write_text(html, "utf-8")
    site = tmp_path / "site"
    site.mkdir()
    status, _, err = run_main(capsys, "import", str(page), "--site", str(site))
    assert status == 1
    assert f"{page}:{line}: {message}" in err and "Traceback" not in err
    assert err.rstrip().endswith("import failed; nothing was written")
    assert list(site.iterdir()) == []


def test_an_xhtml_page_declaring_its_encoding_is_read(capsys, tmp_path):
    page = tmp_path / "page.xhtml"
    page.write_bytes(NEWS.read_bytes().decode("gbk").replace(
        "<!DOCTYPE", '<?xml version="1.0" encoding="gbk"?>\n<!DOCTYPE', 1).encode("gbk"))
    site = tmp_path / "site"
    site.mkdir()
    front, body, _ = imported(capsys, site, page)
    assert front["title"] == "某省举办2024年世界知识产权日主题宣传活动"
    assert body.startswith("4月26日上午，")


def test_a_bad_url_option_is_refused(capsys, tmp_path):
    status, _, err = run_main(capsys, "import", str(NOTICE), "--url", "example.gov.cn/x",
                              "--site", str(tmp_path))
    assert status == 1 and "--url 'example.gov.cn/x' is not an http(s) address" in err
    text = tmp_path / "page.txt"
    text.write_text("某页\n报告一\n5月10日,会议召开。\n", "utf-8")
    status, _, err = run_main(capsys, "import", str(text), "--url", "https://a.example/",
                              "--site", str(tmp_path))
    assert status == 1 and "--url is for saved web pages" in err


def test_dry_run_writes_nothing_and_says_what_it_would_keep(capsys, tmp_path):
    status, out, _ = run_main(capsys, "import", str(COUNTY), "--dry-run",
                              "--site", str(tmp_path))
    assert status == 0 and list(tmp_path.iterdir()) == []
    digest = hashlib.sha256(COUNTY.read_bytes()).hexdigest()
    assert f"({COUNTY.stat().st_size:,} bytes, SHA-256 {digest})" in out
    assert out.rstrip().endswith("dry run: nothing was written")


def test_import_again_writes_nothing_and_a_taken_capture_name_is_never_overwritten(
        capsys, tmp_path):
    _, _, path = imported(capsys, tmp_path, COUNTY)
    before = tree_bytes(tmp_path)
    status, out, _ = run_main(capsys, "import", str(COUNTY), "--site", str(tmp_path))
    assert status == 0 and "already archived in" in out and tree_bytes(tmp_path) == before
    # A capture of that name left without its report: the next import takes another name.
    path.unlink()
    capture = tmp_path / f"content/captures/{path.stem}.html"
    capture.write_bytes(b"other")
    status, out, _ = run_main(capsys, "import", str(COUNTY), "--site", str(tmp_path))
    assert status == 0
    assert capture.read_bytes() == b"other"
    (report,) = (tmp_path / "content/reports").glob("*.md")
    assert report.stem.endswith("-2")
    assert (tmp_path / f"content/captures/{report.stem}.html").read_bytes() == \
        COUNTY.read_bytes()


def test_check_finds_a_capture_changed_or_missing(capsys, tmp_path):
    front, _, path = imported(capsys, tmp_path, NOTICE)
    capture = tmp_path / front["source"]["capture"]
    status, out, err = run_main(capsys, "check", "--site", str(tmp_path))
    assert "saved page" not in out + err
    capture.write_bytes(capture.read_bytes() + b"\n")
    status, out, err = run_main(capsys, "check", "--site", str(tmp_path))
    assert status == 1
    assert f"{path}:9: the saved page {front['source']['capture']} has the SHA-256" in out + err
    capture.unlink()
    status, out, err = run_main(capsys, "check", "--site", str(tmp_path))
    assert status == 1 and "cannot be read" in out + err
    # A saved page that no report names is worth a warning.
    path.unlink()
    (tmp_path / "content/captures/stray.html").write_bytes(b"<html></html>")
    status, out, err = run_main(capsys, "check", "--site", str(tmp_path))
    assert f"{tmp_path}/content/captures/stray.html: warning: no report names this saved " \
        "page" in out + err


def test_parsing_is_pure_and_gives_one_article():
    page = parse_webpage(COUNTY.read_bytes(), COUNTY)
    assert page.single and page.related == ()
    assert page.capture.data == COUNTY.read_bytes()
    with pytest.raises(SiteError):
        parse_webpage(b"", COUNTY)


def test_the_imported_report_loads_without_problems(capsys, tmp_path):
    imported(capsys, tmp_path, NEWS)
    content, problems = load_content(tmp_path)
    assert [p for p in problems if not p.warning] == []
    assert content.reports[0].source.capture_sha256 == hashlib.sha256(
        NEWS.read_bytes()).hexdigest()
