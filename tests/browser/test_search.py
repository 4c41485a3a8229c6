"""Search in Chromium, over HTTP, under a subpath and from disk (the same index files):
a query set whose hits are found independently by substring over folded text, the
expected hits on the real site, the header box used with the keyboard alone, filters,
无结果, inert data, an input method's Enter, a build without search, and a report added
as Markdown found after one rebuild."""
from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from generator.build.pipeline import BuildOptions, build
from generator.search import index as search_index
from generator.search.fold import fold, fold_pairs, tokens
from tests.browser.conftest import copy_site
from tests.helpers import hostile_site
from tests.search.corpus import QUERIES, corpus_docs, corpus_files
from tests.search.querying import ranked

pytestmark = pytest.mark.browser

DAFENG = "reports/dafeng-ip-joint-meeting.html"
NANCHANG = "reports/pan-prd-ip-cooperation-nanchang.html"
ZHEJIANG = "reports/zhejiang-ip-joint-meeting-hangzhou.html"
REPORTS = (DAFENG, NANCHANG, ZHEJIANG)

# Pinned on purpose: a dictionary engine once lost Chinese words here (its index and the
# browser split 泛珠三角 differently), so each term and the report it must find are listed.
EXPECTED_HITS = [("专利", DAFENG), ("泛珠三角", NANCHANG), ("郭学勤", NANCHANG),
                 ("五水共治", ZHEJIANG), ("周国辉", ZHEJIANG), ("盐城", DAFENG),
                 ("知識產權", ZHEJIANG), ("專利", DAFENG)]


@pytest.fixture(params=["http", "file"])
def site_url(request, plain_site, served) -> tuple[str, str]:
    """(how the site is opened, the URL of its folder): over HTTP, or from disk."""
    if request.param == "http":
        return "http", served.url
    return "file", plain_site.out.as_uri() + "/"


def open_search(page: Page, base: str, query: str = "", **filters: str) -> None:
    params = {"q": query, **filters} if query else filters
    page.goto(base + "search/index.html" + ("?" + urlencode(params) if params else ""))
    expect(page.locator("#search")).to_have_attribute("data-state", "done")


def result_paths(page: Page) -> list[str]:
    """The output paths the result links lead to, in the order shown."""
    hrefs = page.locator("#search-results li h2 a").evaluate_all(
        "links => links.map(a => a.href)")
    site = page.evaluate("new URL(document.getElementById('search')"
                         ".getAttribute('data-site-root'), location.href).href")
    root = site.rsplit("/", 1)[0] + "/"
    assert all(href.startswith(root) for href in hrefs), (hrefs, root)
    return [href[len(root):] for href in hrefs]


def result_for(page: Page, out_path: str):
    return page.locator("#search-results li").filter(
        has=page.locator(f"h2 a[href$='{out_path.rsplit('/', 1)[1]}']"))


@pytest.mark.parametrize("query,report", EXPECTED_HITS)
def test_each_expected_term_finds_its_report(page, site_url, query, report):
    how, base = site_url
    open_search(page, base, query)
    assert report in result_paths(page)
    hit = result_for(page, report)
    expect(hit.locator("mark").first).to_be_visible()
    marked = hit.locator("mark").all_inner_texts()
    assert fold(query) in [fold(m) for m in marked], marked


def test_yancheng_finds_dafeng_and_no_other_report(page, site_url):
    _, base = site_url
    open_search(page, base, "盐城")
    reports = [path for path in result_paths(page) if path.startswith("reports/")]
    assert reports == [DAFENG]


def test_nonsense_shows_no_results(page, site_url):
    _, base = site_url
    open_search(page, base, "qzxj鑫鑫鑫")
    expect(page.locator("#search-status")).to_contain_text("无结果")
    expect(page.locator("#search-results li")).to_have_count(0)


def test_the_region_filter_narrows_the_results(page, site_url):
    _, base = site_url
    open_search(page, base, "知识产权")
    assert {p for p in result_paths(page) if p.startswith("reports/")} == set(REPORTS)

    # A reader picks the region from the list and searches again.
    page.locator("#search-region").select_option("江苏省")
    page.locator("#search-q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]region=%E6%B1%9F%E8%8B%8F%E7%9C%81"))
    expect(page.locator("#search")).to_have_attribute("data-state", "done")
    assert [p for p in result_paths(page) if p.startswith("reports/")] == [DAFENG]
    expect(page.locator("#search-status")).to_contain_text("地区：江苏省")


