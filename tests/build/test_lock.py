"""generator/build/lock.py: one build at a time into an output folder. A second build waits
for the first and says so once; a killed build's lock never blocks. The holders are real
processes, as another build would be."""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator.build.lock import Holder, hold_output_lock, lock_path
from generator.errors import SiteError
from tests.helpers import REPO

TIMEOUT = 20  # seconds: far beyond what any step takes, so a hang fails instead of waiting

# Holds the lock of argv[1] as "test-holder build" until a line comes on stdin.
HOLDER = """
import sys
from pathlib import Path
from generator.build.lock import hold_output_lock
with hold_output_lock(Path(sys.argv[1]), command="test-holder build"):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def start_holder(out: Path) -> subprocess.Popen:
    """A process holding the lock of `out`, once this returns."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    ready, _, _ = select.select([holder.stdout], [], [], TIMEOUT)
    assert ready and holder.stdout.readline() == "locked\n", "the holder did not lock"
    return holder


def stop(holder: subprocess.Popen) -> None:
    if holder.poll() is None:
        holder.kill()
    holder.wait(TIMEOUT)
    holder.stdin.close()
    holder.stdout.close()


def lock_in_thread(out: Path, messages: list[str], acquired: threading.Event,
                   release: threading.Event | None = None) -> threading.Thread:
    def run():
        with hold_output_lock(out, on_wait=messages.append):
            acquired.set()
            if release is not None:
                release.wait(TIMEOUT)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_until(condition, timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(TIMEOUT)
    return done.pid


def test_a_second_build_waits_for_the_first_and_says_so_once(tmp_path):
    out = tmp_path / "public"
    holder = start_holder(out)
    try:
        messages: list[str] = []
        acquired = threading.Event()
        thread = lock_in_thread(out, messages, acquired)
        assert wait_until(lambda: messages), "no message while waiting"
        assert not acquired.wait(0.2), "took the lock another process holds"
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert acquired.wait(TIMEOUT), "did not go on once the holder let go"
        thread.join(TIMEOUT)
    finally:
        stop(holder)
    assert len(messages) == 1
    assert messages[0].startswith(f"waiting for the build of process {holder.pid} "
                                  f"(test-holder build, started ")
    assert messages[0].endswith(") to finish writing public/")


def test_a_killed_builds_lock_is_taken_over_at_once(tmp_path):
    out = tmp_path / "public"
    holder = start_holder(out)
    os.kill(holder.pid, signal.SIGKILL)
    stop(holder)
    assert Holder.from_json(lock_path(out).read_text()).pid == holder.pid  # left behind
    messages: list[str] = []
    acquired = threading.Event()
    lock_in_thread(out, messages, acquired).join(TIMEOUT)
    assert acquired.is_set() and messages == []


def test_details_left_by_a_dead_process_neither_block_nor_show(tmp_path):
    out = tmp_path / "public"
    lock_path(out).write_text(Holder(dead_pid(), "ipr-archive build", os.uname().nodename,
                                     time.time() - 60).to_json())
    messages: list[str] = []
    with hold_output_lock(out, on_wait=messages.append, command="ipr-archive serve"):
        now = Holder.from_json(lock_path(out).read_text())
        assert (now.pid, now.command) == (os.getpid(), "ipr-archive serve")
    assert messages == []
    assert lock_path(out).read_text() == ""  # nothing to mislead the next build


def test_details_of_a_dead_process_are_not_named_while_another_holds_the_lock(tmp_path):
    # The moment between a new holder taking the lock and writing its own details.
    out = tmp_path / "public"
    holder = start_holder(out)
    try:
        with open(lock_path(out), "w") as stale:
            stale.write(Holder(dead_pid(), "ipr-archive build", os.uname().nodename,
                               time.time()).to_json())
        messages: list[str] = []
        acquired = threading.Event()
        thread = lock_in_thread(out, messages, acquired)
        assert wait_until(lambda: messages)
        holder.stdin.write("done\n")
        holder.stdin.flush()
        thread.join(TIMEOUT)
    finally:
        stop(holder)
    assert messages == ["waiting for another build to finish writing public/"]


@pytest.mark.parametrize("exists", [False, True])
def test_nothing_is_written_into_the_output(tmp_path, exists):
    out = tmp_path / "site" / "public"
    if exists:
        out.mkdir(parents=True)
        (out / "index.html").write_text("kept")
    with hold_output_lock(out):
        assert lock_path(out) == tmp_path / "site" / ".public.lock"
        inside = sorted(p.name for p in out.iterdir()) if exists else None
    assert out.exists() == exists
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == \
        sorted([".public.lock"] + (["public"] if exists else []))
    if exists:
        assert inside == ["index.html"] == sorted(p.name for p in out.iterdir())


def test_a_build_inside_a_build_of_the_same_process_does_not_wait_for_itself(tmp_path):
    out = tmp_path / "public"
    messages: list[str] = []
    with hold_output_lock(out, on_wait=messages.append):
        with hold_output_lock(out, on_wait=messages.append):
            pass
        assert Holder.from_json(lock_path(out).read_text()).pid == os.getpid()  # still held
    assert messages == []


def test_another_thread_of_the_same_process_waits(tmp_path):
    out = tmp_path / "public"
    first, second = threading.Event(), threading.Event()
    release = threading.Event()
    messages: list[str] = []
    holding = lock_in_thread(out, [], first, release)
    assert first.wait(TIMEOUT)
    waiting = lock_in_thread(out, messages, second)
    assert wait_until(lambda: messages)
    assert not second.is_set()
    release.set()
    holding.join(TIMEOUT)
    waiting.join(TIMEOUT)
    assert second.is_set()
    assert messages[0].startswith(f"waiting for the build of process {os.getpid()} ")


def test_a_link_in_place_of_the_lock_file_is_not_followed(tmp_path):
    out = tmp_path / "public"
    target = tmp_path / "elsewhere"
    target.write_text("theirs")
    lock_path(out).symlink_to(target)
    with pytest.raises(SiteError) as raised, hold_output_lock(out):
        pass
    assert "cannot lock the output directory" in str(raised.value)
    assert target.read_text() == "theirs"


def test_ipr_archive_build_waits_for_a_build_into_the_same_output(real_site):
    """The command as an editor runs it: it says once who holds the output, waits, then
    builds."""
    out = real_site / "public"
    holder = start_holder(out)
    try:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        build = subprocess.Popen([sys.executable, "-m", "generator", "build", "--quiet",
                                  "--no-search", "--site", str(real_site)],
                                 stderr=subprocess.PIPE, text=True, env=env)
        line = ""
        deadline = time.monotonic() + TIMEOUT
        while "waiting" not in line and time.monotonic() < deadline:
            line = build.stderr.readline()
        assert f"waiting for the build of process {holder.pid}" in line
        assert build.poll() is None and not out.exists(), "built while another build held it"
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert build.wait(TIMEOUT * 3) == 0
        rest = build.stderr.read()
        build.stderr.close()
    finally:
        stop(holder)
    assert "waiting" not in rest  # said once
    assert (out / "index.html").is_file()


def test_an_output_the_site_may_not_use_gets_no_lock_file(real_site):
    from generator.build.pipeline import build

    before = sorted(p.name for p in (real_site / "content").iterdir())
    with pytest.raises(SiteError, match="refusing to write the site inside content/"):
        build(real_site, real_site / "content" / "out")
    assert sorted(p.name for p in (real_site / "content").iterdir()) == before
