"""generator/serve/http.py: who may ask, and what the preview answers: in process, and end
to end as a user runs `ipr-archive serve` (hostile requests, other Host names and Origins,
malformed requests, Ctrl-C, and fifty clients reading while the site is rebuilt)."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.build.lock import lock_path
from generator.build.pipeline import BuildOptions, build
from generator.build.writer import MANIFEST
from generator.serve import http as serve_http
from generator.serve.events import LIVE_SCRIPT, SCRIPT_URL, Channel, inject_live_script
from generator.serve.http import Access, PreviewServer, is_loopback
from tests.serve.serving import REPORT, REPORT_URL, SERVE_OUT, Server, main_text


def test_loopback_access_accepts_only_local_names_on_its_port():
    access = Access.for_bind("127.0.0.1", 8000)
    for host in ("127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"):
        assert access.host_ok(host), host
    for host in ("evil.example:8000", "127.0.0.1:8001", "localhost", "192.168.1.5:8000",
                 "127.0.0.1.evil.example:8000", "[::1]", "[::1:8000", "localhost:80x0",
                 ":8000", "localhost:8000:8000", "localhost.:8000"):
        assert not access.host_ok(host), host

def test_port_80_may_be_left_out_of_the_host():
    assert Access.for_bind("127.0.0.1", 80).host_ok("localhost")

def test_a_bound_address_is_accepted_besides_the_local_names():
    access = Access.for_bind("192.168.1.5", 8000)
    assert access.host_ok("192.168.1.5:8000") and access.host_ok("localhost:8000")
    assert not access.host_ok("192.168.1.6:8000")
    assert not access.host_ok("attacker.example:8000")

def test_listening_everywhere_accepts_ip_literals_but_never_a_name():
    access = Access.for_bind("0.0.0.0", 8000)
    assert access.host_ok("10.0.0.7:8000") and access.host_ok("[fe80::1]:8000")
    assert not access.host_ok("rebind.attacker.example:8000")

def test_origins_must_be_this_server_over_http():
    access = Access.for_bind("127.0.0.1", 8000)
    assert access.origin_ok("http://localhost:8000")
    assert access.origin_ok("http://127.0.0.1:8000")
    for origin in ("http://evil.example", "http://evil.example:8000", "https://localhost:8000",
                   "null", "http://localhost:8001", "http://user@localhost:8000",
                   "http://localhost:8000/path", ""):
        assert not access.origin_ok(origin), origin

def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


# --- in process: one PreviewServer over a folder the test writes ----------------------

@pytest.fixture
def preview(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    errors: list[str] = []
    server = PreviewServer("127.0.0.1", 0, out, Channel(), on_error=errors.append)
    server.errors = errors
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.channel.close()
    server.shutdown()
    server.server_close()


def ask(server: PreviewServer, path: str, method: str = "GET"
        ) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def built(out: Path, files: dict[str, bytes]) -> None:
    """The output as a finished build leaves it: the files, and the manifest."""
    for name, data in {MANIFEST: b"{}", **files}.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def test_before_the_first_build_every_page_shows_the_problems_as_text(preview):
    status, headers, page = ask(preview, "/")
    assert status == 503 and headers["Content-Type"] == "text/html; charset=utf-8"
    soup = BeautifulSoup(page, "html.parser")
    assert soup.pre.get_text() == "the first build is still running"
    assert soup.find_all("script")[-1]["src"] == SCRIPT_URL  # it reloads when one succeeds
    preview.channel.failed(["content/reports/a.md:3: '<b>x</b>' is not a date"])
    soup = BeautifulSoup(ask(preview, "/reports/a.html")[2], "html.parser")
    assert soup.pre.get_text() == "content/reports/a.md:3: '<b>x</b>' is not a date"
    assert soup.pre.find("b") is None
    assert preview.url() == f"http://127.0.0.1:{preview.port}/"


def test_pages_get_the_script_and_other_files_come_as_built(preview):
    page = b"<!DOCTYPE html><html><head></head><body><p>\xe9\xa6\x96\xe9\xa1\xb5</p></body></html>"
    css = b"body { color: #333 }\n"
    built(preview.out_dir, {"index.html": page, "static/style.css": css,
                            "reports/a.html": page})
    status, headers, body = ask(preview, "/")
    assert (status, body) == (200, inject_live_script(page))
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Server"] == "ipr-archive"  # no Python version
    status, headers, body = ask(preview, "/static/style.css?v=2")
    assert (status, headers["Content-Type"], body) == (200, "text/css; charset=utf-8", css)
    status, headers, body = ask(preview, SCRIPT_URL)
    assert (status, body) == (200, LIVE_SCRIPT.encode("utf-8"))
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    status, headers, body = ask(preview, "/", method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, str(len(inject_live_script(
        page))), b"")


def test_a_folder_without_its_slash_is_redirected(preview):
    built(preview.out_dir, {"reports/index.html": b"<html></html>"})
    status, headers, _ = ask(preview, "/reports?page=2")
    assert (status, headers["Location"]) == (301, "/reports/?page=2")
    assert ask(preview, "/reports/")[0] == 200


def test_a_missing_page_gets_the_sites_404_page_rooted_at_the_top(preview):
    assert ask(preview, "/nope.html")[0] == 503  # no build yet: the problems page
    built(preview.out_dir, {"index.html": b"<html></html>"})
    status, headers, body = ask(preview, "/nope.html")
    assert (status, headers["Content-Type"], body) == (404, "text/plain; charset=utf-8",
                                                       b"404 not found\n")
    built(preview.out_dir, {"404.html": b"<html><head><title>404</title></head><body>"
                                        b"<a href=\"index.html\">home</a></body></html>"})
    status, headers, body = ask(preview, "/deep/er/nope.html")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    soup = BeautifulSoup(body, "html.parser")
    assert soup.head.base["href"] == "/"  # its links work at any depth
    assert soup.find_all("script")[-1]["src"] == SCRIPT_URL
    assert ask(preview, "/__ipr-archive/other")[0] == 404
    assert ask(preview, "/.ipr-archive-manifest.json")[0] == 404


def test_a_bug_answers_500_without_paths_and_the_terminal_gets_the_traceback(
        preview, monkeypatch):
    built(preview.out_dir, {"index.html": b"<html></html>"})

    def broken(root, out_path):
        raise RuntimeError(f"a bug reading {root}")

    monkeypatch.setattr(serve_http, "read_output_file", broken)
    status, _, body = ask(preview, "/")
    assert (status, body) == (500, b"500 internal error\n")
    assert len(preview.errors) == 1 and "RuntimeError: a bug reading" in preview.errors[0]
    monkeypatch.undo()
    assert ask(preview, "/")[0] == 200


# --- end to end: `ipr-archive serve` as a user runs it -----------------------------------

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
    out = real_site / SERVE_OUT
    kept = {"serve", "cache.sqlite", lock_path(out).name}  # the output, its cache, its lock
    leftovers = [p.name for p in out.parent.iterdir() if p.name not in kept]
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

@pytest.mark.slow
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
    assert answered[0] >= 50, answered  # a sanity bound; throughput is the benchmark's
    assert rebuilds >= 5 and len(answers) >= 5, (rebuilds, sorted(answers))
    # Each version's page as a build of its own writes it: the only answer allowed.
    copy = tmp_path / "versions"
    shutil.copytree(real_site, copy, ignore=shutil.ignore_patterns(".cache"))
    for mark, pages in sorted(answers.items()):
        save_version(copy, int(mark))
        result = build(copy, tmp_path / "expected", BuildOptions())  # as serve builds: with search
        expected = inject_live_script((result.out_dir / REPORT_URL.lstrip("/")).read_bytes())
        assert pages == {expected}, f"version {mark.decode()}: not the page its build writes"
    assert rss_after - rss_before < 20 * 1024, (rss_before, rss_after)
    print(f"{answered[0]} answers, {rebuilds} rebuilds, {len(answers)} versions seen, "
          f"RSS {rss_before} → {rss_after} KiB")