def test_a_result_shows_title_date_place_and_a_marked_excerpt(page, site_url):
    _, base = site_url
    open_search(page, base, "五水共治")
    hit = result_for(page, ZHEJIANG)
    expect(hit.locator("h2")).to_have_text("浙江省知识产权联席会议成员单位第一次全体会议在杭州召开")
    expect(hit.locator(".meta")).to_contain_text("6月18日")
    expect(hit.locator(".meta")).to_contain_text("浙江省杭州市")
    expect(hit.locator(".excerpt mark")).to_have_text(["五水共治"])


@pytest.fixture(params=["http", "subpath", "file"])
def any_site_url(request, plain_site, served, served_under_subpath) -> tuple[str, str]:
    if request.param == "file":
        return "file", plain_site.out.as_uri() + "/"
    return request.param, (served if request.param == "http" else served_under_subpath).url


def test_a_reader_types_in_the_header_box_with_the_keyboard_alone(page, any_site_url):
    how, base = any_site_url
    page.goto(base + "index.html")
    for _ in range(30):  # Tab from the top of the page to the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-q":
            break
    else:
        pytest.fail("the header search box cannot be reached with Tab")
    page.keyboard.type("五水共治")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"search/index\.html\?q="))
    expect(page.locator("#search")).to_have_attribute("data-state", "done")
    hit = result_for(page, ZHEJIANG)
    expect(hit.locator(".excerpt mark")).to_have_text(["五水共治"])

    page.keyboard.press("Tab")  # on to the results, still by keyboard
    for _ in range(15):
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(ZHEJIANG) + "$"))


def test_the_search_page_loads_nothing_from_outside_the_site(page, site_url):
    how, base = site_url
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    open_search(page, base, "专利")
    assert requested and all(url.startswith(base) for url in requested), requested


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class names its argument `format`
        pass


def _serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_report_added_as_markdown_is_found_after_one_rebuild(page, tmp_path):
    site = copy_site(tmp_path / "site", None)
    out = tmp_path / "out"
    build(site, out, BuildOptions(jobs=1))
    (site / "content" / "reports" / "blueberry-trial.md").write_text(
        "---\ntitle: 某县蓝莓试验田知识产权座谈会\ndate: 2024-04-26\nplace: 某县\n"
        "region: 示例省\ntags: [专利]\n---\n\n座谈会讨论了蓝莓新品种的植物新品种权。\n", "utf-8")
    build(site, out, BuildOptions(jobs=1))  # one incremental rebuild, cache and all
    server = _serve(out)
    try:
        for base in (f"http://127.0.0.1:{server.server_address[1]}/", out.as_uri() + "/"):
            open_search(page, base, "植物新品种")
            assert result_paths(page) == ["reports/blueberry-trial.html"]
            open_search(page, base, "知识产权", region="示例省")
            assert result_paths(page) == ["reports/blueberry-trial.html"]
    finally:
        server.shutdown()
        server.server_close()


def test_a_build_without_search_says_so_on_the_search_page(page, tmp_path):
    site = copy_site(tmp_path / "site", None)
    out = tmp_path / "out"
    build(site, out, BuildOptions(use_cache=False, jobs=1, search=False))
    page.goto((out / "index.html").as_uri())
    expect(page.locator(".site-search")).to_have_count(0)
    page.goto((out / "search" / "index.html").as_uri() + "?q=专利")
    expect(page.locator("main")).to_contain_text("本站的这次构建没有包含搜索功能")
    expect(page.locator("#search")).to_have_count(0)


