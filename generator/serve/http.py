"""The preview's HTTP server: the output folder's files, each HTML page with the live
script, the event stream, and who may ask.

Requests are answered only inside the output folder, only to local Host names (and the
address the server was started on), and a bug answers 500 without a path in it.
"""
from __future__ import annotations

import contextlib
import html
import ipaddress
import re
import socket
import sys
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..build.writer import MANIFEST
from .events import EVENTS_URL, LIVE_SCRIPT, PREFIX, SCRIPT_URL, Channel, inject_live_script
from .paths import content_type, read_output_file, resolve_request_path


def is_loopback(address: str) -> bool:
    """Whether an address to listen on reaches this machine only."""
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
    def for_bind(cls, bind: str, port: int) -> Access:
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
        host = str(self.server_address[0])
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
            with contextlib.suppress(OSError):  # the client may have gone meanwhile
                self._send(500, "text/plain; charset=utf-8", b"500 internal error\n", send_body)

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
        elif isinstance(found, str):  # IS_FOLDER, read_output_file's one text answer
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
        if send_body:
            self.server.channel.stream(self.wfile)

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

    def log_message(self, format: str, *args) -> None:
        pass  # the terminal shows rebuilds, not every request
