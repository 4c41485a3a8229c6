"""Watch a site's sources — content/, templates/, static/ and site.yaml — for changes.

watchfiles (inotify and its equals, through the Rust `notify` crate) groups a burst of
changes, such as an editor's write-then-rename, into one report once the files have been
quiet for QUIET_MS. Two watches, because site.yaml must be watched through its folder (an
editor that saves by renaming replaces the file a watch on it would follow) and the site
root must not be watched recursively (its output and cache change on every build):

- the source folders, recursively, restarted when one of them appears or goes;
- the site root, only its own entries, for site.yaml and the source folders themselves.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

SOURCE_DIRS = ("content", "templates", "static")
SETTINGS = "site.yaml"
QUIET_MS = 100  # a change is reported once the sources have been quiet this long
LONGEST_MS = 1000  # ... or after this long, if they never go quiet
SETTLE_MS = 200  # how soon a new watch says it is in place


class SourceWatcher:
    """Calls on_change(paths relative to the site root) after each burst of changes, and
    on_change(()) once both watches are in place: a build then sees whatever was saved
    before they were (while the first build ran, say)."""

    def __init__(self, site_root: Path, on_change: Callable[[tuple[str, ...]], None],
                 on_error: Callable[[str], None]):
        self.root = os.path.abspath(site_root)
        self.on_change = on_change
        self.on_error = on_error
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._lock = threading.Lock()
        self._waiting = 2  # watches not yet in place
        self._threads = [threading.Thread(target=self._guard, args=(run,), daemon=True,
                                          name=f"ipr-archive watch {run.__name__}")
                         for run in (self._watch_sources, self._watch_root)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def _guard(self, run: Callable[[], None]) -> None:
        try:
            run()
        except Exception as exc:  # e.g. the system's limit on watches reached
            self.on_error(f"watching the sources stopped ({type(exc).__name__}: {exc}); "
                          "restart `ipr-archive serve` to see later changes")

    def _in_place(self) -> None:
        with self._lock:
            self._waiting -= 1
            ready = self._waiting == 0
        if ready:
            self.on_change(())

    def _watch_sources(self) -> None:
        either = _Either(self._stop, self._restart)
        restarted = False
        while not self._stop.is_set():
            self._restart.clear()
            folders = [os.path.join(self.root, name) for name in SOURCE_DIRS
                       if os.path.isdir(os.path.join(self.root, name))]
            if not folders:
                self._restart.wait(timeout=1)  # the root watch says when one appears
                restarted = True
                continue
            settled = False
            for changes in _watch(*folders, stop_event=either):
                if not settled:  # the watch is in place: the first answer comes after it
                    settled = True
                    if restarted:  # what changed while it was being set up
                        self.on_change(tuple(_relative(f, self.root) for f in folders))
                    else:
                        self._in_place()
                self._report(changes)
            restarted = True

    def _watch_root(self) -> None:
        names = {SETTINGS, *SOURCE_DIRS}
        settled = False
        for changes in _watch(self.root, recursive=False, stop_event=self._stop,
                              watch_filter=lambda _, path: os.path.basename(path) in names):
            if not settled:
                settled = True
                self._in_place()
            if any(os.path.basename(path) in SOURCE_DIRS for _, path in changes):
                self._restart.set()
            self._report(changes)

    def _report(self, changes: set[tuple[watchfiles.Change, str]]) -> None:
        paths = sorted({path for _, path in changes})
        # An editor's temporary file, written and renamed away, is not worth naming.
        paths = [_relative(path, self.root) for path in
                 ([path for path in paths if os.path.exists(path)] or paths)]
        if paths:
            self.on_change(tuple(paths))


def _watch(*paths: str, **options):
    """watchfiles.watch with our timing; it also answers (an empty set) every
    SETTLE_MS without changes, the first time only once the watch is in place."""
    return watchfiles.watch(*paths, step=QUIET_MS, debounce=LONGEST_MS, raise_interrupt=False,
                            rust_timeout=SETTLE_MS, yield_on_timeout=True, **options)


def _relative(path: str, root: str) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return path


class _Either:
    """An event set when either of two is (watchfiles accepts anything with is_set())."""

    def __init__(self, a: threading.Event, b: threading.Event):
        self.a, self.b = a, b

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()
