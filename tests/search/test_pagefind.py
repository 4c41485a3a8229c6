"""generator/search/pagefind.py: the Pagefind bundle and the offline index a build writes,
the matching in static/search.js (run under node, the same file the browser runs), and
hostile text kept as data in both indexes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from generator.build.pipeline import BuildOptions, build
from generator.errors import SiteError
from generator.pages import theme
from generator.search import pagefind as search
from generator.search.pagefind import _unpack
from tests.helpers import PAYLOAD, SAFE_NAME, build_out, hostile_site

REPO = Path(__file__).resolve().parents[2]
SEARCH_JS = theme.STATIC / "search.js"

ZHEJIANG = """---
title: 浙江省知识产权联席会议在杭州召开
date: 2015-06-18
place: 浙江省杭州市
region: 浙江省
tags: [知识产权联席会议, 五水共治]
---

紧紧围绕“五水共治”、“四换三名”等一系列组合拳，周国辉主持会议并讲话。
"""
DAFENG = """---
title: 盐城市大丰区召开知识产权联席会议
date: XXXX-05-10
place: 江苏省盐城市大丰区
region: 江苏省
tags: [专利]
---

据统计，盐城市大丰区共申请各类专利3326件。
"""


def fallback_of(out: Path) -> dict:
    """The offline index as the browser's global would hold it."""
    text = (out / "search" / "fallback-index.js").read_text("utf-8")
    prefix = f"window.{search.FALLBACK_GLOBAL} = "
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    return json.loads(line[len(prefix):].rstrip(";"))


def records_of(out: Path) -> dict[str, dict]:
    data = fallback_of(out)
    return {row[0]: dict(zip(data["fields"], row, strict=True)) for row in data["records"]}


@pytest.fixture
def two_reports(make_site):
    return make_site({"site.yaml": "title: 测试档案\n",
                      "content/reports/zhejiang.md": ZHEJIANG,
                      "content/reports/dafeng.md": DAFENG,
                      "content/pages/about.md": "---\ntitle: 关于\n---\n\n本站收录报告。\n"})


def test_a_build_writes_pagefind_and_an_offline_index_of_reports_and_pages(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(use_cache=False, jobs=1))
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["version"] == search.PAGEFIND_VERSION
    assert list(entry["languages"]) == ["zh"]  # zh-CN, indexed with Chinese segmentation
    assert entry["languages"]["zh"]["page_count"] == 3
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert not (out / "pagefind" / "pagefind-ui.js").exists()  # the page has its own UI

    records = records_of(out)
    assert list(records) == ["reports/zhejiang.html", "reports/dafeng.html", "about/index.html"]
    zhejiang = records["reports/zhejiang.html"]
    assert zhejiang["title"] == "浙江省知识产权联席会议在杭州召开"
    assert zhejiang["date"] == "2015年6月18日"
    assert zhejiang["place"] == "浙江省杭州市"
    assert zhejiang["region"] == ["浙江省"]
    assert zhejiang["tags"] == ["知识产权联席会议", "五水共治"]
    assert zhejiang["year"] == "2015年"
    assert "周国辉主持会议并讲话" in zhejiang["text"]
    assert records["reports/dafeng.html"]["year"] == "年份不详"
    assert records["about/index.html"]["text"].endswith("本站收录报告。")


def test_only_the_report_itself_is_indexed(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(use_cache=False, jobs=1))
    text = records_of(out)["reports/zhejiang.html"]["text"]
    site_chrome = ["首页", "档案", "跳到正文", "报告原文照录",  # header, navigation, footer
                   "引用本页", "GB/T 7714", "SHA-256", "正文照录来源",  # citation and digest
                   "日期", "地点", "相关报告"]  # labels, and the lists around the report
    assert [word for word in site_chrome if word in text] == []


def test_two_builds_give_byte_identical_search_files(two_reports, tmp_path):
    """Pagefind 1.5.2 writes its filter files in hash-map order; search.py sorts them."""
    first, second = tmp_path / "a", tmp_path / "b"
    build(two_reports, first, BuildOptions(use_cache=False, jobs=1))
    build(two_reports, second, BuildOptions(use_cache=False, jobs=1))

    def search_files(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                if p.is_file() and p.relative_to(out).parts[0] in ("pagefind", "search")}

    files = search_files(first)
    assert any(name.startswith("pagefind/filter/") for name in files)
    assert files == search_files(second)


