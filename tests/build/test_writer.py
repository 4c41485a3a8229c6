"""generator/build/writer.py: the only code that touches the output, under attack and
under faults.

Every failure here must end the command with `path: message` lines, a last line
`build failed: …`, status 1 and no Python traceback; the previous site must be byte for
byte as it was, nothing beside it may be left behind, and the next build must succeed
and equal a clean one."""
from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from pathlib import PurePosixPath as P

import pytest

from benchmarks.corpus import write_corpus
from generator.build import writer
from generator.build.pipeline import BuildOptions, build
from generator.build.writer import MANIFEST, Staging, check_output_dir, collect_static, write_file
from tests.helpers import (
    GOOD_FRONT,
    MINIMAL_REPORT,
    REPO,
    REPORT,
    assert_clear_failure,
    errors_of,
    main_build,
    needs,
    report,
    run_in_repo,
    tree_bytes,
    write_files,
)


def write_site(files: dict, out):
    staging = Staging(out)
    for out_path, data in files.items():
        write_file(staging.root, out_path, data)
    staging.commit([str(p) for p in files])


def test_the_site_is_swapped_in_whole_and_stale_files_go(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one", P("reports/a.html"): b"a"}, out)
    assert check_output_dir(tmp_path, out) == []
    write_site({P("index.html"): b"two"}, out)
    files = tree_bytes(out)
    assert files.pop(MANIFEST)
    assert files == {"index.html": b"two"}
    # No staging left behind; the site it replaced is kept as the spare the next build fills.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.spare", "public"]
    assert (tmp_path / ".public.spare/reports/a.html").read_bytes() == b"a"


def test_carried_over_files_are_the_same_file_not_a_copy(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one", P("reports/a.html"): b"a"}, out)
    before = (out / "reports/a.html").stat()
    staging = Staging(out)
    staging.carry_over(["reports/a.html"])
    write_file(staging.root, P("index.html"), b"two")
    staging.commit(["index.html", "reports/a.html"])
    after = (out / "reports/a.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "index.html").read_bytes() == b"two"


def test_a_discarded_staging_leaves_the_site_alone(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"one"}, out)
    before = tree_bytes(out)
    staging = Staging(out)
    write_file(staging.root, P("index.html"), b"half-built")
    staging.discard()
    assert tree_bytes(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_static_files_are_found_without_hidden_ones(tmp_path):
    write_files(tmp_path, {"static/style.css": "body{}", "static/.DS_Store": "x",
                           "static/img/logo.png": b"\x89PNG"})
    static, problems = collect_static(tmp_path / "static", tmp_path)
    assert sorted(map(str, static)) == ["static/img/logo.png", "static/style.css"]
    assert problems == []


def test_a_static_link_out_of_the_site_is_an_error_not_a_copy(tmp_path):
    (tmp_path / "outside.txt").write_text("secret")
    site = tmp_path / "site"
    write_files(site, {"static/style.css": "body{}"})
    (site / "static/leak.txt").symlink_to(tmp_path / "outside.txt")
    static, problems = collect_static(site / "static", site)
    assert sorted(map(str, static)) == ["static/style.css"]
    assert [p.path.name for p in problems] == ["leak.txt"]


def test_an_output_directory_with_files_we_did_not_write_is_refused(tmp_path):
    write_files(tmp_path, {"public/notes.txt": "mine"})
    (problem,) = check_output_dir(tmp_path, tmp_path / "public")
    assert "notes.txt" in problem.message and "did not write" in problem.message


def test_a_file_added_to_our_output_by_hand_is_protected_too(tmp_path):
    out = tmp_path / "public"
    write_site({P("index.html"): b"x"}, out)
    (out / "CNAME").write_text("example.org")
    (problem,) = check_output_dir(tmp_path, out)
    assert "CNAME" in problem.message


@pytest.mark.parametrize("out", [".", "..", "content", "content/reports/x", "static/out"])
def test_outputs_that_would_replace_sources_are_refused(tmp_path, out):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    problems = check_output_dir(site, site / out)
    assert len(problems) == 1 and "refusing" in problems[0].message


def test_a_symlinked_output_is_not_followed(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "public").symlink_to(tmp_path / "elsewhere")
    (problem,) = check_output_dir(tmp_path, tmp_path / "public")
    assert "symbolic link" in problem.message


def test_a_short_write_is_continued_until_the_whole_page_is_written(tmp_path, monkeypatch):
    # os.write may write less than asked (a signal, a pipe-like file system); the page
    # must still come out whole.
    import os

    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    page = "<p>知识产权联席会议</p>\n".encode() * 50
    size, _ = write_file(tmp_path, P("reports/a.html"), page)
    monkeypatch.undo()
    assert (tmp_path / "reports/a.html").read_bytes() == page
    assert size == len(page)


def test_a_linked_static_folder_pointing_outside_is_refused(make_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.css").write_text("secret", "utf-8")
    site = make_site({REPORT: report(GOOD_FRONT)})
    (site / "static" / "more").symlink_to(outside, target_is_directory=True)
    assert errors_of(site) == ["static/more: this link points outside the site — copy the "
                               "file into static/ instead"]
    assert not (site.parent / "site-out").exists()


def beside(out: Path) -> list[str]:
    """What the generator has left next to the output besides the spare the next build
    fills (writer.Staging) and the lock file the next build locks (lock.py): staging or
    retired folders."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")
                  and p.name not in (f".{out.name}.spare", f".{out.name}.lock"))


@pytest.fixture
def built(real_site):
    """The real site, built once: (site root, output, its bytes)."""
    result = build(real_site)
    assert result.files > 10
    return real_site, real_site / "public", tree_bytes(real_site / "public")



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



def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def clean_tree(site: Path, tmp: Path) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(dir=tmp) as scratch:
        build(site, Path(scratch) / "public", BuildOptions(use_cache=False, search=False))
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


@pytest.mark.slow
def test_kill_9_at_random_moments_never_leaves_a_half_site(corpus, tmp_path):
    site, out = corpus, corpus / "public"
    trees = {}
    for state in range(3):
        set_state(site, state)
        trees[state] = clean_tree(site, tmp_path)
    set_state(site, 0)
    assert run_in_repo("build", "--site", str(site), "--quiet", "--no-search").returncode == 0
    assert tree_bytes(out) == trees[0]
    started = time.perf_counter()
    set_state(site, 1)
    assert run_in_repo("build", "--site", str(site), "--quiet", "--no-search").returncode == 0
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
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the build and its workers
        child.wait()
        after = tree_bytes(out)
        assert after in (previous, trees[target]), f"attempt {attempt}: a mixed site"
        outcomes.append("old" if after == previous else "new")
    assert "old" in outcomes  # the kills did land during builds
    final = run_in_repo("build", "--site", str(site), "--quiet", "--no-search")
    assert final.returncode == 0, final.stderr
    assert tree_bytes(out) == trees[target]
    assert beside(out) == []  # what the killed builds left is gone
    assert run_in_repo("build", "--site", str(site), "--no-search").stdout.startswith("built")


KILL_AT = r"""
import os, signal, sys
from generator import cli
from generator.build import writer
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


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-swap", "after-swap", "between-renames"])
def test_kill_9_during_the_swap(make_site, tmp_path, point):
    site = make_site({"content/reports/a.md": MINIMAL_REPORT, "site.yaml": "title: 旧\n"})
    out = site / "public"
    build(site, None, BuildOptions(search=False))
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
    result = run_in_repo("build", "--site", str(site), "--quiet", "--no-search")
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



def limit_file_size(limit: int):
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
@pytest.mark.parametrize("search", [False, True])
def test_a_full_disk_fails_clearly_and_keeps_the_previous_site(real_site, tmp_path, search):
    extra = [] if search else ["--no-search"]
    assert run_in_repo("build", "--site", str(real_site), "--quiet", *extra).returncode == 0
    out = real_site / "public"
    before = tree_bytes(out)
    largest = max(len(data) for path, data in before.items() if path.endswith(".html"))
    (real_site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")  # all anew
    result = run_in_repo("build", "--site", str(real_site), "--quiet", *extra,
                 preexec_fn=limit_file_size(largest // 2))
    assert result.returncode == 1
    problems = assert_clear_failure(result.stderr)
    assert any("File too large" in line for line in problems), result.stderr
    assert tree_bytes(out) == before
    assert beside(out) == []
    again = run_in_repo("build", "--site", str(real_site), "--quiet", *extra)
    assert again.returncode == 0, again.stderr
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        build(real_site, Path(scratch) / "public", BuildOptions(use_cache=False, search=search))
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


@pytest.mark.slow
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_write_failing_at_any_file_keeps_the_previous_site(built, monkeypatch, capsys,
                                                             tmp_path, code):
    site, out, before = built
    (site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")
    counting = fail_after(-1, code)
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        monkeypatch.setattr(writer, "_create", counting)
        build(site, Path(scratch) / "public", BuildOptions(use_cache=False))
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



@pytest.mark.parametrize("fault", ["staging", "exchange", "rename", "second-rename"])
def test_a_read_only_output_keeps_the_previous_site(built, monkeypatch, capsys, fault):
    site, out, before = built
    (site / "content/reports/extra.md").write_text(MINIMAL_REPORT, encoding="utf-8")

    def refuse(*args, **kwargs):
        where = args[0] if args else kwargs.get("dir")
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(where))

    real_rename, into_out = os.rename, []

    def refuse_into_out(source, target, *args, **kwargs):
        if Path(target) == out:
            into_out.append(source)
            if len(into_out) == 1:  # the new site, with the old one aside: it must go back
                refuse(source)
        return real_rename(source, target, *args, **kwargs)
    if fault == "staging":  # the folder holding the output is read-only
        monkeypatch.setattr(writer.tempfile, "mkdtemp", refuse)
    else:
        if fault in ("rename", "second-rename"):  # no renameat2: two renames instead
            monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
        else:  # renameat2 itself fails, and so does the fallback
            monkeypatch.setattr(writer, "_exchange", refuse)
        # "rename": the first of the two renames fails; "second-rename": the second does.
        monkeypatch.setattr(writer.os, "rename",
                            refuse_into_out if fault == "second-rename" else refuse)
    code, stderr = main_build(capsys, site)
    monkeypatch.undo()
    if fault == "second-rename":
        assert len(into_out) == 2  # the new site refused, the old one put back
    assert code == 1
    (problem,) = [p for p in assert_clear_failure(stderr) if "warning:" not in p]
    assert problem.startswith(f"{out}: the new site could not be written: "
                              "Read-only file system")
    assert "make the output directory" in problem
    assert tree_bytes(out) == before
    assert beside(out) == []
    assert main_build(capsys, site)[0] == 0
    assert "reports/extra.html" in tree_bytes(out)


def test_when_the_second_rename_fails_the_old_site_is_put_back(tmp_path, monkeypatch):
    """The swap without renameat2: the old site is moved aside, then the new one is moved in;
    if that second rename fails, the old site goes back where it was, whole."""
    out = tmp_path / "public"
    write_files(out, {"index.html": "old", "reports/a.html": "old a"})
    staging = tmp_path / "staging"
    write_files(staging, {"index.html": "new"})
    monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    real_rename, renames = os.rename, []

    def second_fails(source, target):
        renames.append((Path(source), Path(target)))
        if len(renames) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))
        real_rename(source, target)
    monkeypatch.setattr(writer.os, "rename", second_fails)
    with pytest.raises(OSError, match=os.strerror(errno.EIO)) as raised:
        writer._swap_in(staging, out)
    assert raised.value.errno == errno.EIO
    aside = renames[0][1]
    assert renames[:2] == [(out, aside), (staging, out)] and renames[2] == (aside, out)
    assert tree_bytes(out) == {"index.html": b"old", "reports/a.html": b"old a"}
    assert not aside.exists()
    assert tree_bytes(staging) == {"index.html": b"new"}  # for the caller to discard
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "staging"]


@pytest.mark.slow
def test_a_really_read_only_mount(real_site, tmp_path):
    mount = tmp_path / "mnt"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                             capture_output=True, text=True)
    needs(mounted.returncode == 0, "cannot mount a tmpfs here (needs root with "
                                   f"CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        out = mount / "public"
        assert run_in_repo("build", "--site", str(real_site), "--out", str(out),
                   "--quiet").returncode == 0
        before = tree_bytes(out)
        (real_site / "site.yaml").write_text("title: 新的名字\n", encoding="utf-8")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = run_in_repo("build", "--site", str(real_site), "--out", str(out), "--quiet")
        assert result.returncode == 1
        (problem,) = [p for p in assert_clear_failure(result.stderr) if "warning:" not in p]
        assert problem.startswith(f"{out}: the new site could not be written: "
                                  "Read-only file system")
        assert tree_bytes(out) == before
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], check=True)
        assert beside(out) == []
        again = run_in_repo("build", "--site", str(real_site), "--out", str(out), "--quiet")
        assert again.returncode == 0, again.stderr
        assert "新的名字" in (out / "index.html").read_text("utf-8")
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def edit_and_build(site: Path, out: Path, text: str) -> None:
    report = site / "content/reports/dafeng-ip-joint-meeting.md"
    report.write_text(report.read_text("utf-8") + f"\n{text}\n", encoding="utf-8")
    build(site, out, BuildOptions(search=False))


def test_the_spare_is_filled_not_trusted(real_site, tmp_path):
    out = real_site / "public"
    build(real_site, out, BuildOptions(search=False))
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
    build(real_site, tmp_path / "clean", BuildOptions(use_cache=False, search=False))
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
    assert not any(p.is_symlink() for p in spare.rglob("*"))
    # A file of the spare written to in place is a file of the site (the same inode): the
    # site's file changed too, so it is rendered again, and the spare's link replaced.
    with open(spare / "about/index.html", "a", encoding="utf-8") as handle:
        handle.write("<p>appended</p>")
    edit_and_build(real_site, out, "补记三。")
    shutil.rmtree(tmp_path / "clean")
    build(real_site, tmp_path / "clean", BuildOptions(use_cache=False, search=False))
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")
