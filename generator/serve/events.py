"""The live-reload channel: the preview's state pushed to every open page as server-sent
events, and the script (live.js) each HTML page gets to listen to them.

`reload` follows a build that changed the site, `problems` a failed build (the page shows
them over the last good build), `ok` a good build after a failed one that changed nothing.
"""
from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable
from importlib import resources
from io import BufferedIOBase

PREFIX = "/__ipr-archive/"
EVENTS_URL = PREFIX + "events"
SCRIPT_URL = PREFIX + "live.js"
SCRIPT_TAG = b'<script src="' + SCRIPT_URL.encode() + b'"></script>'
PING_SECONDS = 15  # a comment line this often finds clients that went away

# Served at SCRIPT_URL, never written into the site. It sets problems as text only: they
# quote the editor's files, which may hold anything.
LIVE_SCRIPT = resources.files(__package__).joinpath("live.js").read_text(encoding="utf-8")


def inject_live_script(page: bytes) -> bytes:
    """The page with the live-reload script before its last </body> (or at its end)."""
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + SCRIPT_TAG
    return page[:at] + SCRIPT_TAG + b"\n" + page[at:]


class Channel:
    """The state of the preview (its build generation and current problems), pushed to
    every open page as server-sent events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: set[queue.SimpleQueue] = set()
        self.generation = 0
        self.problems: tuple[str, ...] = ()
        self._closed = False

    def subscribe(self) -> tuple[queue.SimpleQueue, bytes]:
        """A queue of the events to come, and the first event: the state as it is."""
        listener: queue.SimpleQueue = queue.SimpleQueue()
        with self._lock:
            if self._closed:
                listener.put(None)
            self._listeners.add(listener)
            hello = _event("hello", {"generation": self.generation,
                                     "problems": list(self.problems)})
        return listener, hello

    def unsubscribe(self, listener: queue.SimpleQueue) -> None:
        with self._lock:
            self._listeners.discard(listener)

    def stream(self, out: BufferedIOBase) -> None:
        """Write the events to one page's open response until the channel closes or the
        page goes away."""
        listener, hello = self.subscribe()
        try:
            out.write(b"retry: 500\n" + hello)
            out.flush()
            while True:
                try:
                    message = listener.get(timeout=PING_SECONDS)
                except queue.Empty:
                    message = b": ping\n\n"
                if message is None:
                    return
                out.write(message)
                out.flush()
        except (ConnectionError, TimeoutError):
            return
        finally:
            self.unsubscribe(listener)

    def built(self, changed: bool) -> None:
        """A build succeeded: pages reload if it changed the site, the overlay goes."""
        with self._lock:
            had_problems, self.problems = bool(self.problems), ()
            if changed:
                self.generation += 1
                self._send(_event("reload", {"generation": self.generation}))
            elif had_problems:
                self._send(_event("ok", {"generation": self.generation}))

    def failed(self, problems: Iterable[str]) -> None:
        with self._lock:
            self.problems = tuple(problems)
            self._send(_event("problems", {"generation": self.generation,
                                           "problems": list(self.problems)}))

    def close(self) -> None:
        """End every event stream (their handler threads then finish)."""
        with self._lock:
            self._closed = True
            self._send(None)

    def _send(self, message: bytes | None) -> None:
        for listener in self._listeners:
            listener.put(message)


def _event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
