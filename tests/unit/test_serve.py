"""The preview server's pure parts: who may ask, the injected script, the event channel."""
from __future__ import annotations

import json
import queue
from pathlib import Path

from generator.errors import Problem
from generator.serve.server import (LIVE_SCRIPT, SCRIPT_TAG, Access, Channel, content_type,
                             inject_live_script, is_loopback, overlay_lines)


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


def test_the_script_goes_before_the_last_body_end():
    page = b"<html><body><p>x</p></body>\n</html>\n"
    assert inject_live_script(page) == (b"<html><body><p>x</p>" + SCRIPT_TAG
                                        + b"\n</body>\n</html>\n")
    assert inject_live_script(b"<p>fragment</p>") == b"<p>fragment</p>" + SCRIPT_TAG


def test_the_script_shows_problems_as_text_only():
    assert "textContent" in LIVE_SCRIPT
    assert "innerHTML" not in LIVE_SCRIPT and "insertAdjacentHTML" not in LIVE_SCRIPT
    assert "http" not in LIVE_SCRIPT.replace('"use strict"', "")  # nothing from elsewhere


def test_content_types():
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("static/style.css") == "text/css; charset=utf-8"
    assert content_type("feed.xml") == "application/xml"
    assert content_type("static/unknown.zzz") == "application/octet-stream"


def events(listener: queue.SimpleQueue) -> list[tuple[str, dict | None]]:
    found = []
    while not listener.empty():
        message = listener.get()
        if message is None:
            found.append(("closed", None))
            continue
        name, data = message.decode().strip().split("\n")
        found.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_the_channel_tells_pages_to_reload_show_problems_and_clear_them():
    channel = Channel()
    listener, hello = channel.subscribe()
    assert b"event: hello" in hello and b'"problems": []' in hello
    channel.built(changed=True)
    channel.built(changed=False)  # nothing new, nothing to clear: no event
    channel.failed(["content/reports/a.md:3: bad date"])
    late, late_hello = channel.subscribe()
    assert "content/reports/a.md:3: bad date" in late_hello.decode()  # a page opened now
    channel.built(changed=False)  # the fix restored the last good build exactly
    channel.failed(["x"])
    channel.built(changed=True)
    channel.close()
    assert events(listener) == [
        ("reload", {"generation": 1}),
        ("problems", {"generation": 1, "problems": ["content/reports/a.md:3: bad date"]}),
        ("ok", {"generation": 1}),
        ("problems", {"generation": 1, "problems": ["x"]}),
        ("reload", {"generation": 2}),
        ("closed", None),
    ]
    channel.unsubscribe(listener)
    channel.unsubscribe(late)


def test_the_overlay_names_files_relative_to_the_site(tmp_path):
    problems = [Problem(tmp_path / "content/reports/a.md", 3, "bad"),
                Problem(Path("/elsewhere/cache.sqlite"), 0, "odd", warning=True)]
    assert overlay_lines(problems, tmp_path) == [
        "content/reports/a.md:3: bad", "cache.sqlite: warning: odd"]