def test_normalising_sorts_filter_values_and_renames_by_content():
    def packed(value) -> bytes:
        return search._pack(search._cbor_dumps(value))

    def bundle(values):
        from pathlib import PurePosixPath as P
        meta = ["1.5.2", [], [], [["region", "zh_old1"]], [], ["title"]]
        entry = {"version": "1.5.2", "languages": {"zh": {"hash": "zh_m", "page_count": 2}}}
        return {P("pagefind-entry.json"): json.dumps(entry).encode(),
                P("pagefind.zh_m.pf_meta"): packed(meta),
                P("filter/zh_old1.pf_filter"): packed(["region", values])}

    one = search._normalise(bundle([["浙江省", [0]], ["江苏省", [1]]]))
    other = search._normalise(bundle([["江苏省", [1]], ["浙江省", [0]]]))
    assert one == other
    filters = [path for path in one if path.parts[0] == "filter"]
    assert len(filters) == 1 and filters[0].name != "zh_old1.pf_filter"
    name, values = search._cbor_loads(search._unpack(one[filters[0]], filters[0]))
    assert values == sorted(values)


def test_an_index_too_large_for_the_offline_search_is_left_out_and_said_so(
        two_reports, tmp_path, monkeypatch):
    monkeypatch.setattr(search, "FALLBACK_LIMIT", 200)
    out = tmp_path / "out"
    result = build(two_reports, out, BuildOptions(use_cache=False, jobs=1))
    data = fallback_of(out)
    assert "records" not in data
    assert data["omitted"]["limit"] == 200 and data["omitted"]["bytes"] > 200
    assert any("offline search index" in p.message and "left out" in p.message
               for p in result.warnings)
    assert (out / "pagefind" / "pagefind.js").is_file()  # Pagefind still works over HTTP


def test_no_search_builds_without_an_index_and_the_page_says_so(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(use_cache=False, jobs=1, search=False))
    assert not (out / "pagefind").exists()
    assert not (out / "search" / "fallback-index.js").exists()
    page = (out / "search" / "index.html").read_text("utf-8")
    assert "没有包含搜索功能" in page
    assert 'class="site-search"' not in (out / "index.html").read_text("utf-8")


def test_search_false_in_site_yaml_is_the_same_as_no_search(make_site, tmp_path):
    site = make_site({"site.yaml": "search: false\n", "content/reports/dafeng.md": DAFENG})
    out = tmp_path / "out"
    build(site, out, BuildOptions(use_cache=False, jobs=1))
    assert not (out / "pagefind").exists()
    assert "没有包含搜索功能" in (out / "search" / "index.html").read_text("utf-8")


@pytest.mark.parametrize("binary", ["/nonexistent/pagefind_extended", "/bin/false"])
def test_a_missing_or_broken_pagefind_fails_the_build_and_says_what_to_do(
        two_reports, tmp_path, monkeypatch, binary):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(use_cache=False, jobs=1, search=False))
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", binary)
    with pytest.raises(SiteError) as caught:
        build(two_reports, out, BuildOptions(use_cache=False, jobs=1))
    message = "\n".join(str(p) for p in caught.value.problems if not p.warning)
    assert "search index could not be built" in message
    assert "pip install 'pagefind[extended]==1.5.2'" in message
    assert "--no-search" in message
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_an_unchanged_rebuild_keeps_the_index_and_an_edit_rebuilds_it(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(jobs=1))
    entry = (out / "pagefind" / "pagefind-entry.json").stat()
    again = build(two_reports, out, BuildOptions(jobs=1))
    assert again.written == 0
    assert (out / "pagefind" / "pagefind-entry.json").stat().st_ino == entry.st_ino

    report = two_reports / "content" / "reports" / "dafeng.md"
    report.write_text(report.read_text("utf-8").replace("3326件", "3326件，其中发明专利498件"),
                      "utf-8")
    build(two_reports, out, BuildOptions(jobs=1))
    assert "其中发明专利498件" in records_of(out)["reports/dafeng.html"]["text"]


