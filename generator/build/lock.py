"""One build at a time into an output folder: a second build waits for the first.

The lock is an flock(2) on a file beside the output (`.public.lock`, named like the
staging folders in writer.py), never inside it: the output is swapped in whole and must
hold only files the generator wrote. The kernel drops an flock when its process dies,
so a killed build never leaves a lock that blocks; the file it leaves is simply locked
again. The holder writes who it is into the file, for the waiting build's message; those
details are read only while the lock is held, and ignored if their process is gone.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, SiteError, error
from .writer import _alive

_FORMAT = "ipr-archive output lock 1"
_UNWRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


@dataclass(frozen=True)
class Holder:
    """The process holding an output's lock, as it wrote itself into the lock file."""

    pid: int
    command: str  # e.g. "ipr-archive serve"
    host: str
    started: float  # seconds since the epoch

    @classmethod
    def this_process(cls, command: str | None = None) -> Holder:
        return cls(os.getpid(), command or _command(), socket.gethostname(), time.time())

    def to_json(self) -> str:
        return json.dumps({"format": _FORMAT, "pid": self.pid, "command": self.command,
                           "host": self.host, "started": self.started}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The holder a lock file names, or None if it names none that can be read."""
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                return None
            holder = cls(int(data["pid"]), str(data["command"]), str(data["host"]),
                         float(data["started"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return holder if holder.pid > 0 else None

    def describe(self) -> str:
        """'process 1234 (ipr-archive build, started 21:03:05)'."""
        started = time.localtime(self.started)
        shown = time.strftime("%H:%M:%S" if started[:3] == time.localtime()[:3]
                              else "%Y-%m-%d %H:%M:%S", started)
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"process {self.pid}{where} ({self.command}, started {shown})"


def lock_path(out_dir: Path) -> Path:
    """The lock file of an output folder: beside it, as `.<name>.lock`."""
    out = out_dir.absolute()
    return out.parent / f".{out.name}.lock"


# This process's locks, by lock file: a build inside a build of the same process (or a
# second thread) must not lock its own file again, which would wait for itself forever.
_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


@dataclass
class _Held:
    owner: threading.RLock  # the thread building into the output
    depth: int = 0
    fd: int = -1
    holder: Holder | None = None


@contextmanager
def hold_output_lock(out_dir: Path, on_wait: Callable[[str], None] | None = None, *,
                     command: str | None = None) -> Iterator[None]:
    """Hold the lock of `out_dir` for the block; if another build holds it, call
    `on_wait(message)` once, naming that build, and wait until it is done.

    `command` names this process for a build that waits on it (default: from sys.argv).
    The folder holding the output is created if need be (the writer would create it
    too); the output folder itself is neither created nor touched. Raises SiteError if
    the lock file cannot be made or locked."""
    path = lock_path(out_dir)
    with _held_guard:
        held = _held.setdefault(path, _Held(threading.RLock()))
    if not held.owner.acquire(blocking=False):  # another thread of this process builds
        if on_wait:
            on_wait(_waiting(out_dir, held.holder))
        held.owner.acquire()
    try:
        if held.depth == 0:
            held.fd, held.holder = _lock(path, out_dir, on_wait, command)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0:
                fd, held.fd, held.holder = held.fd, -1, None
                _unlock(fd)
    finally:
        held.owner.release()


def _lock(path: Path, out_dir: Path, on_wait: Callable[[str], None] | None,
          command: str | None) -> tuple[int, Holder | None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Never through a link: the lock file is the generator's own, like the output.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno in _UNWRITABLE:
            # No build can write beside this output, so none can race this one; the
            # build goes on, and the writer says why the site cannot be written.
            return -1, None
        raise SiteError([_cannot_lock(out_dir, path, exc)]) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait(_waiting(out_dir, _live_holder(fd)))
            fcntl.flock(fd, fcntl.LOCK_EX)
        holder = Holder.this_process(command)
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.to_json().encode("utf-8"), 0)
    except OSError as exc:
        os.close(fd)
        raise SiteError([_cannot_lock(out_dir, path, exc)]) from None
    except BaseException:  # Ctrl-C while waiting
        os.close(fd)
        raise
    return fd, holder


def _unlock(fd: int) -> None:
    if fd < 0:  # nothing was locked (see _lock)
        return
    try:
        os.ftruncate(fd, 0)  # tidy only: details are never trusted without the lock held
    except OSError:
        pass  # the lock is released below all the same; nothing is lost
    finally:
        os.close(fd)  # releases the flock (forked workers' copies close as they exit)


def _live_holder(fd: int) -> Holder | None:
    """Who the lock file says holds it, if that process is alive. The details may be a
    killed build's, read in the moment before the new holder writes its own."""
    try:
        size = os.fstat(fd).st_size
        holder = Holder.from_json(os.pread(fd, min(size, 64 * 1024), 0).decode("utf-8",
                                                                               "replace"))
    except OSError:
        return None
    if holder is None or (holder.host == socket.gethostname() and not _alive(holder.pid)):
        return None
    return holder


def _waiting(out_dir: Path, holder: Holder | None) -> str:
    who = f"the build of {holder.describe()}" if holder else "another build"
    return f"waiting for {who} to finish writing {out_dir.name}/"


def _cannot_lock(out_dir: Path, path: Path, exc: OSError) -> Problem:
    return error(out_dir, 0, f"cannot lock the output directory against another build "
                             f"({path.name}: {exc.strerror or exc}) — make the directory "
                             "holding it writable, or choose another --out")


def _command() -> str:
    """This process as a user started it: `ipr-archive build`, `python -m generator serve`."""
    argv = sys.argv or [""]
    name = os.path.basename(argv[0])
    if name == "__main__.py":
        name = f"python -m {os.path.basename(os.path.dirname(argv[0]))}"
    words = [name or "python"] + [arg for arg in argv[1:2] if not arg.startswith("-")]
    return " ".join(words)
