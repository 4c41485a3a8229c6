"""Rebuilding the preview when its sources change: one build at a time, on one thread,
told to the open pages (through the Channel) and to the terminal (through a Reporter)."""
from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..build.pipeline import BuildOptions, BuildResult, build
from ..errors import Problem, SiteError
from .events import Channel


@dataclass(frozen=True)
class Reporter:
    """What the preview tells its user (cli.py prints it)."""

    built: Callable[[BuildResult, tuple[str, ...]], None]  # result, the changed paths
    failed: Callable[[tuple[Problem, ...], tuple[str, ...]], None]
    crashed: Callable[[str], None]  # a traceback: a bug, not a problem in the sources
    waiting: Callable[[str], None] | None = None  # another build holds the output folder


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
            result = build(self.site_root, self.out_dir, BuildOptions(
                drafts=self.drafts, jobs=jobs, search=self.search, on_progress=on_progress,
                on_wait=self.reporter.waiting))
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
