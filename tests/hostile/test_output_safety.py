"""The output directory under attack and under faults: what is refused, what survives.

Every failure here must end the command with `path: message` lines, a last line
`build failed: …`, status 1 and no Python traceback; the previous site must be byte for
byte as it was, nothing beside it may be left behind, and the next build must succeed
and equal a clean one.
"""
from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from benchmarks.corpus import write_corpus
from conftest import MINIMAL_REPORT, REPO, tree_bytes, write_files
from generator import cli
from generator.build.pipeline import writer
from generator.build.pipeline import build
from generator.build.cache import CACHE_PATH
from generator.build.writer import MANIFEST

PROBLEM_LINE = re.compile(r"^\S[^\n]*?(:\d+)?: \S.*$")


def run(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=300, **kwargs)


def assert_clear_failure(stderr: str) -> list[str]:
    """Status-1 output as a user sees it: problem lines, then `build failed: …`."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("build failed: "), stderr
    assert all(PROBLEM_LINE.match(line) for line in lines[:-1]), stderr
    return lines[:-1]


def main_build(capsys, site: Path, *extra: str) -> tuple[int, str]:
    code = cli.main(["build", "--site", str(site), "--quiet", "--jobs", "1", *extra])
    return code, capsys.readouterr().err


def beside(out: Path) -> list[str]:
    """What the generator has left next to the output besides the spare the next build
    fills (writer.Staging): staging or retired folders."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")
                  and p.name != f".{out.name}.spare")


@pytest.fixture
def built(real_site):
    """The real site, built once: (site root, output, its bytes)."""
    result = build(real_site)
    assert result.files > 10
    return real_site, real_site / "public", tree_bytes(real_site / "public")


# --- Where the site may be written ----------------------------------------------------

@pytest.mark.parametrize("out", [".", "content", "content/reports", "templates", "static",
                                 "/", "~", ".."])
def test_an_output_that_would_replace_sources_home_or_root_is_refused(real_site, capsys, out):
    target = Path(out).expanduser() if out in ("/", "~") else real_site / out
    before = set(os.listdir(target))
    code, stderr = main_build(capsys, real_site, "--out", str(target))
    assert code == 1
    (line,) = [line for line in assert_clear_failure(stderr) if "warning" not in line]
    assert line.startswith(f"{target}: refusing to write the site")
    # Nothing removed (other programs may add files to / or the home folder meanwhile).
    assert before <= set(os.listdir(target))
    assert not {writer.MANIFEST, "index.html"} & (set(os.listdir(target)) - before)
    assert not [n for n in os.listdir(target.parent) if ".new-" in n or ".old-" in n]


def test_an_output_holding_files_the_generator_did_not_write_is_refused(built, capsys):
    site, out, before = built
    (out / "CNAME").write_text("archive.example.org")
    (out / "reports" / "notes.txt").write_text("my notes")
    code, stderr = main_build(capsys, site, "--no-cache")
    assert code == 1
    assert any("did not write (CNAME, reports/notes.txt)" in line
               for line in assert_clear_failure(stderr))
    assert (out / "CNAME").read_text() == "archive.example.org"
    before.update({"CNAME": b"archive.example.org", "reports/notes.txt": b"my notes"})
    assert tree_bytes(out) == before


# --- Symbolic links: never followed, never written or deleted through -------------------

def test_a_linked_folder_inside_the_output_is_refused_and_its_target_untouched(
        built, tmp_path, capsys):
    site, out, before = built
    elsewhere = tmp_path / "elsewhere"
    write_files(elsewhere, {"dafeng-ip-joint-meeting.html": "not yours", "keep.txt": "mine"})
    theirs = tree_bytes(elsewhere)
    os.rename(out / "reports", tmp_path / "moved-reports")
    (out / "reports").symlink_to(elsewhere)
    (site / "content/reports/dafeng-ip-joint-meeting.md").write_text(
        MINIMAL_REPORT.replace("测试报告", "改过的标题"), encoding="utf-8")
    code, stderr = main_build(capsys, site)
    assert code == 1
    assert any("symbolic links (reports)" in line for line in assert_clear_failure(stderr))
    assert tree_bytes(elsewhere) == theirs
    assert os.readlink(out / "reports") == str(elsewhere)
    assert beside(out) == []


