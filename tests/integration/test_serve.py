"""`ipr-archive serve` end to end: pages, reloads, the error overlay, hostile requests,
Ctrl-C, and fifty clients reading while the site is rebuilt under them."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import threading
import time
from pathlib import Path

from bs4 import BeautifulSoup

from generator.build.pipeline import build
from generator.serve.server import SCRIPT_TAG, SCRIPT_URL, inject_live_script
from integration.serving import Server

REPORT = "content/reports/dafeng-ip-joint-meeting.md"
REPORT_URL = "/reports/dafeng-ip-joint-meeting.html"
SERVE_OUT = Path(".cache/ipr-archive/serve")


def main_text(page: bytes) -> str:
    return BeautifulSoup(page.decode("utf-8"), "html.parser").main.get_text()


def line_of(text: str, prefix: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(prefix))


def test_a_saved_report_reloads_a_broken_one_shows_and_a_fix_clears(real_site):
    report = real_site / REPORT
    with Server(real_site) as server:
        status, headers, page = server.get(REPORT_URL)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        scripts = BeautifulSoup(page, "html.parser").find_all("script")
        assert [s.get("src") for s in scripts][-1] == SCRIPT_URL
        status, headers, script = server.get(SCRIPT_URL)
        assert status == 200 and "EventSource" in script.decode()
        # The script is the server's, not the site's: the built files do not hold it.
        built = (real_site / SERVE_OUT / "reports/dafeng-ip-joint-meeting.html").read_bytes()
        assert SCRIPT_TAG not in built and page == built.replace(
            b"</body>", SCRIPT_TAG + b"\n</body>")

        events = server.events()
        assert events.status == 200 and "text/event-stream" in events.headers
        name, hello = events.next()
        assert name == "hello" and hello["problems"] == []

        # Saves of one report, each seen as a reload and new text on the page.
        latencies = []
        text = report.read_text("utf-8")
        for number in range(5):
            new_text = f"服务预览第{number}次修改的段落。"
            text += f"\n{new_text}\n"
            saved = time.monotonic()
            report.write_text(text, "utf-8")
            name, data = events.next(timeout=10)
            latencies.append(time.monotonic() - saved)
            assert name == "reload"
            assert new_text in main_text(server.get(REPORT_URL)[2])
        assert statistics.median(latencies) < 1.0, latencies

        # A front-matter error: the terminal and the open page show path:line; the last
        # good page is still served.
        good = text
        broken = re.sub(r"(?m)^date: .*$", "date: 2023-02-30", good)
        date_line = line_of(broken, "date: ")
        report.write_text(broken, "utf-8")
        name, data = events.next(timeout=10)
        assert name == "problems"
        where = f"{REPORT}:{date_line}: "
        assert [p for p in data["problems"] if p.startswith(where)], data
        assert str(real_site) not in str(data)  # the page is told no absolute path
        server.wait_for(re.escape(f"{real_site / REPORT}:{date_line}: "), stream="stderr")
        server.wait_for(r"build failed: 1 error; still serving the last good build",
                        stream="stderr")
        status, _, page = server.get(REPORT_URL)
        assert status == 200 and "服务预览第4次修改的段落。" in main_text(page)
        late = server.events()  # a page opened while the build is broken shows it too
        name, data = late.next()
        assert name == "hello" and data["problems"][0].startswith(where)
        late.close()

        # The fix: back to the last good build, so the overlay goes without a reload.
        report.write_text(good, "utf-8")
        name, data = events.next(timeout=10)
        assert name == "ok"
        fixed = server.events()
        assert fixed.next() == ("hello", {"generation": data["generation"], "problems": []})
        fixed.close()
        # A fix that changes the page as well reloads it.
        report.write_text(good + "\n修好以后的新段落。\n", "utf-8")
        report.write_text(broken, "utf-8")
        assert events.next(timeout=10)[0] == "problems"
        report.write_text(good + "\n修好以后的新段落。\n", "utf-8")
        assert events.next(timeout=10)[0] == "reload"
        assert "修好以后的新段落。" in main_text(server.get(REPORT_URL)[2])
        events.close()
    print(f"save → reload event: median {statistics.median(latencies):.3f} s, "
          f"max {max(latencies):.3f} s")


def test_a_site_broken_from_the_start_shows_its_problems_until_fixed(real_site):
    report = real_site / REPORT
    good = report.read_text("utf-8")
    report.write_text(re.sub(r"(?m)^date: .*$", 'date: "<img src=x>"', good), "utf-8")
    line = line_of(report.read_text("utf-8"), "date: ")
    with Server(real_site) as server:
        server.wait_for(r"build failed: 1 error; nothing to serve until the build succeeds",
                        stream="stderr")
        status, _, page = server.get("/")
        assert status == 503
        soup = BeautifulSoup(page, "html.parser")
        assert f"{REPORT}:{line}: '<img src=x>' is not a date" in soup.pre.get_text()
        assert soup.pre.find("img") is None and str(real_site) not in page.decode()
        assert soup.find_all("script")[-1]["src"] == SCRIPT_URL  # it reloads when fixed
        events = server.events()
        name, hello = events.next()
        assert name == "hello" and hello["problems"][0].startswith(f"{REPORT}:{line}: ")
        report.write_text(good, "utf-8")
        assert events.next(timeout=10)[0] == "reload"
        assert server.get("/")[0] == 200
        events.close()


def test_drafts_another_output_folder_and_search_when_asked(real_site, tmp_path):
    (real_site / "content/reports/a-draft.md").write_text(
        "---\ntitle: 草稿报告\ndate: 2024-05-02\nslug: a-draft\ndraft: true\n---\n\n草稿。\n",
        "utf-8")
    with Server(real_site) as server:
        assert server.get("/reports/a-draft.html")[0] == 404
        assert server.get("/pagefind/pagefind.js")[0] == 404  # no search index by default
    out = tmp_path / "preview"
    with Server(real_site, "--drafts", "--out", str(out), "--search") as server:
        assert server.get("/reports/a-draft.html")[0] == 200
        assert (out / "reports/a-draft.html").is_file()
        assert server.get("/pagefind/pagefind.js")[0] == 200


def test_settings_templates_and_new_reports_are_watched_too(real_site):
    with Server(real_site) as server:
        events = server.events()
        assert events.next()[0] == "hello"
        settings = real_site / "site.yaml"
        settings.write_text(re.sub(r"(?m)^title: .*$", "title: 预览中的新站名",
                                   settings.read_text("utf-8")), "utf-8")
        assert events.next()[0] == "reload"
        assert "预览中的新站名" in server.get("/")[2].decode()

        base = real_site / "templates/base.html"
        base.write_text(base.read_text("utf-8").replace("</footer>",
                                                        "<p>模板改动</p></footer>"), "utf-8")
        assert events.next()[0] == "reload"
        assert "模板改动" in server.get("/archive/")[2].decode()

        (real_site / "content/reports/new-in-preview.md").write_text(
            "---\ntitle: 预览时新增的报告\ndate: 2024-05-01\nslug: new-in-preview\n---\n\n正文。\n",
            "utf-8")
        assert events.next()[0] == "reload"
        assert "预览时新增的报告" in server.get("/")[2].decode()
        assert server.get("/reports/new-in-preview.html")[0] == 200

        # A source folder taken away and put back is watched again.
        shutil.move(real_site / "static", real_site / "static-aside")
        assert events.next()[0] in ("reload", "problems")
        shutil.move(real_site / "static-aside", real_site / "static")
        assert events.next()[0] == "reload"
        css = real_site / "static/style.css"
        css.write_text(css.read_text("utf-8") + "\n/* 预览 */\n", "utf-8")
        assert events.next()[0] == "reload"
        assert "/* 预览 */" in server.get("/static/style.css")[2].decode()
        events.close()


def test_nothing_outside_the_output_is_served_and_the_server_keeps_serving(real_site):
    with Server(real_site) as server:
        out = real_site / SERVE_OUT
        os.symlink("/etc/passwd", out / "passwd.html")
        os.symlink(real_site, out / "up")
        try:
            targets = ["/../../etc/passwd", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                       "/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/%252e%252e/etc/passwd",
                       "/..%5c..%5cetc%5cpasswd", "/..\\..\\etc\\passwd", "//etc/passwd",
                       "/reports/../../../etc/passwd", "/passwd.html", "/up/site.yaml",
                       "/up/content/", "/.ipr-archive-manifest.json", "/%00", "/nope.html"]
            for target in targets:
                request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n" \
                          "Connection: close\r\n\r\n"
                status, body = server.raw(request.encode())
                assert status == 404, target
                assert b"root:" not in body and str(real_site).encode() not in body, target
                assert "页面不存在" in main_text(body), target  # the site's own 404 page
        finally:
            (out / "passwd.html").unlink()
            (out / "up").unlink()
        status, _, page = server.get("/")
        assert status == 200 and page.rstrip().endswith(b"</html>")


def test_pages_and_events_answer_only_local_names_and_origins(real_site):
    with Server(real_site) as server:
        port = server.port
        for headers in ({"Host": f"evil.example:{port}"},
                        {"Host": f"127.0.0.1.evil.example:{port}"},
                        {"Origin": "http://evil.example"},
                        {"Origin": f"http://evil.example:{port}"},
                        {"Origin": "null"}):
            assert server.events(headers).status == 403, headers
            assert server.get("/", headers)[0] == 403, headers
        for headers in ({"Host": f"localhost:{port}"},
                        {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"},
                        {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}):
            stream = server.events(headers)
            assert stream.status == 200 and stream.next()[0] == "hello", headers
            stream.close()
            assert server.get("/", headers)[0] == 200


def test_malformed_requests_get_400_and_the_server_goes_on(real_site):
    host = b"Host: 127.0.0.1\r\n"
    with Server(real_site) as server:
        bad = [b"GARBAGE\r\n\r\n",
               b"GET / HTTP/x.y\r\n\r\n",
               b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64) + b"\r\n\r\n",
               b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
               b"GET / HTTP/1.1\r\n" + host + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n",
               b"GET / HTTP/1.1\r\n" + host
               + b"".join(b"X-%d: a\r\n" % n for n in range(150)) + b"\r\n"]
        for request in bad:
            status, body = server.raw(request)
            assert status == 400, request[:40]
            assert str(real_site).encode() not in body and b"/tmp" not in body
        assert server.get("/", {"Host": f"127.0.0.1:{server.port}"})[0] == 200
        assert server.get("/", method="DELETE")[0] == 501  # not 500: nothing broke


def test_ctrl_c_stops_cleanly_with_a_page_open(real_site):
    server = Server(real_site)
    events = server.events()
    assert events.next()[0] == "hello"
    assert server.stop() == 0
    server.wait_for(r"^stopped$", timeout=5)
    assert not [line for line in server.stderr if "Traceback" in line], server.stderr
    leftovers = [p.name for p in (real_site / SERVE_OUT).parent.iterdir()
                 if p.name != "serve" and p.name != "cache.sqlite"]
    assert leftovers == []  # no half-made staging folder
    assert not (real_site / "public").exists()  # the preview never touches public/
    events.close()


def test_another_address_only_when_asked_and_with_a_warning(real_site):
    with Server(real_site) as server:
        assert not [line for line in server.stderr if "warning: serving on" in line]
        assert server.stdout[-1].startswith(f"serving http://127.0.0.1:{server.port}/")
    with Server(real_site, "--bind", "0.0.0.0") as server:
        server.wait_for(r"warning: serving on 0\.0\.0\.0, not only on this machine",
                        stream="stderr")
        assert server.get("/", {"Host": f"127.0.0.1:{server.port}"})[0] == 200
        assert server.get("/", {"Host": f"rebind.example:{server.port}"})[0] == 403


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1])


def test_fifty_clients_read_whole_pages_while_the_site_is_rebuilt(real_site, tmp_path):
    """Every answer is a complete page of one build or another; memory stays flat."""
    report = real_site / REPORT
    original = report.read_text("utf-8")
    versions = 25

    def save_version(site: Path, number: int) -> None:
        (site / REPORT).write_text(original + f"\n负载版本 LOADMARK-{number:03d}\n", "utf-8")

    save_version(real_site, 0)
    with Server(real_site) as server:
        unchanged = {path: server.get(path)[2] for path in ("/", "/archive/",
                                                             "/static/style.css")}
        paths = [REPORT_URL, *unchanged]
        problems: list[str] = []
        answers: dict[bytes, set[bytes]] = {}  # version mark -> the report pages answered
        answered = [0]
        lock = threading.Lock()

        def check(path: str, status: int, body: bytes) -> str | None:
            if status != 200:
                return f"{path}: status {status}"
            if path != REPORT_URL:
                return None if body == unchanged[path] else f"{path}: changed or incomplete"
            marks = re.findall(rb"LOADMARK-(\d{3})", body)
            if len(marks) != 1:
                return f"{path}: {len(marks)} version marks"
            with lock:
                answers.setdefault(marks[0], set()).add(body)
            return None

        def client(seconds: float, index: int) -> None:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=20)
            stop = time.monotonic() + seconds
            count = 0
            try:
                while time.monotonic() < stop:
                    path = paths[(index + count) % len(paths)]
                    connection.request("GET", path)
                    response = connection.getresponse()
                    problem = check(path, response.status, response.read())
                    count += 1
                    if problem:
                        with lock:
                            problems.append(problem)
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    problems.append(f"client {index}: {exc!r}")
            finally:
                connection.close()
                with lock:
                    answered[0] += count

        def load(seconds: float) -> None:
            clients = [threading.Thread(target=client, args=(seconds, n)) for n in range(50)]
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join()

        load(1.5)  # warm up: fifty threads' stacks and buffers, before measuring memory
        rss_before = rss_kib(server.proc.pid)
        rebuilds_before = len([line for line in server.stdout if " built " in line])
        editing = threading.Event()

        def editor() -> None:
            number = 0
            while not editing.wait(0.5) and number + 1 < versions:
                number += 1
                save_version(real_site, number)

        edits = threading.Thread(target=editor)
        edits.start()
        load(10)
        editing.set()
        edits.join()
        rss_after = rss_kib(server.proc.pid)
        rebuilds = len([line for line in server.stdout if " built " in line]) - rebuilds_before

    assert problems == [], problems[:10]
    assert answered[0] > 1000
    assert rebuilds >= 5 and len(answers) >= 5, (rebuilds, sorted(answers))
    # Each version's page as a build of its own writes it: the only answer allowed.
    copy = tmp_path / "versions"
    shutil.copytree(real_site, copy, ignore=shutil.ignore_patterns(".cache"))
    for mark, pages in sorted(answers.items()):
        save_version(copy, int(mark))
        result = build(copy, tmp_path / "expected", search=False)  # as serve builds
        expected = inject_live_script((result.out_dir / REPORT_URL.lstrip("/")).read_bytes())
        assert pages == {expected}, f"version {mark.decode()}: not the page its build writes"
    assert rss_after - rss_before < 20 * 1024, (rss_before, rss_after)
    print(f"{answered[0]} answers, {rebuilds} rebuilds, {len(answers)} versions seen, "
          f"RSS {rss_before} → {rss_after} KiB")
