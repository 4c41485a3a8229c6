"""`ipr-archive serve`: the site over HTTP while an editor writes, rebuilt on every save.

Pages come only from finished builds: the build swaps its output folder in whole, and a
request resolves its file once, opens it once and reads it to the end from that open
file, so it gets the old page or the new one, never a mix. Requests are answered only
inside the output folder, only to local Host names, and every HTML page gets a small
script of our own that listens on an event stream: `reload` after a good build,
`problems` (shown as an overlay over the last good page) after a failed one.
"""
from __future__ import annotations

import html
import ipaddress
import json
import mimetypes
import os
import queue
import re
import socket
import stat
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable

from ..build.pipeline import BuildResult, build
from ..errors import Problem, SiteError
from ..build.writer import MANIFEST

PREFIX = "/__ipr-archive/"
EVENTS_URL = PREFIX + "events"
SCRIPT_URL = PREFIX + "live.js"
SCRIPT_TAG = b'<script src="' + SCRIPT_URL.encode() + b'"></script>'
PING_SECONDS = 15  # a comment line this often finds clients that went away
IS_FOLDER = "folder"  # read_output_file's answer for a folder (the URL lacks its slash)

# Served at SCRIPT_URL, never written into the site. Problems are set as text only:
# they quote the editor's files, which may hold anything.
LIVE_SCRIPT = r"""// ipr-archive serve: reload after good builds, show the problems of failed ones.
(() => {
  "use strict";
  const OVERLAY = "ipr-archive-problems";
  let generation = null;
  function clear() {
    const old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }
  function show(problems) {
    clear();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;" +
      "overflow:auto;" +
      "z-index:2147483647;margin:0;padding:1em 1.5em;background:#fff4f4;color:#5c0000;" +
      "border-top:4px solid #c00;font:14px/1.5 monospace;white-space:pre-wrap;text-align:left";
    const title = document.createElement("strong");
    title.textContent = "The build failed; this is the last good build. Fix the file and save:";
    box.append(title);
    for (const problem of problems) {
      const line = document.createElement("div");
      line.className = "ipr-archive-problem";
      line.textContent = problem;
      box.append(line);
    }
    document.body.append(box);
  }
  const events = new EventSource("/__ipr-archive/events");
  events.addEventListener("hello", (event) => {
    const state = JSON.parse(event.data);
    // A reconnect after a missed rebuild (or a restarted server): this page may be stale.
    if (generation !== null && state.generation !== generation) { location.reload(); return; }
    generation = state.generation;
    document.documentElement.dataset.iprArchiveLive = "connected";
    if (state.problems.length) show(state.problems); else clear();
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("problems", (event) => show(JSON.parse(event.data).problems));
  events.addEventListener("ok", () => clear());
})();
"""

_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".json": "application/json",
          ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
          ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
          ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
          ".ico": "image/x-icon", ".woff2": "font/woff2", ".pdf": "application/pdf"}


# --- pure parts: which file a request names, and who may ask ---------------------------