def test_more_results_are_shown_on_request_and_focus_moves_to_them(page, tmp_path):
    from benchmarks.corpus import write_corpus

    site = write_corpus(45, tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    server = _serve(out)
    try:
        for base in (f"http://127.0.0.1:{server.server_address[1]}/", out.as_uri() + "/"):
            open_search(page, base, "知识")  # two characters: counted before any is shown
            total = int(page.locator("#search-status").inner_text().split("找到 ")[1].split(" ")[0])
            assert total > 20
            expect(page.locator("#search-results li")).to_have_count(20)
            more = page.get_by_role("button", name="显示更多结果")
            more.focus()
            page.keyboard.press("Enter")
            expect(page.locator("#search-results li")).to_have_count(min(total, 40))
            focused = page.evaluate("document.activeElement.closest('li') === "
                                    "document.querySelectorAll('#search-results li')[20]")
            assert focused
            paths = result_paths(page)
            assert len(set(paths)) == len(paths)  # no result twice
    finally:
        server.shutdown()
        server.server_close()


def all_results(page: Page) -> list[str]:
    """Every result, pressing 显示更多结果 until there are no more."""
    more = page.get_by_role("button", name="显示更多结果")
    while more.count():
        shown = page.locator("#search-results li").count()
        more.click()
        expect(page.locator("#search-results li")).not_to_have_count(shown)
    return result_paths(page)


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):
    """The search corpus (simplified, traditional, mixed) as a site, built once and served
    at the root and under /sub/."""
    tmp = tmp_path_factory.mktemp("search-corpus")
    site = tmp / "site"
    for name, text in corpus_files().items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, "utf-8")
    out = tmp / "root" / "sub"
    with pytest.MonkeyPatch.context() as patch:  # sixteen shards: the page hashes as Python
        patch.setattr(search_index, "DOCS_PER_SHARD", 1)
        build(site, out, BuildOptions(use_cache=False, jobs=1))
    assert len(list((out / "search/idx").glob("*.js"))) == 16
    root, sub = _serve(out), _serve(out.parent)
    yield {"http": f"http://127.0.0.1:{root.server_address[1]}/",
           "subpath": f"http://127.0.0.1:{sub.server_address[1]}/sub/",
           "file": out.as_uri() + "/"}
    for server in (root, sub):
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("how", ["http", "subpath", "file"])
def test_the_query_set_finds_exactly_what_a_substring_search_finds(page, corpus_site, how):
    docs = corpus_docs()
    for query in QUERIES:
        open_search(page, corpus_site[how], query)
        found = all_results(page)
        assert found == ranked(docs, query), query  # ten reports: all shown together
        if not found:
            expect(page.locator("#search-status")).to_contain_text("无结果")


def test_title_matches_come_first_then_the_most_occurrences(page, corpus_site):
    open_search(page, corpus_site["http"], "知识产权")
    found = result_paths(page)
    titled = {d.url for d in corpus_docs() if "知识产权" in fold(d.title)}
    assert set(found[:len(titled)]) == titled and len(found) > len(titled)
    # r01 holds 知識產權 four times (title, tag, text twice), r00 twice: both in titles.
    assert found.index("reports/r01.html") < found.index("reports/r00.html")


def report_file(title: str, date: str, text: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: [农业]\n---\n\n{text}\n"


FILLER = "会议讨论了种植技术和市场推广。" * 15  # no 蓝, 草 or 莓


@pytest.fixture(scope="module")
def ranking_site(tmp_path_factory):
    """Reports whose order for 蓝莓 and for 蓝莓 草莓 is known: a title match, one holding
    蓝莓 five times but older than all the rest, twenty-five newer ones holding it once,
    and an older pair of terms side by side against a newer pair far apart."""
    tmp = tmp_path_factory.mktemp("ranking")
    site = tmp / "site"
    files = {
        "content/reports/title.md": report_file("蓝莓试验田座谈会", "2017-01-05", "座谈会召开。"),
        "content/reports/five.md": report_file(
            "座谈会纪要", "2016-01-05", "蓝莓、蓝莓和蓝莓。" + FILLER + "又说蓝莓，再说蓝莓。"),
        "content/reports/near.md": report_file("交流会甲", "2015-01-05",
                                               FILLER + "种植蓝莓草莓的农户。" + FILLER),
        "content/reports/far.md": report_file("交流会乙", "2015-06-05",
                                              "蓝莓种植。" + FILLER + "草莓种植。"),
    }
    for n in range(25):
        files[f"content/reports/once-{n:02d}.md"] = report_file(
            f"交流会{n:02d}号", f"2020-{n // 12 + 1:02d}-{n % 12 + 1:02d}", "种了蓝莓。" + FILLER)
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, "utf-8")
    out = tmp / "out"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    server = _serve(out)
    yield {"http": f"http://127.0.0.1:{server.server_address[1]}/", "file": out.as_uri() + "/"}
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("how", ["http", "file"])
def test_ranking_title_then_often_then_close_then_newer(page, ranking_site, how):
    once = [f"reports/once-{n:02d}.html" for n in reversed(range(25))]  # newest first
    open_search(page, ranking_site[how], "蓝莓")
    # Twenty at a time: the report holding 蓝莓 five times is older than all twenty-five
    # that hold it once, yet comes right after the title match, on the first screen.
    assert result_paths(page) == ["reports/title.html", "reports/five.html"] + once[:18]
    assert all_results(page)[20:] == once[18:] + ["reports/far.html", "reports/near.html"]

    open_search(page, ranking_site[how], "蓝莓 草莓")
    # Side by side before far apart, though older.
    assert result_paths(page) == ["reports/near.html", "reports/far.html"]