def test_a_linked_file_inside_the_output_is_refused_and_its_target_untouched(
        built, tmp_path, capsys):
    """public/reports/x.html -> a file outside: the manifest lists x.html (the generator
    wrote it once), yet the build neither writes through the link nor removes it."""
    site, out, before = built
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0\n")
    page = out / "reports/dafeng-ip-joint-meeting.html"
    page.unlink()
    page.symlink_to(secret)
    for args in ([], ["--no-cache"]):
        code, stderr = main_build(capsys, site, *args)
        assert code == 1
        assert any("symbolic links (reports/dafeng-ip-joint-meeting.html)" in line
                   for line in assert_clear_failure(stderr))
        assert secret.read_text() == "root:x:0:0\n"
        assert os.readlink(page) == str(secret)
    page.unlink()  # the user removes the link; the next build puts the page back
    assert main_build(capsys, site)[0] == 0
    assert tree_bytes(out) == before


def test_the_output_itself_as_a_link_is_refused(real_site, tmp_path, capsys):
    (tmp_path / "target").mkdir()
    (real_site / "public").symlink_to(tmp_path / "target")
    code, stderr = main_build(capsys, real_site)
    assert code == 1
    assert any("symbolic link" in line for line in assert_clear_failure(stderr))
    assert list((tmp_path / "target").iterdir()) == []


def test_a_link_named_like_an_abandoned_staging_folder_is_not_followed(built, tmp_path,
                                                                      capsys):
    site, out, before = built
    victim = tmp_path / "victim"
    write_files(victim, {"precious.txt": "keep me"})
    trap = out.parent / f".{out.name}.new-{dead_pid()}-trap"
    trap.symlink_to(victim)
    (site / "content/reports/extra.md").write_text(MINIMAL_REPORT, encoding="utf-8")
    assert main_build(capsys, site)[0] == 0
    assert (victim / "precious.txt").read_text() == "keep me"
    assert trap.is_symlink()


# --- A template error on one page -------------------------------------------------------

def test_a_template_error_on_one_page_keeps_the_previous_site(built, tmp_path, capsys):
    site, out, before = built
    template = site / "templates/report.html"
    good = template.read_text("utf-8")
    template.write_text(good.replace(
        "{% block main %}",
        "{% block main %}{% if report.slug == 'dafeng-ip-joint-meeting' %}"
        "{{ no_such_value.field }}{% endif %}", 1), encoding="utf-8")
    code, stderr = main_build(capsys, site)
    assert code == 1
    errors = [line for line in assert_clear_failure(stderr) if "warning:" not in line]
    assert len(errors) == 1 and "report.html" in errors[0] and "no_such_value" in errors[0]
    assert tree_bytes(out) == before
    assert beside(out) == []
    template.write_text(good, encoding="utf-8")
    assert main_build(capsys, site)[0] == 0
    assert tree_bytes(out) == before


# --- kill -9 ------------------------------------------------------------------------------

def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def clean_tree(site: Path, tmp: Path) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(dir=tmp) as scratch:
        build(site, Path(scratch) / "public", use_cache=False, search=False)
        return tree_bytes(Path(scratch) / "public")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """600 generated reports: a cold build takes a second or two on two cores."""
    root = write_corpus(600, tmp_path_factory.mktemp("corpus") / "site")
    return root


def set_state(site: Path, state: int) -> None:
    """Three versions of the corpus: two titles (every page rendered again) and one
    report's body changed (most pages carried over as hard links)."""
    (site / "site.yaml").write_text(f"title: 档案{'甲乙'[state > 0]}\npage_size: 20\n",
                                    encoding="utf-8")
    report = site / "content/reports/report-000007.md"
    text = report.read_text("utf-8").replace("\n补记。\n", "\n")
    report.write_text(text + ("补记。\n" if state == 2 else ""), encoding="utf-8")