def resolve_request_path(target: str) -> str | None:
    """The output file a request target names ("reports/a.html"), or None for anything
    that could leave the output folder or is not a plain path.

    `target` is the request line's target as http.server gives it (its bytes as Latin-1).
    Percent-escapes are decoded exactly once; `..`, hidden names, backslashes, encoded
    slashes, empty segments, NUL and other control characters are refused outright rather
    than cleaned up. A folder URL ("…/") names its index.html.
    """
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or path.startswith("//"):
        return None  # "*", absolute-form "http://…", or a network-path "//host/…"
    if "\\" in path or _ENCODED_SEPARATOR.search(path):
        return None
    try:
        decoded = urllib.parse.unquote_to_bytes(path.encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    if "\\" in decoded or _CONTROL.search(decoded):
        return None
    parts = decoded[1:].split("/")
    folder = decoded.endswith("/")
    if folder:
        parts.pop()
    if any(part == "" or part.startswith(".") for part in parts):
        return None  # "a//b", ".", "..", and the manifest or any other hidden file
    if folder:
        parts.append("index.html")
    return "/".join(parts)


def read_output_file(root: Path, out_path: str) -> bytes | str | None:
    """The bytes of root/out_path, IS_FOLDER for a folder, or None if there is no such file
    inside root (a link pointing outside counts as none).

    The file is opened once and read to its end from that open file: a build swapping
    in a new site meanwhile cannot mix two versions into one answer.
    """
    base = os.path.realpath(root)
    full = os.path.realpath(os.path.join(base, *out_path.split("/")))
    if full == base or os.path.commonpath([base, full]) != base:
        return None
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return IS_FOLDER
        if not stat.S_ISREG(mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def inject_live_script(page: bytes) -> bytes:
    """The page with the live-reload script before its last </body> (or at its end)."""
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + SCRIPT_TAG
    return page[:at] + SCRIPT_TAG + b"\n" + page[at:]


def content_type(out_path: str) -> str:
    suffix = os.path.splitext(out_path)[1].lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(out_path)[0] or "application/octet-stream"


def is_loopback(address: str) -> bool:
    address = address.lower().strip("[]")
    return address == "localhost" or ipaddress.ip_address(address).is_loopback


@dataclass(frozen=True)
class Access:
    """Which Host names and Origins the server answers.

    A DNS-rebinding page reaches a local server under the attacker's own domain name, so
    only local names and the bound address are accepted; IP literals are accepted too
    when the server was asked to listen on every address (no rebinding name is a literal).
    """

    port: int
    names: frozenset[str]
    any_ip: bool = False

    @classmethod
    def for_bind(cls, bind: str, port: int) -> "Access":
        bind = bind.lower().strip("[]")
        wildcard = bind != "localhost" and ipaddress.ip_address(bind).is_unspecified
        return cls(port, frozenset({"localhost", "127.0.0.1", "::1", bind}), any_ip=wildcard)

    def host_ok(self, host: str) -> bool:
        """Whether a Host header value ("localhost:8000", "[::1]:8000") names this server."""
        host = host.strip().lower()
        if host.startswith("["):  # an IPv6 literal
            name, bracket, port = host[1:].partition("]")
            if not bracket:
                return False
        else:
            name, colon, port = host.partition(":")
            port = colon + port
        if port and not (port.startswith(":") and port[1:].isdigit()):
            return False
        if (int(port[1:]) if port else 80) != self.port or not name:
            return False
        if name in self.names:
            return True
        if not self.any_ip:
            return False
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True

    def origin_ok(self, origin: str) -> bool:
        """Whether an Origin header ("http://localhost:8000") is a page of this server."""
        parts = urllib.parse.urlsplit(origin.strip())
        return (parts.scheme == "http" and not parts.path and not parts.query
                and parts.username is None and self.host_ok(parts.netloc))


# --- the live-reload channel ------------------------------------------------------------

class Channel:
    """The state of the preview (its build generation and current problems), pushed to
    every open page as server-sent events."""

    def __init__(self):
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
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


# --- HTTP -------------------------------------------------------------------------------

class PreviewServer(ThreadingHTTPServer):
    """Serves one output folder on one address; see _Handler for what it answers."""

    daemon_threads = True  # an open event stream must not keep the process alive
    request_queue_size = 128  # fifty clients connecting at once must not see refusals

    def __init__(self, bind: str, port: int, out_dir: Path, channel: Channel,
                 on_error: Callable[[str], None] | None = None):
        if ":" in bind:
            self.address_family = socket.AF_INET6
        self.out_dir = out_dir
        self.channel = channel
        self.on_error = on_error
        super().__init__((bind, port), _Handler)
        self.access = Access.for_bind(bind, self.server_address[1])

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self) -> str:
        host = self.server_address[0]
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing anyone can fix
        if self.on_error:
            self.on_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    # Answer even a garbled request line with a status line (HTTP/0.9 answers had none).
    default_request_version = "HTTP/1.0"
    server_version = "ipr-archive"
    timeout = 10  # seconds a client may stall, so no one can hold a thread forever

    def do_GET(self) -> None:
        self._answer_or_fail(send_body=True)

    def do_HEAD(self) -> None:
        self._answer_or_fail(send_body=False)

    def version_string(self) -> str:
        return self.server_version  # no Python version for the curious

    def _answer_or_fail(self, send_body: bool) -> None:
        try:
            self._answer(send_body)
        except (ConnectionError, TimeoutError):
            raise
        except Exception:  # a bug: the terminal gets the traceback, the client no paths
            if self.server.on_error:
                self.server.on_error(traceback.format_exc())
            self.close_connection = True
            try:
                self._send(500, "text/plain; charset=utf-8", b"500 internal error\n", send_body)
            except OSError:
                pass

    def _answer(self, send_body: bool) -> None:
        refusal = self._refusal()
        if refusal:
            self._send(403, "text/plain; charset=utf-8", refusal.encode("utf-8"), send_body)
            return
        path = self.path.split("?", 1)[0]
        if path == EVENTS_URL:
            self._stream_events(send_body)
            return
        if path == SCRIPT_URL:
            self._send(200, "text/javascript; charset=utf-8", LIVE_SCRIPT.encode("utf-8"),
                       send_body)
            return
        out_path = resolve_request_path(self.path)
        if out_path is None or path.startswith(PREFIX):
            self._not_found(send_body)
            return
        if not (self.server.out_dir / MANIFEST).is_file():
            self._send_unbuilt(send_body)
            return
        found = read_output_file(self.server.out_dir, out_path)
        if found is None:
            self._not_found(send_body)
        elif found is IS_FOLDER:
            query = self.path[len(path):]
            self.send_response(301)
            self.send_header("Location", path + "/" + query)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            kind = content_type(out_path)
            if kind.startswith("text/html"):
                found = inject_live_script(found)
            self._send(200, kind, found, send_body)

    def _refusal(self) -> str | None:
        """Why this request is refused, if it is: a Host or Origin from elsewhere."""
        hosts = self.headers.get_all("Host") or []
        origins = self.headers.get_all("Origin") or []
        if len(hosts) > 1 or len(origins) > 1:
            return "refused: more than one Host or Origin header\n"
        if hosts and not self.server.access.host_ok(hosts[0]):
            return ("refused: this preview answers only to localhost, 127.0.0.1, [::1] and "
                    "the address it was started on (another Host name is how DNS rebinding "
                    "reaches a local server)\n")
        if origins and not self.server.access.origin_ok(origins[0]):
            return "refused: a page from another origin may not use this preview\n"
        return None

    def _stream_events(self, send_body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")  # the stream ends only when one side goes
        self.end_headers()
        self.close_connection = True
        if not send_body:
            return
        listener, hello = self.server.channel.subscribe()
        try:
            self.wfile.write(b"retry: 500\n" + hello)
            self.wfile.flush()
            while True:
                try:
                    message = listener.get(timeout=PING_SECONDS)
                except queue.Empty:
                    message = b": ping\n\n"
                if message is None:
                    return
                self.wfile.write(message)
                self.wfile.flush()
        except (ConnectionError, TimeoutError):
            return
        finally:
            self.server.channel.unsubscribe(listener)

    def _not_found(self, send_body: bool) -> None:
        page = None
        if (self.server.out_dir / MANIFEST).is_file():
            page = read_output_file(self.server.out_dir, "404.html")
        if not isinstance(page, bytes):
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", send_body)
            return
        if b"<base" not in page.lower():
            # Shown at any depth, the 404 page's relative links must start from the root.
            page = re.sub(rb"(?i)<head>", b'<head>\n<base href="/">', page, count=1)
        self._send(404, "text/html; charset=utf-8", inject_live_script(page), send_body)

    def _send_unbuilt(self, send_body: bool) -> None:
        """No build has succeeded yet: the problems, and the script that reloads when one does."""
        problems = self.server.channel.problems or ("the first build is still running",)
        body = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<title>ipr-archive: the site could not be built</title>\n</head>\n<body>\n"
                "<h1>The site could not be built</h1>\n<pre>"
                + html.escape("\n".join(problems))
                + "</pre>\n<p>Fix the files and save; this page reloads by itself.</p>\n"
                "</body>\n</html>\n").encode("utf-8")
        self._send(503, "text/html; charset=utf-8", inject_live_script(body), send_body)

    def _send(self, code: int, kind: str, data: bytes, send_body: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # A request line or header too long is a malformed request like any other.
        if code in (414, 431):
            explain = f"{message}: {explain}" if explain else message
            code, message = 400, "Bad request"
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows rebuilds, not every request


# --- rebuilding on change ---------------------------------------------------------------

@dataclass(frozen=True)
class Reporter:
    """What the preview tells its user (cli.py prints it)."""

    built: Callable[[BuildResult, tuple[str, ...]], None]  # result, the changed paths
    failed: Callable[[tuple[Problem, ...], tuple[str, ...]], None]
    crashed: Callable[[str], None]  # a traceback: a bug, not a problem in the sources


class Rebuilder:
    """Runs the builds one at a time on one thread; changes that arrive during a build are
    gathered and answered by one more build after it."""

    def __init__(self, site_root: Path, out_dir: Path, channel: Channel, reporter: Reporter,
                 drafts: bool = False, search: bool = True):
        self.site_root = site_root
        self.out_dir = out_dir
        self.channel = channel
        self.reporter = reporter
        self.drafts = drafts
        self.search = search
        self._wake = threading.Condition()
        self._changes: set[str] = set()
        self._wanted = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ipr-archive rebuild",
                                        daemon=True)

    def build_now(self, changes: tuple[str, ...] = (), jobs: int | None = 1,
                  on_progress: Callable[[int, int, str], None] | None = None) -> bool:
        """One build on the calling thread; whether it succeeded.

        Rebuilds run in this process alone (jobs=1): forking workers while the server's
        threads run could leave a worker holding a lock no one will release. Only the first
        build, before any thread starts, uses every core (jobs=None).
        """
        before = _identity(self.out_dir)
        try:
            result = build(self.site_root, self.out_dir, drafts=self.drafts, jobs=jobs,
                           on_progress=on_progress, search=self.search)
        except SiteError as exc:
            if self._superseded():
                return False  # saved again meanwhile: the next build has the last word
            # The page shows what stopped the build; warnings stay in the terminal.
            self.channel.failed(overlay_lines([p for p in exc.problems if not p.warning],
                                              self.site_root))
            self.reporter.failed(exc.problems, changes)
            return False
        except Exception as exc:  # a bug or an I/O error: say so, keep the last good site
            self.channel.failed([f"the build stopped: {type(exc).__name__}: {exc}"])
            self.reporter.crashed(traceback.format_exc())
            return False
        # The build swaps in a new folder whenever the site changed, even if it only lost
        # files (and so wrote none): a new folder is the one sure sign.
        self.channel.built(changed=_identity(self.out_dir) != before)
        self.reporter.built(result, changes)
        return True

    def start(self) -> None:
        self._thread.start()

    def _superseded(self) -> bool:
        with self._wake:
            return self._wanted

    def request(self, changes: Iterable[str] = ()) -> None:
        with self._wake:
            self._changes.update(changes)
            self._wanted = True
            self._wake.notify()

    def stop(self) -> None:
        """Stop after the build under way, if any, has finished (never leave one half done)."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._wanted and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                changes, self._changes, self._wanted = tuple(sorted(self._changes)), set(), False
            self.build_now(changes)


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def overlay_lines(problems: Iterable[Problem], site_root: Path) -> list[str]:
    """Problems as the page shows them: paths relative to the site, never absolute."""
    root = os.path.abspath(site_root)
    lines = []
    for problem in problems:
        path = os.path.abspath(problem.path)
        shown = os.path.relpath(path, root) if path.startswith(root + os.sep) else \
            os.path.basename(path)
        lines.append(str(Problem(Path(shown), problem.line, problem.message, problem.warning)))
    return lines
