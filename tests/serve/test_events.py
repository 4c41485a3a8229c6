"""generator/serve/events.py: the live-reload channel, its event stream, and the script
(live.js) each HTML page gets."""
from __future__ import annotations

import io
import json
import queue
import threading
import time
import tomllib

from generator.serve.events import LIVE_SCRIPT, SCRIPT_TAG, SCRIPT_URL, Channel, inject_live_script
from tests.helpers import REPO


def test_the_script_goes_before_the_last_body_end():
    page = b"<html><body><p>x</p></body>\n</html>\n"
    assert inject_live_script(page) == (b"<html><body><p>x</p>" + SCRIPT_TAG
                                        + b"\n</body>\n</html>\n")
    assert inject_live_script(b"<p>fragment</p>") == b"<p>fragment</p>" + SCRIPT_TAG

def test_the_script_shows_problems_as_text_only():
    assert "textContent" in LIVE_SCRIPT
    assert "innerHTML" not in LIVE_SCRIPT and "insertAdjacentHTML" not in LIVE_SCRIPT
    assert "http" not in LIVE_SCRIPT.replace('"use strict"', "")  # nothing from elsewhere


def test_the_script_is_live_js_and_ships_in_the_wheel():
    assert (REPO / "generator/serve/live.js").read_text("utf-8") == LIVE_SCRIPT
    assert 'new EventSource("/__ipr-archive/events")' in LIVE_SCRIPT
    assert f'<script src="{SCRIPT_URL}"></script>'.encode() == SCRIPT_TAG
    assert SCRIPT_URL == "/__ipr-archive/live.js"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert "live.js" in pyproject["tool"]["setuptools"]["package-data"]["generator.serve"]


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


def test_a_page_is_sent_the_state_first_then_each_event_until_the_channel_closes():
    channel = Channel()
    channel.failed(["site.yaml:1: bad <b>value</b>"])
    page = io.BytesIO()
    reader = threading.Thread(target=channel.stream, args=(page,))
    reader.start()
    deadline = time.monotonic() + 10
    while b"event: hello" not in page.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    channel.built(changed=True)
    channel.close()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert page.getvalue().decode() == (
        "retry: 500\n"
        'event: hello\ndata: {"generation": 0, "problems": ["site.yaml:1: bad <b>value</b>"]}'
        "\n\n"
        'event: reload\ndata: {"generation": 1}\n\n')


class GoneAway(io.RawIOBase):
    def write(self, data):
        raise BrokenPipeError("the page was closed")


def test_a_page_that_went_away_ends_its_stream_quietly():
    channel = Channel()
    channel.stream(GoneAway())  # returns, raises nothing
    listener, _ = channel.subscribe()
    channel.close()
    assert listener.get(timeout=1) is None
