"""Search: what the index costs a build, its size, and queries in Chromium.

    python -m benchmarks.search [--sizes 10000] [--work DIR] [--repeat 3] [--no-browser]

For generated archives of each size (benchmarks/corpus.py), side by side in one run: a
cold build without and with search (no cache), the rebuild after one report's body
changed (with the cache) without and with search, the index's size and files, and
(unless --no-browser) for each query in headless Chromium (Debian's chromium, `bash
tests/setup.sh`), over HTTP and from file://: the bytes of index files it loaded, and
the time from navigation to the first results shown (`data-state=done` on the form), by
the page's own clock: a script added before the page's own sees the attribute set and
notes `performance.now()`, whose zero is the navigation's start. Median of --repeat, a
fresh browser context each time. Beside it, the time Playwright waited from `goto` to
the same attribute (it adds the driver's round trips and the wait for the load event).

Every build is `python -m generator build` in a process of its own, run from a
byte-compiled copy of the checkout (as benchmarks/run.py runs it): what an editor runs.
Builds one after another in the benchmark's own process measured that process's growing
heap too: three cold builds without search took 13.6, 23.3 and 25.4 s there.

The HTTP server is Python's, made to behave like a real one: HTTP/1.1 with keep-alive
(the standard library's answers HTTP/1.0 and closes every connection unless told) and
TCP_NODELAY (its headers and body go out in two sends, and with Nagle's algorithm the
body waited up to 40 ms for the headers' ACK), in a process of its own (in the
benchmark's, it would share one interpreter lock with the Playwright driver).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from benchmarks.corpus import write_corpus
from benchmarks.tools import compiled_copy

QUERIES = ["专利", "知识产权", "知識產權", "知识产权联席会议", "五水共治", "泛珠三角", "WIPO",
           "局", "qzxj"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Notes when the search page says it is done, by the page's clock (ms from navigation).
DONE_AT = """new MutationObserver(function (_, watch) {
  var form = document.getElementById("search");
  if (form && form.getAttribute("data-state") === "done") {
    window.__searchDoneAt = performance.now();
    watch.disconnect();
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state"]});"""


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return sum(p.stat().st_size for p in files), len(files)


def run_build(code: Path, site: Path, out: Path, search: bool, cache: bool = True) -> float:
    """Seconds `python -m generator build` takes, in a process of its own, as an editor
    runs it (from `code`, a byte-compiled copy of the checkout: benchmarks/tools.py)."""
    command = [sys.executable, "-m", "generator", "build", "--site", str(site), "--out",
               str(out), "--quiet", *([] if search else ["--no-search"]),
               *([] if cache else ["--no-cache"])]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=code, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return took


def cold_build(code: Path, site: Path, out: Path, search: bool) -> float:
    shutil.rmtree(out, ignore_errors=True)
    os.sync()  # the last build's files are on disk: writing them back is not this one's time
    return run_build(code, site, out, search, cache=False)


def one_report_edits(code: Path, site: Path, work: Path, edits: int = 5
                     ) -> tuple[float, float, float]:
    """The rebuild after one report's body changed, with the cache: what an editor waits
    for after saving a report. Two copies of the site, one built without search and one
    with, each edited `edits` times, in turn (the order swapped every edit), so a busy
    spell on the machine falls on both: (median without, median with, median of the
    differences edit by edit)."""
    sites = {False: work / "edit-without", True: work / "edit-with"}
    reports = {}
    for search, copy in sites.items():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".cache", "public"))
        run_build(code, copy, copy / "public", search)
        found = sorted((copy / "content" / "reports").glob("*.md"))
        reports[search] = (found[len(found) // 2], found[len(found) // 2].read_bytes())
    times: dict[bool, list[float]] = {False: [], True: []}
    for edit in range(edits):
        for search in (False, True) if edit % 2 == 0 else (True, False):
            report, original = reports[search]
            report.write_bytes(original + f"\n新增一句用于测试增量构建{edit}。\n".encode())
            os.sync()  # (as above: the cold build's writing back is not the edit's time)
            times[search].append(run_build(code, sites[search], sites[search] / "public",
                                           search))
    added = [with_ - without for without, with_ in zip(times[False], times[True], strict=True)]
    return statistics.median(times[False]), statistics.median(times[True]), \
        statistics.median(added)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every real server does
    # TCP_NODELAY, as nginx sets on keep-alive connections: the handler writes a response's
    # headers and its body in two sends, and with Nagle's algorithm on the body waited for
    # the browser's delayed ACK of the headers, up to 40 ms a file on loopback.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # the base class names its argument `format`
        pass


def _serve(directory: str, ports) -> None:
    handler = functools.partial(_QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ports.put(server.server_address[1])
    server.serve_forever()


def queries(out: Path, repeat: int, from_disk: bool
            ) -> dict[str, tuple[float, int, int, float]]:
    """{query: (median ms from navigation to the results in the page, bytes of index
    files loaded, results shown, median ms Playwright waited)}."""
    from playwright.sync_api import sync_playwright

    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(str(out), ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    base = out.as_uri() + "/" if from_disk else f"http://127.0.0.1:{port}/"
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 headless=True, args=CHROMIUM_ARGS)
            for query in QUERIES:
                times, waited, loaded, hits = [], [], 0, 0
                for _ in range(repeat):
                    context = browser.new_context()  # nothing cached from the last query
                    context.add_init_script(DONE_AT)
                    page = context.new_page()
                    requested: list[str] = []
                    page.on("request", lambda request, into=requested: into.append(request.url))
                    started = time.perf_counter()
                    page.goto(base + "search/index.html?q=" + quote(query))
                    page.wait_for_selector("#search[data-state=done]", timeout=120_000)
                    waited.append((time.perf_counter() - started) * 1000)
                    times.append(page.evaluate("window.__searchDoneAt"))
                    hits = page.locator("#search-results li").count()
                    index = {unquote(urlparse(url).path).rsplit("/search/", 1)[-1]
                             for url in requested if "/search/" in url and url.endswith(".js")}
                    loaded = sum((out / "search" / name).stat().st_size for name in index)
                    context.close()
                results[query] = (statistics.median(times), loaded, hits,
                                  statistics.median(waited))
            browser.close()
    finally:
        server.terminate()
        server.join()
    return results


def measure(size: int, work: Path, repeat: int, edits: bool = True, browser: bool = True
            ) -> dict:
    site = work / f"corpus-{size}"
    if not (site / "content").exists():
        write_corpus(size, site)
    out = work / f"out-{size}"
    row: dict = {"reports": size}
    say(f"{size}: cold builds")
    without, with_search = [], []
    code = compiled_copy(work / "code")
    for _ in range(repeat):  # in turn, so a busy spell on the machine falls on both
        without.append(cold_build(code, site, out, False))
        with_search.append(cold_build(code, site, out, True))
    row["cold_without"], row["cold_with"] = map(statistics.median, (without, with_search))
    row["cold_pairs"] = list(zip(without, with_search, strict=True))
    index_bytes, index_files = tree_size(out / "search")
    row["index_bytes"], row["index_files"] = index_bytes, index_files
    if browser:
        say(f"{size}: queries")
        row["http"] = queries(out, repeat, from_disk=False)
        row["file"] = queries(out, repeat, from_disk=True)
    if edits:
        say(f"{size}: one-report edits")
        row["edit_without"], row["edit_with"], row["edit_added"] = one_report_edits(
            code, site, work)
    return row


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def edit_cell(row: dict) -> str:
    if "edit_with" not in row:
        return "not measured"
    added = f" ({row['edit_added']:+.2f} s)" if "edit_added" in row else ""
    return f"{row['edit_without']:.2f} s / {row['edit_with']:.2f} s{added}"


def table(rows: list[dict]) -> str:
    lines = ["| reports | cold build without / with search | ratio | one-report edit "
             "without / with search | index size, files |",
             "|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['reports']:,} | {row['cold_without']:.1f} s / {row['cold_with']:.1f} s | "
            f"{row['cold_with'] / row['cold_without']:.2f}× | {edit_cell(row)} | "
            f"{row['index_bytes'] / 1e6:.1f} MB, "
            f"{row['index_files']:,} |")
    lines += ["", "| reports | query | results shown | loaded (KB) | navigation to results, "
              "HTTP / file:// (ms) | Playwright waited, HTTP / file:// (ms) |",
              "|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        for query in QUERIES if "http" in row else ():
            http_ms, loaded, hits, http_wait = row["http"][query]
            file_ms, _, _, file_wait = row["file"][query]
            lines.append(f"| {row['reports']:,} | {query} | {hits} | {loaded / 1e3:.0f} | "
                         f"{http_ms:.0f} / {file_ms:.0f} | {http_wait:.0f} / {file_wait:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-edits", action="store_true",
                        help="leave out the one-report edits (four builds fewer)")
    parser.add_argument("--no-browser", action="store_true",
                        help="leave out the queries in Chromium (builds and edits only)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ipr-search-bench-"))
    rows = [measure(int(size), work, args.repeat, not args.no_edits, not args.no_browser)
            for size in args.sizes.split(",") if size]
    print(table(rows))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "search.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n",
                                         "utf-8")


if __name__ == "__main__":
    main()
