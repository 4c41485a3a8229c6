"""generator/serve/rebuild.py: one build at a time as the sources change, told to the open
pages and to the terminal; in process, and end to end through `ipr-archive serve` (a save
reloads, a broken report shows over the page, a fix clears it)."""
from __future__ import annotations

import queue
import re
import statistics
import time
from pathlib import Path

from bs4 import BeautifulSoup

from generator.build.pipeline import BuildResult
from generator.errors import Problem
from generator.serve import rebuild as serve_rebuild
from generator.serve.events import SCRIPT_TAG, SCRIPT_URL, Channel
from generator.serve.rebuild import Rebuilder, Reporter, overlay_lines
from tests.helpers import MINIMAL_REPORT
from tests.serve.serving import REPORT, REPORT_URL, SERVE_OUT, Server, line_of, main_text
from tests.serve.test_events import events


def test_the_overlay_names_files_relative_to_the_site(tmp_path):
    problems = [Problem(tmp_path / "content/reports/a.md", 3, "bad"),
                Problem(Path("/elsewhere/cache.sqlite"), 0, "odd", warning=True)]
    assert overlay_lines(problems, tmp_path) == [
        "content/reports/a.md:3: bad", "cache.sqlite: warning: odd"]


class Told:
    """What the preview tells its user, as cli.py would print it."""

    def __init__(self):
        self.lines: queue.SimpleQueue = queue.SimpleQueue()
        self.reporter = Reporter(
            built=lambda result, changes: self.lines.put(("built", changes, result)),
            failed=lambda problems, changes: self.lines.put(("failed", changes, problems)),
            crashed=lambda text: self.lines.put(("crashed", (), text)),
            waiting=lambda text: self.lines.put(("waiting", (), text)))

    def next(self, timeout: float = 30):
        return self.lines.get(timeout=timeout)


def test_a_good_build_reloads_pages_and_a_bad_one_shows_its_problems(make_site, tmp_path):
    site = make_site({REPORT_A: MINIMAL_REPORT})
    channel, told = Channel(), Told()
    listener, _ = channel.subscribe()
    rebuilder = Rebuilder(site, tmp_path / "out", channel, told.reporter, search=False)
    assert rebuilder.build_now() is True
    what, changes, result = told.next()
    assert (what, changes, result.out_dir) == ("built", (), tmp_path / "out")
    assert (tmp_path / "out/index.html").is_file()
    assert rebuilder.build_now((REPORT_A,)) is True  # nothing changed: no reload
    assert told.next()[:2] == ("built", (REPORT_A,))
    good = (site / REPORT_A).read_text("utf-8")
    (site / REPORT_A).write_text(good.replace("2020-01-02", "2020-02-30"), "utf-8")
    assert rebuilder.build_now((REPORT_A,)) is False
    what, changes, problems = told.next()
    assert (what, changes) == ("failed", (REPORT_A,))
    [error] = [p for p in problems if not p.warning]
    assert str(error) == (f"{site / REPORT_A}:3: '2020-02-30' is not a real date: month 2 has "
                          "29 days in 2020 — check the date")
    (site / REPORT_A).write_text(good, "utf-8")
    assert rebuilder.build_now((REPORT_A,)) is True  # back to the last good site
    (site / REPORT_A).write_text(good + "\n新的一段。\n", "utf-8")
    assert rebuilder.build_now((REPORT_A,)) is True
    shown = events(listener)
    assert [name for name, _ in shown] == ["reload", "problems", "ok", "reload"]
    assert shown[1][1]["problems"] == [f"{REPORT_A}:3: {error.message}"]  # no absolute path


def test_saves_during_a_build_are_answered_by_one_more_build(make_site, tmp_path):
    site = make_site({REPORT_A: MINIMAL_REPORT})
    channel, told = Channel(), Told()
    rebuilder = Rebuilder(site, tmp_path / "out", channel, told.reporter, search=False)
    rebuilder.build_now()
    told.next()
    rebuilder.start()
    try:
        for name in ("content/reports/b.md", "content/reports/c.md", "site.yaml"):
            rebuilder.request([name])
        seen: set[str] = set()
        while seen != {"content/reports/b.md", "content/reports/c.md", "site.yaml"}:
            what, changes, _ = told.next()
            assert what == "built" and list(changes) == sorted(changes)
            seen.update(changes)
    finally:
        rebuilder.stop()
    assert told.lines.empty()  # stopped: no build after the last one asked for


def test_a_crash_keeps_the_last_good_site_and_says_what_stopped_it(
        make_site, tmp_path, monkeypatch):
    site = make_site({REPORT_A: MINIMAL_REPORT})
    channel, told = Channel(), Told()
    rebuilder = Rebuilder(site, tmp_path / "out", channel, told.reporter, search=False)

    def crashing(site_root, out_dir, options):
        raise RuntimeError("boom")

    monkeypatch.setattr(serve_rebuild, "build", crashing)
    assert rebuilder.build_now() is False
    what, _, text = told.next()
    assert what == "crashed" and "RuntimeError: boom" in text
    assert channel.problems == ("the build stopped: RuntimeError: boom",)


def test_a_build_waiting_for_another_says_so(make_site, tmp_path, monkeypatch):
    site = make_site({REPORT_A: MINIMAL_REPORT})
    told = Told()
    rebuilder = Rebuilder(site, tmp_path / "out", Channel(), told.reporter)

    def waits(site_root, out_dir, options):
        options.on_wait("waiting for the build of `ipr-archive build` to finish writing out/")
        return BuildResult(0, 0, 0, 0, 0.0, (), out_dir)

    monkeypatch.setattr(serve_rebuild, "build", waits)
    assert rebuilder.build_now() is True
    assert told.next() == ("waiting", (), "waiting for the build of `ipr-archive build` to "
                                          "finish writing out/")
    assert told.next()[0] == "built"