def test_a_one_report_edit_rewrites_only_the_search_files_that_change(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(jobs=1))
    before = search_files(out)
    report = two_reports / "content" / "reports" / "dafeng.md"
    report.write_text(report.read_text("utf-8") + "\n补记一句。\n", "utf-8")
    result = build(two_reports, out, BuildOptions(jobs=1))
    after = search_files(out)
    kept = [name for name in after if before.get(name) == after[name]]
    new = [name for name in after if name not in before]
    # The edited report's fragment is new; the other pages' fragments and Pagefind's
    # scripts are the same files, carried over.
    assert [name for name in new if name.startswith("pagefind/fragment/")] != []
    assert sum(1 for name in kept if name.startswith("pagefind/fragment/")) == 2
    assert "pagefind/pagefind.js" in kept
    assert "search/fallback-index.js" not in kept
    rewritten = [name for name in after if name not in kept]
    assert result.written == 3 + len(rewritten)  # the report, reports.json and .csv, search


def search_files(out: Path) -> dict[str, int]:
    """{output path: inode} of every file search.py writes."""
    files = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
    files += [out / "search" / "fallback-index.js", out / "search" / "words.json"]
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in files}


def test_index_words_are_the_chinese_words_pagefind_indexed(two_reports, tmp_path):
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(use_cache=False, jobs=1))
    words = json.loads((out / "search" / "words.json").read_text("utf-8"))
    assert words == sorted(words)
    assert "专利" in words and "联席" in words
    assert all(2 <= len(word) <= 6 for word in words)



NODE = shutil.which("node")


def run_js(expression: str):
    """Evaluate an expression with `core` = static/search.js's exports, under node."""
    if NODE is None:
        pytest.fail("node is missing: run `bash tests/setup.sh` (it installs npm packages)")
    script = (f"const core = require({json.dumps(str(SEARCH_JS))});\n"
              f"process.stdout.write(JSON.stringify({expression}));")
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "NODE_OPTIONS": ""})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


RECORDS = json.dumps({"version": 1, "fields": list(search.FALLBACK_FIELDS), "records": [
    ["reports/zj.html", "浙江省知识产权联席会议", "2015年6月18日", "浙江省杭州市", ["浙江省"],
     ["知识产权联席会议"], "2015年", "紧紧围绕“五水共治”，周国辉主持会议。"],
    ["reports/df.html", "盐城市大丰区召开知识产权联席会议", "5月10日（年份不详）",
     "江苏省盐城市大丰区", ["江苏省"], ["专利"], "年份不详", "盐城市大丰区共申请各类专利3326件。"],
    ["reports/split.html", "五水与共治", "", "", [], [], "", "五水之外，水共长天，共治一方。"],
]}, ensure_ascii=False)


def found(query: str, filters: str = "{}") -> list[str]:
    return run_js(f"core.searchRecords(core.loadRecords({RECORDS}), {json.dumps(query)}, "
                  f"{filters}).items.map(i => i.url)")


def test_chinese_terms_match_by_bigrams():
    assert run_js('core.grams("五水共治")') == ["五水", "水共", "共治"]
    assert run_js('core.grams("专利")') == ["专利"]
    assert found("五水共治") == ["reports/zj.html", "reports/split.html"]  # whole term first
    assert found("大丰") == ["reports/df.html"]  # any two-character word
    assert found("盐城") == ["reports/df.html"]
    assert found("周国辉 五水共治") == ["reports/zj.html"]  # every term is needed
    assert found("qwxyz") == []


def test_filters_narrow_the_results():
    assert found("知识产权") == ["reports/zj.html", "reports/df.html"]
    assert found("知识产权", '{"region": "江苏省"}') == ["reports/df.html"]
    assert found("知识产权", '{"year": "2015年"}') == ["reports/zj.html"]
    assert found("", '{"tag": "专利"}') == ["reports/df.html"]


def test_excerpts_mark_the_whole_term():
    pieces = run_js(f'core.searchRecords(core.loadRecords({RECORDS}), "五水共治", {{}})'
                    '.items[0].excerpt')
    assert [p["text"] for p in pieces if p["mark"]] == ["五水共治"]
    assert "".join(p["text"] for p in pieces) == "紧紧围绕“五水共治”，周国辉主持会议。"


