"""`ipr-archive serve` run as a user runs it: a subprocess, read through HTTP and its
event stream, stopped with Ctrl-C (SIGINT)."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bs4 import BeautifulSoup

from tests.helpers import REPO

READY = re.compile(r"serving http://(\S+):(\d+)/")
REPORT = "content/reports/dafeng-ip-joint-meeting.md"  # a report of the real site
REPORT_URL = "/reports/dafeng-ip-joint-meeting.html"
SERVE_OUT = Path(".cache/ipr-archive/serve")  # where serve builds by default


def main_text(page: bytes) -> str:
    return BeautifulSoup(page.decode("utf-8"), "html.parser").main.get_text()


def line_of(text: str, prefix: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(prefix))


class Server:
    def __init__(self, site: Path, *args: str):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--site", str(site), "--port", "0",
             *args], cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8")
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._seen = threading.Condition()
        self._open_streams = 2
        for stream, lines in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True).start()
        match = self.wait_for(READY, timeout=60)
        self.host, self.port = "127.0.0.1", int(match[2])

    def _collect(self, stream, lines: list[str]) -> None:
        for line in stream:
            with self._seen:
                lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._open_streams -= 1
            self._seen.notify_all()

    def wait_for(self, pattern: re.Pattern | str, timeout: float = 10, stream: str = "stdout",
                 start: int = 0) -> re.Match:
        """The first line (from line `start` on) of stdout or stderr matching pattern."""
        lines = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for line in lines[start:]:
                    found = re.search(pattern, line)
                    if found:
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or not self._open_streams:  # in time, or ever
                    raise AssertionError(f"no line matching {pattern!r} in {stream}:\n"
                                         + "".join(self.stdout) + "".join(self.stderr))
                self._seen.wait(min(left, 0.2))

    def get(self, path: str, headers: dict | None = None, method: str = "GET"
            ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def raw(self, request: bytes) -> tuple[int, bytes]:
        """Send bytes as they are; (status, body) of the answer."""
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        return status, body

    def events(self, headers: dict | None = None) -> EventStream:
        return EventStream(self.host, self.port, headers or {})

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("serve did not stop on Ctrl-C within 20 s") from None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, kind, *_) -> None:
        status = self.stop()
        if kind is None:
            assert status == 0, "".join(self.stderr)
            self.wait_for(r"^stopped$", timeout=5)


class EventStream:
    """The live-reload stream, read off a plain socket as a browser's EventSource would."""

    def __init__(self, host: str, port: int, headers: dict):
        self.sock = socket.create_connection((host, port), timeout=10)
        headers = {"Host": f"{host}:{port}", "Accept": "text/event-stream", **headers}
        lines = ["GET /__ipr-archive/events HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self._read(10)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        self.headers = head.decode("latin-1")

    def _read(self, timeout: float) -> None:
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the event stream ended")
        self.buffer += chunk

    def next(self, timeout: float = 10) -> tuple[str, dict]:
        """The next event (name, data), skipping comments and the retry field."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n\n" in self.buffer:
                block, _, self.buffer = self.buffer.partition(b"\n\n")
                fields = dict(line.split(": ", 1) for line in block.decode().split("\n")
                              if ": " in line and not line.startswith(":"))
                if "event" in fields:
                    return fields["event"], json.loads(fields["data"])
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no event in time")
            self._read(left)

    def close(self) -> None:
        self.sock.close()
