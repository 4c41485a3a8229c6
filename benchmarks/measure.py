"""Run one build as a subprocess; measure its wall time and the peak memory of its tree."""
from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.01
# Reading a process's PSS walks its page tables: about 15 ms for a 2 GB process. Sampled
# every 10 ms regardless, the sampler would take most of a core from the build it
# measures (a 100,000-report build took 101 s measured, 90 s alone). So the wait after a
# sample is at least this many times as long as the sample took: under 5% of one core.
SAMPLE_COST_RATIO = 20
OUTPUT_TAIL_CHARS = 3000
MB = 1024 * 1024


@dataclass
class Measurement:
    seconds: float | None = None
    peak_mb: float | None = None
    error: str | None = None  # None when the build succeeded

    @property
    def ok(self) -> bool:
        return self.error is None


def tree_pss(root: psutil.Process) -> int:
    """Memory of `root` and all its descendants, in bytes: the sum of their proportional
    set sizes (PSS), where a page shared by n processes counts 1/n in each. Summing RSS
    instead would count the pages forked workers share with their parent once per worker,
    overstating a forking tool by its model's size times the number of workers."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # exited between being listed and read
            total += _pss(process)
    return total


def _pss(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):  # no /proc/PID/smaps here: RSS instead
        return process.memory_info().rss


class PeakMemory(threading.Thread):
    """Samples a process tree's memory until stopped: every SAMPLE_SECONDS, or less often
    when sampling itself is slow (see SAMPLE_COST_RATIO)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            started = time.perf_counter()
            self.peak = max(self.peak, tree_pss(self.root))
            spent = time.perf_counter() - started
            if self.stopped.wait(max(SAMPLE_SECONDS, SAMPLE_COST_RATIO * spent)):
                return

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self.stopped.set()
        self.join()
        return self.peak / MB


def kill_tree(process: subprocess.Popen) -> None:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    process.kill()


def tail(text: bytes) -> str:
    return text.decode("utf-8", "replace")[-OUTPUT_TAIL_CHARS:].strip()


def run_measured(command: list[str], cwd: Path, timeout: float) -> Measurement:
    """Run `command` to completion; a failure is returned as the Measurement's error."""
    start = time.perf_counter()
    # stdout and stderr together, for the failure report: Pelican logs its errors to stdout.
    try:
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:  # e.g. the tool's binary is missing
        return Measurement(error=f"could not start {command[0]}: {exc}")
    memory = PeakMemory(process.pid)
    memory.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process)
        output, _ = process.communicate()
        memory.stop()
        return Measurement(error=f"timed out after {timeout:.0f} s\n{tail(output)}")
    seconds = time.perf_counter() - start
    peak_mb = memory.stop()
    if process.returncode != 0:
        return Measurement(seconds, peak_mb, f"exit status {process.returncode}\n{tail(output)}")
    return Measurement(seconds, peak_mb)