def test_pagefind_excerpts_become_text_and_joined_marks():
    pieces = run_js('core.markedPieces("围绕“<mark>五</mark><mark>水</mark><mark>共</mark>'
                    '<mark>治</mark>”&lt;script&gt;")')
    assert pieces == [{"text": "围绕“", "mark": False}, {"text": "五水共治", "mark": True},
                      {"text": "”<script>", "mark": False}]


def test_queries_for_pagefind_use_the_index_words():
    words = 'new Set(["珠三角", "泛珠", "知识", "产权"])'
    assert run_js(f'core.pagefindQuery("泛珠三角", {words})') == "泛 珠三角"
    assert run_js(f'core.pagefindQuery("知识产权 2015年", {words})') == "知识 产权 2015 年"


def test_a_site_with_nothing_to_index_still_builds(make_site, tmp_path):
    out = tmp_path / "out"
    build(make_site({"site.yaml": "title: 空档案\n"}), out, BuildOptions(use_cache=False, jobs=1))
    assert fallback_of(out)["records"] == []
    assert not (out / "pagefind").exists()  # the search page falls back to the empty index


@pytest.mark.slow
def test_a_large_archive_gets_a_bundle_a_year_and_the_same_shared_files(two_reports, tmp_path,
                                                                        monkeypatch):
    one = tmp_path / "one"
    build(two_reports, one, BuildOptions(use_cache=False, jobs=1))
    monkeypatch.setattr(search, "SHARD_MIN_PAGES", 1)
    sharded, again = tmp_path / "sharded", tmp_path / "again"
    build(two_reports, sharded, BuildOptions(use_cache=False, jobs=1))
    build(two_reports, again, BuildOptions(use_cache=False, jobs=1))
    assert json.loads((one / "search/shards.json").read_text()) == {"bundles": ["pagefind/"]}
    bundles = json.loads((sharded / "search/shards.json").read_text())["bundles"]
    assert bundles == ["pagefind/", "pagefind/2015/", "pagefind/unknown-year/"]
    for bundle in bundles:
        entry = json.loads((sharded / bundle / "pagefind-entry.json").read_text())
        assert entry["languages"]["zh"]["page_count"] == 1  # about, zhejiang, dafeng
    # What every bundle shares is the same as with one bundle, and so is the offline index.
    for shared in ("search/words.json", "search/fallback-index.js"):
        assert (sharded / shared).read_bytes() == (one / shared).read_bytes()

    def files(out: Path) -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
                if p.is_file()}
    assert files(sharded) == files(again)  # deterministic, shard by shard