def test_kill_9_at_random_moments_never_leaves_a_half_site(corpus, tmp_path):
    site, out = corpus, corpus / "public"
    trees = {}
    for state in range(3):
        set_state(site, state)
        trees[state] = clean_tree(site, tmp_path)
    set_state(site, 0)
    assert run("build", "--site", str(site), "--quiet", "--no-search").returncode == 0
    assert tree_bytes(out) == trees[0]
    started = time.perf_counter()
    set_state(site, 1)
    assert run("build", "--site", str(site), "--quiet", "--no-search").returncode == 0
    full = time.perf_counter() - started
    rng = random.Random(20261125)
    outcomes = []
    for attempt in range(8):
        previous = tree_bytes(out)
        target = (attempt + 2) % 3
        set_state(site, target)
        child = subprocess.Popen([sys.executable, "-m", "generator", "build", "--site",
                                  str(site), "--quiet", "--no-search"], cwd=REPO,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        time.sleep(rng.uniform(0.05, full * 1.1))
        try:
            os.killpg(child.pid, signal.SIGKILL)  # the build and its workers
        except ProcessLookupError:
            pass
        child.wait()
        after = tree_bytes(out)
        assert after in (previous, trees[target]), f"attempt {attempt}: a mixed site"
        outcomes.append("old" if after == previous else "new")
    assert "old" in outcomes  # the kills did land during builds
    final = run("build", "--site", str(site), "--quiet", "--no-search")
    assert final.returncode == 0, final.stderr
    assert tree_bytes(out) == trees[target]
    assert beside(out) == []  # what the killed builds left is gone
    assert run("build", "--site", str(site), "--no-search").stdout.startswith("built")


KILL_AT = r"""
import os, signal, sys
from generator import cli
from generator.build.pipeline import writer
point = sys.argv[1]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
swap, rename = writer._swap_in, os.rename
if point == "between-renames":  # a system without renameat2: two renames
    writer._exchange = lambda a, b: False
    calls = []
    def rename_then_die(a, b):
        rename(a, b)
        calls.append(a)
        if len(calls) == 1:
            die()
    writer.os.rename = rename_then_die
def swap_in(staging, out):
    if point == "before-swap":
        die()
    retired = swap(staging, out)
    if point == "after-swap":
        die()
    return retired
writer._swap_in = swap_in
sys.exit(cli.main(["build", "--site", sys.argv[2], "--quiet", "--no-search"]))
"""


@pytest.mark.parametrize("point", ["before-swap", "after-swap", "between-renames"])
def test_kill_9_during_the_swap(make_site, tmp_path, point):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT, "site.yaml": "title: 旧\n"})
    out = site / "public"
    build(site, search=False)
    old = tree_bytes(out)
    (site / "site.yaml").write_text("title: 新\n", encoding="utf-8")
    new = clean_tree(site, tmp_path)
    killed = subprocess.run([sys.executable, "-c", KILL_AT, point, str(site)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if point == "between-renames":
        # The output folder is gone for a moment; the previous site is whole beside it.
        assert not out.exists()
        (retired,) = [out.parent / n for n in beside(out) if ".old-" in n]
        assert tree_bytes(retired) == old
    else:
        assert tree_bytes(out) == (new if point == "after-swap" else old)
    result = run("build", "--site", str(site), "--quiet", "--no-search")
    assert result.returncode == 0, result.stderr
    assert tree_bytes(out) == new
    assert beside(out) == []


def test_only_abandoned_staging_folders_are_removed(built, capsys):
    site, out, before = built
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = out.parent / f".{out.name}.new-{dead_pid()}-abc123"
        live = out.parent / f".{out.name}.new-{sleeper.pid}-def456"
        other = out.parent / ".public.new-not-a-pid"
        for folder in (dead, live, other):
            write_files(folder, {"index.html": "half"})
        (site / "content/reports/extra.md").write_text(MINIMAL_REPORT, encoding="utf-8")
        assert main_build(capsys, site)[0] == 0
        assert not dead.exists()  # its build was killed
        assert (live / "index.html").read_text() == "half"  # a build still running
        assert (other / "index.html").read_text() == "half"  # not a name we make
    finally:
        sleeper.kill()
        sleeper.wait()


# --- A full disk ----------------------------------------------------------------------------

def limit_file_size(limit: int):
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("search", [False, True])
def test_a_full_disk_fails_clearly_and_keeps_the_previous_site(real_site, tmp_path, search):
    extra = [] if search else ["--no-search"]
    assert run("build", "--site", str(real_site), "--quiet", *extra).returncode == 0
    out = real_site / "public"
    before = tree_bytes(out)
    largest = max(len(data) for path, data in before.items() if path.endswith(".html"))
    (real_site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")  # all anew
    result = run("build", "--site", str(real_site), "--quiet", *extra,
                 preexec_fn=limit_file_size(largest // 2))
    assert result.returncode == 1
    problems = assert_clear_failure(result.stderr)
    assert any("File too large" in line for line in problems), result.stderr
    assert tree_bytes(out) == before
    assert beside(out) == []
    again = run("build", "--site", str(real_site), "--quiet", *extra)
    assert again.returncode == 0, again.stderr
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        build(real_site, Path(scratch) / "public", use_cache=False, search=search)
        assert tree_bytes(out) == tree_bytes(Path(scratch) / "public")


def fail_after(count: int, code: int):
    """The writer's file creation, failing at the `count`-th file written, as a full disk
    or a read-only file system would."""
    real_create = writer._create
    written = []

    def fake_create(path):
        written.append(path)
        if len(written) == count:
            raise OSError(code, os.strerror(code), str(path))
        return real_create(path)
    fake_create.written = written
    return fake_create


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_write_failing_at_any_file_keeps_the_previous_site(built, monkeypatch, capsys,
                                                             tmp_path, code):
    site, out, before = built
    (site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")
    counting = fail_after(-1, code)
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        monkeypatch.setattr(writer, "_create", counting)
        build(site, Path(scratch) / "public", use_cache=False)
        monkeypatch.undo()
        clean = tree_bytes(Path(scratch) / "public")
    total = len(counting.written)  # every page, static and search file, the manifest last
    assert total > 30 and Path(counting.written[-1]).name == writer.MANIFEST
    for count in (1, 2, total // 2, total - 1, total):
        monkeypatch.setattr(writer, "_create", fail_after(count, code))
        status, stderr = main_build(capsys, site, "--no-cache")
        monkeypatch.undo()
        assert status == 1
        (problem,) = [p for p in assert_clear_failure(stderr) if "warning:" not in p]
        assert problem.startswith(f"{out}: the new site could not be written: "
                                  f"{os.strerror(code)} (")
        assert ".new-" not in problem  # names the page, not the hidden staging folder
        assert tree_bytes(out) == before, count
        assert beside(out) == []
    assert main_build(capsys, site)[0] == 0
    assert tree_bytes(out) == clean


# --- A read-only output directory ------------------------------------------------------------

@pytest.mark.parametrize("fault", ["staging", "exchange", "rename"])
def test_a_read_only_output_keeps_the_previous_site(built, monkeypatch, capsys, fault):
    site, out, before = built
    (site / "content/reports/extra.md").write_text(MINIMAL_REPORT, encoding="utf-8")

    def refuse(*args, **kwargs):
        where = args[0] if args else kwargs.get("dir")
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(where))
    if fault == "staging":  # the folder holding the output is read-only
        monkeypatch.setattr(writer.tempfile, "mkdtemp", refuse)
    else:
        if fault == "rename":  # no renameat2: the first of the two renames fails
            monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
        else:  # renameat2 itself fails, and so does the fallback
            monkeypatch.setattr(writer, "_exchange", refuse)
        monkeypatch.setattr(writer.os, "rename", refuse)
    code, stderr = main_build(capsys, site)
    monkeypatch.undo()
    assert code == 1
    (problem,) = [p for p in assert_clear_failure(stderr) if "warning:" not in p]
    assert problem.startswith(f"{out}: the new site could not be written: "
                              "Read-only file system")
    assert "make the output directory" in problem
    assert tree_bytes(out) == before
    assert beside(out) == []
    assert main_build(capsys, site)[0] == 0
    assert "reports/extra.html" in tree_bytes(out)


def test_a_really_read_only_mount(real_site, tmp_path):
    mount = tmp_path / "mnt"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        out = mount / "public"
        assert run("build", "--site", str(real_site), "--out", str(out),
                   "--quiet").returncode == 0
        before = tree_bytes(out)
        (real_site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = run("build", "--site", str(real_site), "--out", str(out), "--quiet")
        assert result.returncode == 1
        (problem,) = [p for p in assert_clear_failure(result.stderr) if "warning:" not in p]
        assert problem.startswith(f"{out}: the new site could not be written: "
                                  "Read-only file system")
        assert tree_bytes(out) == before
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        assert beside(out) == []
        again = run("build", "--site", str(real_site), "--out", str(out), "--quiet")
        assert again.returncode == 0, again.stderr
        assert "新的名字" in (out / "index.html").read_text("utf-8")
    finally:
        subprocess.run(["umount", str(mount)], check=True)


# --- A damaged cache, through the real command -------------------------------------------

def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(64) + b"SQLite format 3\x00" * 100)


def old_version(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'ipr-archive cache 2' WHERE key = 'format'")


def foreign_paths(path: Path) -> None:
    """A row naming a file outside the output, made to look like an intact search file of
    this very build (same key, the file's true size and time): reusing it would hard-link
    that file into the site and the site's folder above the output."""
    outside = path.parents[3] / "escaped-secret.txt"  # beside the site root
    outside.write_text("not for the site")
    state = outside.stat()
    with sqlite3.connect(path) as db:
        (key,) = db.execute("SELECT key FROM outputs WHERE path = 'search/words.json'"
                            ).fetchone()
        db.execute("INSERT INTO outputs VALUES (?, ?, ?, ?)",
                   ("../../escaped-secret.txt", key, state.st_size, state.st_mtime_ns))


@pytest.mark.parametrize("damage", [truncate, empty, garbage, old_version, foreign_paths])
def test_a_damaged_cache_is_set_aside_and_the_site_equals_a_clean_build(real_site, tmp_path,
                                                                         damage):
    assert run("build", "--site", str(real_site), "--quiet").returncode == 0
    cache = real_site / CACHE_PATH
    with sqlite3.connect(cache) as db:  # fold the write-ahead log in, so damage sticks
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(cache)
    if damage is foreign_paths:  # change no indexed page, so the search files are reused
        (real_site / "static/extra.txt").write_text("x")
    else:
        report = real_site / "content/reports/dafeng-ip-joint-meeting.md"
        report.write_text(report.read_text("utf-8") + "\n补记。\n", encoding="utf-8")
    result = run("build", "--site", str(real_site))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warned = [line for line in result.stderr.splitlines() if "build cache" in line]
    if damage in (truncate, garbage, old_version, foreign_paths):
        assert len(warned) == 1 and warned[0].startswith(f"{cache}: warning: "), result.stderr
    assert sorted(p.name for p in tmp_path.rglob("escaped-*")) == \
        (["escaped-secret.txt"] if damage is foreign_paths else [])
    assert "escaped" not in (real_site / "public" / MANIFEST).read_text("utf-8")
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        build(real_site, Path(scratch) / "public", use_cache=False)
        assert tree_bytes(real_site / "public") == tree_bytes(Path(scratch) / "public")
    again = run("build", "--site", str(real_site))
    assert again.returncode == 0 and "build cache" not in again.stderr
    assert ": 0 written," in again.stdout


def test_the_cache_holds_only_text_numbers_and_compressed_html(real_site):
    """Data, never pickle: every cell is text, a number, or zlib-compressed UTF-8 HTML."""
    import zlib

    build(real_site)
    with sqlite3.connect(real_site / CACHE_PATH) as db:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [cell for table in tables for row in db.execute(f"SELECT * FROM {table}")
                 for cell in row]
    assert cells
    for cell in cells:
        assert isinstance(cell, (str, int)) or \
            zlib.decompress(cell).decode("utf-8").lstrip().startswith("<"), cell[:20]
    sources = "".join(p.read_text("utf-8") for p in (REPO / "generator").glob("*.py"))
    assert not re.search(r"^\s*(import|from)\s+(pickle|marshal|shelve)\b", sources, re.M)


def test_an_os_error_anywhere_in_a_build_is_a_message_not_a_traceback(real_site, monkeypatch,
                                                                     capsys):
    from generator.build import pipeline as build_module

    def unreadable(site_root, *cache_states):
        path = site_root / "content/reports/dafeng-ip-joint-meeting.md"
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    monkeypatch.setattr(build_module, "read_inputs", unreadable)
    code, stderr = main_build(capsys, real_site)
    assert code == 1
    (problem,) = assert_clear_failure(stderr)
    assert problem == (f"{real_site}/content/reports/dafeng-ip-joint-meeting.md: error: "
                       "Permission denied")
    assert not (real_site / "public").exists()


# --- The spare: the retired site the next build fills ----------------------------------------

def edit_and_build(site: Path, out: Path, text: str) -> None:
    report = site / "content/reports/dafeng-ip-joint-meeting.md"
    report.write_text(report.read_text("utf-8") + f"\n{text}\n", encoding="utf-8")
    build(site, out, search=False)


def test_the_spare_is_filled_not_trusted(real_site, tmp_path):
    out = real_site / "public"
    build(real_site, out, search=False)
    edit_and_build(real_site, out, "补记一。")
    spare = real_site / ".public.spare"
    assert (spare / "index.html").stat().st_ino == (out / "index.html").stat().st_ino
    # Someone replaces a file in the spare, and plants a link to a file outside the site.
    (spare / "index.html").unlink()
    (spare / "index.html").write_text("<p>not ours</p>", encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (spare / "reports/planted.html").symlink_to(victim)
    edit_and_build(real_site, out, "补记二。")
    assert victim.read_text("utf-8") == "keep me"
    build(real_site, tmp_path / "clean", use_cache=False, search=False)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert not any(p.is_symlink() for p in spare.rglob("*"))
    # A file of the spare written to in place is a file of the site (the same inode): the
    # site's file changed too, so it is rendered again, and the spare's link replaced.
    with open(spare / "about/index.html", "a", encoding="utf-8") as handle:
        handle.write("<p>appended</p>")
    edit_and_build(real_site, out, "补记三。")
    shutil.rmtree(tmp_path / "clean")
    build(real_site, tmp_path / "clean", use_cache=False, search=False)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
