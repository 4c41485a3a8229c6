"""Search: index sizes, the build time of the search step, and query latency in Chromium.

    python -m benchmarks.search [--sizes 1000,10000] [--work DIR] [--repeat 5]

For the real content (this repository's site) and generated archives of each size
(benchmarks/corpus.py): a cold build with and without search, the sizes of Pagefind's
bundle, the offline index and the word list, and the time of the search call in the
search page (`performance.now()` around it in static/search.js, read from the page's
data-search-ms), over HTTP with Pagefind and from disk with the offline index when the
archive has one. Needs Debian's chromium (`bash tests/setup.sh`).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from benchmarks.corpus import write_corpus
from generator.build.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent
QUERIES = ["专利", "知识产权联席会议", "五水共治", "泛珠三角", "qzxj"]


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return sum(p.stat().st_size for p in files), len(files)


def timed_build(site: Path, out: Path, search: bool) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    build(site, out, BuildOptions(use_cache=False, search=search))
    return time.perf_counter() - started


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the base class names its argument `format`
        pass


def query_times(out: Path, repeat: int, from_disk: bool) -> dict[str, tuple[float, float, int]]:
    """{query: (median ms of the search call, median ms from navigation to results, hits)}."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = out.as_uri() + "/" if from_disk else f"http://127.0.0.1:{server.server_address[1]}/"
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox"])
            page = browser.new_page()
            for query in QUERIES:
                calls, totals, hits = [], [], 0
                for _ in range(repeat):
                    started = time.perf_counter()
                    page.goto(base + "search/index.html?q=" + quote(query))
                    page.wait_for_selector("#search[data-state=done]", timeout=120_000)
                    totals.append((time.perf_counter() - started) * 1000)
                    calls.append(float(page.get_attribute("#search", "data-search-ms") or "nan"))
                    hits = page.locator("#search-results li").count()
                results[query] = (statistics.median(calls), statistics.median(totals), hits)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def one_report_rebuild(site: Path, out: Path) -> tuple[float, float]:
    """(cold build with search and the cache, the rebuild after one report's body changed),
    in seconds, in this process: what an editor waits for after saving a report."""
    shutil.rmtree(site / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    build(site, out, BuildOptions(search=True))
    cold = time.perf_counter() - started
    reports = sorted((site / "content" / "reports").glob("*.md"))
    report = reports[len(reports) // 2]
    original = report.read_bytes()
    report.write_bytes(original + "\n补记一句。\n".encode())
    try:
        started = time.perf_counter()
        build(site, out, BuildOptions(search=True))
        return cold, time.perf_counter() - started
    finally:
        report.write_bytes(original)


def measure(name: str, site: Path, work: Path, repeat: int) -> None:
    out = work / f"{name}-out"
    cold, one = one_report_rebuild(site, work / f"{name}-cached-out")
    without = timed_build(site, out, search=False)
    with_search = timed_build(site, out, search=True)
    bundles = len(json.loads((out / "search" / "shards.json").read_text("utf-8"))["bundles"])
    pagefind, pagefind_files = tree_size(out / "pagefind")
    script = (out / "search" / "fallback-index.js").read_text("utf-8")
    shipped = '"omitted"' not in script
    # Left out, the file says how large it would have been.
    fallback = len(script.encode()) if shipped else int(re.search(r'"bytes":(\d+)', script)[1])
    words = (out / "search" / "words.json").stat().st_size
    print(f"\n## {name}")
    print(f"cold build without search {without:.2f} s, with search {with_search:.2f} s "
          f"(search step about {with_search - without:.2f} s)")
    print(f"with the cache: cold {cold:.2f} s, one report's body changed {one:.2f} s")
    print(f"Pagefind: {bundles} bundle(s), {pagefind / 1e6:.2f} MB in {pagefind_files} files; "
          f"offline index "
          f"{fallback / 1e6:.2f} MB ({'shipped' if shipped else 'left out: over the limit'}); "
          f"word list {words / 1e3:.1f} kB")
    engines = [("HTTP, Pagefind", False)] + ([("file://, offline index", True)] if shipped else [])
    for label, from_disk in engines:
        print(f"{label}: query | search call ms (median of {repeat}) | "
              "page load to results ms | results shown")
        for query, (call, total, hits) in query_times(out, repeat, from_disk).items():
            print(f"  {query} | {call:.1f} | {total:.0f} | {hits}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="ipr-search-bench-"))
    real = work / "real"
    shutil.rmtree(real, ignore_errors=True)
    for folder in ("content", "templates", "static"):
        shutil.copytree(REPO / folder, real / folder)
    shutil.copy(REPO / "site.yaml", real / "site.yaml")
    measure("real content", real, work, args.repeat)
    for size in (int(s) for s in args.sizes.split(",") if s):
        root = work / f"corpus-{size}"
        if not (root / "content").exists():
            write_corpus(size, root)
        measure(f"{size:,} generated reports", root, work, args.repeat)


if __name__ == "__main__":
    main()