REPORT_A = "content/reports/a.md"


# --- end to end: `ipr-archive serve` as a user runs it -----------------------------------

def test_a_saved_report_reloads_a_broken_one_shows_and_a_fix_clears(real_site):
    report = real_site / REPORT
    with Server(real_site) as server:
        status, headers, page = server.get(REPORT_URL)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        scripts = BeautifulSoup(page, "html.parser").find_all("script")
        assert [s.get("src") for s in scripts][-1] == SCRIPT_URL
        status, headers, script = server.get(SCRIPT_URL)
        assert status == 200 and "EventSource" in script.decode()
        # The script is the server's, not the site's: the built files do not hold it.
        built = (real_site / SERVE_OUT / "reports/dafeng-ip-joint-meeting.html").read_bytes()
        assert SCRIPT_TAG not in built and page == built.replace(
            b"</body>", SCRIPT_TAG + b"\n</body>")

        events = server.events()
        assert events.status == 200 and "text/event-stream" in events.headers
        name, hello = events.next()
        assert name == "hello" and hello["problems"] == []

        # Saves of one report, each seen as a reload and new text on the page.
        latencies = []
        text = report.read_text("utf-8")
        for number in range(5):
            new_text = f"服务预览第{number}次修改的段落。"
            text += f"\n{new_text}\n"
            saved = time.monotonic()
            report.write_text(text, "utf-8")
            name, data = events.next(timeout=10)
            if name == "problems":
                # write_text truncates, then writes: on a loaded machine a build can start
                # in between and read a half-saved file; the rest of the save rebuilds.
                name, data = events.next(timeout=10)
            latencies.append(time.monotonic() - saved)
            assert name == "reload"
            assert new_text in main_text(server.get(REPORT_URL)[2])
        # A sanity bound only: how fast a save reloads is the benchmark's to measure.
        assert max(latencies) < 5.0, latencies

        # A front-matter error: the terminal and the open page show path:line; the last
        # good page is still served.
        good = text
        broken = re.sub(r"(?m)^date: .*$", "date: 2023-02-30", good)
        date_line = line_of(broken, "date: ")
        report.write_text(broken, "utf-8")
        name, data = events.next(timeout=10)
        assert name == "problems"
        where = f"{REPORT}:{date_line}: "
        assert [p for p in data["problems"] if p.startswith(where)], data
        assert str(real_site) not in str(data)  # the page is told no absolute path
        server.wait_for(re.escape(f"{real_site / REPORT}:{date_line}: "), stream="stderr")
        server.wait_for(r"build failed: 1 error; still serving the last good build",
                        stream="stderr")
        status, _, page = server.get(REPORT_URL)
        assert status == 200 and "服务预览第4次修改的段落。" in main_text(page)
        late = server.events()  # a page opened while the build is broken shows it too
        name, data = late.next()
        assert name == "hello" and data["problems"][0].startswith(where)
        late.close()

        # The fix: back to the last good build, so the overlay goes without a reload.
        report.write_text(good, "utf-8")
        name, data = events.next(timeout=10)
        assert name == "ok"
        fixed = server.events()
        assert fixed.next() == ("hello", {"generation": data["generation"], "problems": []})
        fixed.close()
        # A fix that changes the page as well reloads it.
        report.write_text(good + "\n修好以后的新段落。\n", "utf-8")
        report.write_text(broken, "utf-8")
        assert events.next(timeout=10)[0] == "problems"
        report.write_text(good + "\n修好以后的新段落。\n", "utf-8")
        assert events.next(timeout=10)[0] == "reload"
        assert "修好以后的新段落。" in main_text(server.get(REPORT_URL)[2])
        events.close()
    print(f"save → reload event: median {statistics.median(latencies):.3f} s, "
          f"max {max(latencies):.3f} s")

def test_a_site_broken_from_the_start_shows_its_problems_until_fixed(real_site):
    report = real_site / REPORT
    good = report.read_text("utf-8")
    report.write_text(re.sub(r"(?m)^date: .*$", 'date: "<img src=x>"', good), "utf-8")
    line = line_of(report.read_text("utf-8"), "date: ")
    with Server(real_site) as server:
        server.wait_for(r"build failed: 1 error; nothing to serve until the build succeeds",
                        stream="stderr")
        status, _, page = server.get("/")
        assert status == 503
        soup = BeautifulSoup(page, "html.parser")
        assert f"{REPORT}:{line}: '<img src=x>' is not a date" in soup.pre.get_text()
        assert soup.pre.find("img") is None and str(real_site) not in page.decode()
        assert soup.find_all("script")[-1]["src"] == SCRIPT_URL  # it reloads when fixed
        events = server.events()
        name, hello = events.next()
        assert name == "hello" and hello["problems"][0].startswith(f"{REPORT}:{line}: ")
        report.write_text(good, "utf-8")
        assert events.next(timeout=10)[0] == "reload"
        assert server.get("/")[0] == 200
        events.close()

def test_drafts_another_output_folder_and_search_by_default(real_site, tmp_path):
    (real_site / "content/reports/a-draft.md").write_text(
        "---\ntitle: 草稿报告\ndate: 2024-05-02\nslug: a-draft\ndraft: true\n---\n\n草稿。\n",
        "utf-8")
    with Server(real_site) as server:
        assert server.get("/reports/a-draft.html")[0] == 404
        assert server.get("/search/meta.js")[0] == 200  # the preview searches too
    out = tmp_path / "preview"
    with Server(real_site, "--drafts", "--out", str(out), "--no-search") as server:
        assert server.get("/reports/a-draft.html")[0] == 200
        assert (out / "reports/a-draft.html").is_file()
        assert server.get("/search/meta.js")[0] == 404