@pytest.mark.slow
def test_an_edit_indexes_only_the_bundle_of_its_year(two_reports, tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_MIN_PAGES", 1)
    out = tmp_path / "out"
    build(two_reports, out, BuildOptions(jobs=1))
    before = {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()}
    report = two_reports / "content/reports/zhejiang.md"
    report.write_text(report.read_text("utf-8") + "\n会议还讨论了植物新品种权。\n", "utf-8")
    build(two_reports, out, BuildOptions(jobs=1))
    after = {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()}
    changed = {p.relative_to(out / "pagefind").parts[0] for p in after
               if before.get(p) != after[p]}
    assert changed == {"2015"}
    clean = tmp_path / "clean"
    build(two_reports, clean, BuildOptions(use_cache=False, jobs=1))
    for name in ("search/words.json", "search/fallback-index.js", "search/shards.json"):
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    assert {p.relative_to(out): p.read_bytes() for p in (out / "pagefind").rglob("*")
            if p.is_file()} == {p.relative_to(clean): p.read_bytes()
                                for p in (clean / "pagefind").rglob("*") if p.is_file()}


def test_the_offline_search_index_cannot_be_broken_out_of(make_site, tmp_path):
    site = hostile_site(make_site)
    build_out(site, search=True)
    script = (site.parent / "site-out/search/fallback-index.js").read_bytes().decode("utf-8")
    assert "</" not in script and "<!--" not in script and "\u2028" not in script
    # Run it as a browser would, in a fresh JavaScript context with only `window` in it.
    runner = ("const vm = require('vm'); const fs = require('fs');"
              "const context = {window: {}}; vm.createContext(context);"
              "vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), context);"
              "const keys = Object.keys(context).filter(k => k !== 'window');"
              "process.stdout.write(JSON.stringify({index: context.window.IPR_SEARCH_FALLBACK,"
              " globals: keys, window: Object.keys(context.window)}));")
    fallback = site.parent / "site-out/search/fallback-index.js"
    run = subprocess.run(["node", "-e", runner, str(fallback)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["globals"] == [] and result["window"] == ["IPR_SEARCH_FALLBACK"]
    index = result["index"]
    rows = [dict(zip(index["fields"], row, strict=True)) for row in index["records"]]
    [row] = [r for r in rows if r["url"].endswith("reports/a.html")]
    assert row["title"] == PAYLOAD and row["place"] == PAYLOAD
    assert PAYLOAD.replace("\u2028", " ") in row["text"]  # Pagefind's text: spaces normalised


@pytest.mark.xfail(strict=True, reason="Pagefind 1.5.2 decodes entities in filter values "
                   "twice: a tag written `&amp;` is indexed as `&` (inert, but not verbatim)")
def test_tags_in_the_offline_index_are_verbatim(make_site):
    site = hostile_site(make_site)
    build_out(site, search=True)
    script = (site.parent / "site-out/search/fallback-index.js").read_text("utf-8")
    index = json.loads(script.split(" = ", 1)[1].rstrip().rstrip(";"))
    rows = [dict(zip(index["fields"], row, strict=True)) for row in index["records"]]
    [row] = [r for r in rows if r["url"].endswith("reports/a.html")]
    assert row["tags"] == [SAFE_NAME, "专利"]


def test_pagefind_records_keep_hostile_text_as_data(make_site):
    site = hostile_site(make_site)
    build_out(site, search=True)
    out = site.parent / "site-out"
    titles = []
    for fragment in sorted((out / "pagefind/fragment").glob("*.pf_fragment")):
        record = json.loads(_unpack(fragment.read_bytes(), PurePosixPath(fragment.name)))
        titles.append(record["meta"].get("title"))
    assert PAYLOAD in titles, titles


def bundle_of(site: Path) -> Path:
    build(site, site.parent / "torn-out", BuildOptions(jobs=1))
    return site.parent / "torn-out" / "pagefind"


def test_a_whole_bundle_is_not_torn(make_site):
    bundle = bundle_of(make_site({"content/reports/dafeng.md": DAFENG}))
    assert search._torn(bundle) is None


@pytest.mark.parametrize("damage", ["entry", "fragment", "wasm"])
def test_a_torn_bundle_names_its_incomplete_file(make_site, damage):
    """Pagefind 1.5.2 can answer "written" before its files are: a truncated file is
    caught (a gzip file's trailer holds its length), never shipped."""
    bundle = bundle_of(make_site({"content/reports/dafeng.md": DAFENG}))
    if damage == "entry":
        victim = bundle / "pagefind-entry.json"
    elif damage == "fragment":
        victim = sorted((bundle / "fragment").iterdir())[0]
    else:
        victim = next(bundle.glob("wasm.*.pagefind"))
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    assert search._torn(bundle) == victim.relative_to(bundle).as_posix()


def test_settling_waits_for_a_file_still_being_written(tmp_path):
    import asyncio
    import concurrent.futures
    import gzip
    import threading

    bundle = tmp_path / "bundle"
    (bundle / "fragment").mkdir(parents=True)
    (bundle / "pagefind-entry.json").write_text('{"version": "1.5.2"}')
    data = gzip.compress(b"pagefind_dcd" + os.urandom(50_000))  # does not shrink
    fragment = bundle / "fragment" / "a.pf_fragment"
    fragment.write_bytes(data[:100])  # the write has begun
    threading.Timer(0.3, lambda: fragment.write_bytes(data)).start()

    def settled(patience: float) -> bool:  # on a thread of its own, as the build runs it
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, search._settled([bundle], patience)).result()

    assert settled(5) is True
    assert fragment.read_bytes() == data
    fragment.write_bytes(data[:100])
    assert settled(0.2) is False