def test_filters_by_tag_and_year(page, corpus_site):
    open_search(page, corpus_site["http"], "专利", tag="专利")
    assert sorted(result_paths(page)) == ["reports/r00.html", "reports/r06.html"]
    open_search(page, corpus_site["file"], "知识产权", year="2023年")
    assert sorted(result_paths(page)) == ["reports/r01.html", "reports/r02.html"]


def test_an_excerpt_shows_the_reports_own_characters(page, corpus_site):
    open_search(page, corpus_site["file"], "知识产权贸易")
    hit = result_for(page, "reports/r01.html")
    expect(hit.locator(".excerpt mark").first).to_have_text("知識產權貿易")


def test_an_input_methods_enter_does_not_submit(page, corpus_site):
    open_search(page, corpus_site["http"])
    prevented = page.evaluate("""() => {
        const box = document.getElementById('search-q');
        const composing = new KeyboardEvent('keydown', {key: 'Enter', isComposing: true,
                                                         cancelable: true, bubbles: true});
        const plain = new KeyboardEvent('keydown', {key: 'Enter', cancelable: true,
                                                    bubbles: true});
        box.dispatchEvent(composing);
        box.dispatchEvent(plain);
        return [composing.defaultPrevented, plain.defaultPrevented];
    }""")
    assert prevented == [True, False]
    page.locator("#search-q").fill("專利")
    page.locator("#search-q").press("Enter")  # a plain Enter searches, the query in the URL
    expect(page).to_have_url(re.compile(r"\?q=%E5%B0%88%E5%88%A9"))
    expect(page.locator("#search")).to_have_attribute("data-state", "done")
    assert "reports/r00.html" in result_paths(page)


def test_hostile_text_in_results_stays_text(page, make_site):
    site = hostile_site(make_site)
    out = site.parent / "site-out"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_search(page, out.as_uri() + "/", "专利")
    expect(page.locator("#search-results li").first).to_be_visible()
    assert page.locator("#search-results img, #search-results script").count() == 0
    titles = page.locator("#search-results li h2 a").all_inner_texts()
    assert any("<img src=x onerror=alert(1)>" in t for t in titles), titles
    assert dialogs == []


def _table_keys() -> tuple[list[str], list[str]]:
    """The characters the folding table changes that the index reads as tokens: Chinese
    characters (indexed alone and in pairs) and letters (a word alone, "aa" one word)."""
    han, latin = [], []
    for char, _ in fold_pairs():
        folded = fold(char)
        if tokens(folded) == {folded}:
            (han if folded in tokens(folded * 2) else latin).append(char)
    return han, latin


@pytest.fixture(scope="module")
def folding_site(tmp_path_factory):
    """A report holding every character of the folding table (traditional, variant and
    upper-case forms), and one whose text has characters beyond the BMP before its match;
    served at the root and under /sub/."""
    han, latin = _table_keys()
    tmp = tmp_path_factory.mktemp("folding")
    site = tmp / "site"
    files = {
        "content/reports/table.md": report_file("字表", "2020-01-01", "".join(han) + "\n\n" +
                                                " ".join(char + "中" for char in latin)),
        "content/reports/astral.md": report_file("某地报告", "2019-01-01",
                                                 "𠁞𠁞𠁞之后，知識產權保護。"),
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, "utf-8")
    out = tmp / "root" / "sub"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    root, sub = _serve(out), _serve(out.parent)
    yield {"http": f"http://127.0.0.1:{root.server_address[1]}/",
           "subpath": f"http://127.0.0.1:{sub.server_address[1]}/sub/",
           "file": out.as_uri() + "/", "han": han, "latin": latin}
    for server in (root, sub):
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("how", ["http", "subpath", "file"])
def test_the_page_folds_every_character_of_the_table_as_the_index_does(page, folding_site,
                                                                        how):
    han, latin = folding_site["han"], folding_site["latin"]
    assert len(han) > 3000 and any(ord(char) > 0xFFFF for char in han) and len(latin) > 50
    # Terms of 25 characters and Latin words each followed by 中: none is one token, so the
    # page checks each in the report's text as it folds it, and a character folded
    # otherwise than by the index (fold.py) loses the report.
    chunks = ["".join(han[at:at + 25]) for at in range(0, len(han), 25)]
    simplified = " ".join([fold(chunk) for chunk in chunks] + [fold(c) + "中" for c in latin])
    written = " ".join(chunks + [char + "中" for char in latin])  # the query folds too
    for query in (simplified, written):
        open_search(page, folding_site[how], query)
        assert result_paths(page) == ["reports/table.html"]
        marked = page.locator("#search-results .excerpt mark").first.inner_text()
        assert marked == chunks[0][:len(marked)] and len(marked) >= 10  # its own characters


@pytest.mark.parametrize("how", ["http", "file"])
def test_an_excerpt_after_characters_beyond_the_bmp_marks_the_match(page, folding_site, how):
    open_search(page, folding_site[how], "知识产权")
    hit = result_for(page, "reports/astral.html")
    expect(hit.locator(".excerpt")).to_contain_text("𠁞𠁞𠁞之后，知識產權保護。")
    expect(hit.locator(".excerpt mark")).to_have_text(["知識產權"])
    open_search(page, folding_site[how], "𠀾𠀾")  # 𠁞 folds to 𠀾
    hit = result_for(page, "reports/astral.html")
    expect(hit.locator(".excerpt mark")).to_have_text(["𠁞𠁞"])


@pytest.mark.parametrize("how", ["http", "subpath", "file"])
def test_filters_list_regions_by_pinyin_and_years_newest_first(page, corpus_site, how):
    open_search(page, corpus_site[how], "专利")
    options = {kind: page.locator(f"#search-{kind} option").all_inner_texts()
               for kind in ("region", "year")}
    assert options["region"] == ["全部地区", "澳门特别行政区（1）", "北京市（1）", "广东省（1）",
                                 "江苏省（1）", "江西省（1）", "香港特别行政区（1）", "浙江省（1）"]
    assert options["year"] == ["全部年份", "2024年（1）", "2023年（2）", "2022年（2）",
                               "2021年（2）", "2020年（1）", "2019年（1）", "2018年（1）"]


@pytest.mark.parametrize("how", ["http", "file"])
def test_documents_are_read_where_the_browser_lacks_native_base64(page, corpus_site, how):
    page.add_init_script("delete Uint8Array.fromBase64;")  # as in browsers before 2025
    docs = corpus_docs()
    for query in ("知识产权", "产权局", "PCT 专利"):
        open_search(page, corpus_site[how], query)
        assert page.evaluate("typeof Uint8Array.fromBase64") == "undefined"
        assert result_paths(page) == ranked(docs, query), query


def test_a_missing_shard_says_so_and_leaves_the_filters(page, tmp_path):
    site = copy_site(tmp_path / "site", None)
    out = tmp_path / "out"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    for shard in (out / "search" / "idx").glob("*.js"):
        shard.unlink()  # as a half-copied archive would be
    server = _serve(out)
    try:
        for base in (f"http://127.0.0.1:{server.server_address[1]}/", out.as_uri() + "/"):
            open_search(page, base, "专利")
            expect(page.locator("#search-status")).to_contain_text("搜索索引载入失败")
            expect(page.locator("#search-results li")).to_have_count(0)
            expect(page.locator(".search-filters")).to_be_visible()
            expect(page.locator("#search-region option", has_text="江苏省")).to_have_count(1)
    finally:
        server.shutdown()
        server.server_close()
