"""The only code that touches the output directory: build beside it, then swap it in.

The new site is written to a temporary directory next to the output and renamed into
place only when complete, so a failed build leaves the previous site as it was. A
manifest records what the generator wrote; an output directory holding anything else
is never replaced, so no user file is deleted without being asked; nor is one holding a
symbolic link, which is never followed. Staging folders carry the building process's id,
so the next build removes those a killed build left behind.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from stat import S_ISDIR, S_ISLNK

from .. import urls
from ..errors import Problem, error

MANIFEST = ".ipr-archive-manifest.json"
_MANIFEST_FORMAT = "ipr-archive output manifest 1"


def check_output_dir(site_root: Path, out_dir: Path) -> list[Problem]:
    """Refuse output directories whose replacement would lose someone's files."""
    return inspect_output(site_root, out_dir)[0]


def inspect_output(site_root: Path, out_dir: Path
                   ) -> tuple[list[Problem], dict[str, tuple[int, int]], dict[str, int]]:
    """The refusals of check_output_dir, and, from the same walk, the (size, mtime_ns) and
    the inode of every file the output holds, by output path: a rebuild compares these
    with what it wrote last time instead of looking at each file again."""
    refused = misplaced_output(site_root, out_dir)
    if refused is not None:
        return [refused], {}, {}
    if out_dir.is_symlink():
        return [error(out_dir, 0, "the output directory is a symbolic link; refusing to follow "
                                  "it — remove the link or choose another directory")], {}, {}
    if not out_dir.exists():
        return [], {}, {}
    if not out_dir.is_dir():
        return [error(out_dir, 0, "the output path exists and is not a directory — remove it "
                                  "or choose another")], {}, {}
    present, links, inodes = _walk_output(out_dir)
    if links:
        shown = ", ".join(links[:5]) + (f" and {len(links) - 5} more" if len(links) > 5 else "")
        return [error(out_dir, 0, f"the output directory holds symbolic links ({shown}); this "
                                  "generator never writes links and will neither follow nor "
                                  "replace them — remove them, or choose another output "
                                  "directory")], {}, {}
    strays = _not_written_by_us(out_dir, present)
    if strays:
        shown = ", ".join(strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
        return [error(out_dir, 0, f"the output directory holds files this generator did not "
                                  f"write ({shown}) — move them (into static/ if they belong in "
                                  "the site), or choose another output directory")], {}, {}
    return [], present, inodes


def misplaced_output(site_root: Path, out_dir: Path) -> Problem | None:
    """Why the output may not be at `out_dir` at all, or None: nothing, not even a lock
    file beside it, is ever written there."""
    out = out_dir.resolve()
    root = site_root.resolve()
    home = Path.home().resolve()
    if out in (Path(out.anchor), home) or home.is_relative_to(out) or root.is_relative_to(out):
        return error(out_dir, 0, "refusing to write the site here: it would replace the site "
                                 "sources or a home or root directory — choose an empty or new "
                                 "directory such as public/")
    for source in ("content", "templates", "static"):
        if out.is_relative_to(root / source):
            return error(out_dir, 0, f"refusing to write the site inside {source}/ — "
                                     "choose a directory outside the sources, such as "
                                     "public/")
    return None


def _walk_output(out_dir: Path
                 ) -> tuple[dict[str, tuple[int, int]], list[str], dict[str, int]]:
    """({output path: (size, mtime_ns)} of the files, [symbolic links], {output path:
    inode}), one walk.
    The generator never writes links: one there was put by someone else, and writing or
    deleting through it would reach outside the output directory."""
    present: dict[str, tuple[int, int]] = {}
    inodes: dict[str, int] = {}
    links: list[str] = []
    todo = [(str(out_dir), "")]
    while todo:
        folder, prefix = todo.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_symlink():
                    links.append(name)
                elif entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, name + "/"))
                else:
                    stat = entry.stat(follow_symlinks=False)
                    present[name] = (stat.st_size, stat.st_mtime_ns)
                    inodes[name] = stat.st_ino
    links.sort()
    return present, links, inodes


def _not_written_by_us(out_dir: Path, present: dict[str, tuple[int, int]]) -> list[str]:
    """Files in the output that the manifest does not list."""
    if not present:
        return []
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        written = set(manifest["files"]) if manifest.get("format") == _MANIFEST_FORMAT else set()
    except (OSError, ValueError, KeyError, TypeError):
        written = set()
    return sorted(p for p in present if p not in written and p != MANIFEST)


def collect_static(static_dir: Path, site_root: Path,
                   published_at: PurePosixPath = urls.STATIC
                   ) -> tuple[dict[PurePosixPath, Path], list[Problem]]:
    """Files to copy as they are, as {output path: source path}, published under
    `published_at`; links leaving the site are refused."""
    if not static_dir.is_dir():
        return {}, []
    root = site_root.resolve()
    found: dict[PurePosixPath, Path] = {}
    problems = []
    for path in sorted(static_dir.rglob("*")):
        rel = path.relative_to(static_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        if not path.resolve().is_relative_to(root):
            problems.append(error(path, 0, "this link points outside the site — copy the file "
                                           f"into {static_dir.name}/ instead"))
            continue
        if path.is_dir():  # a link to a folder inside the site: its files are found there
            continue
        found[published_at.joinpath(*rel.parts)] = path
    return found, problems


class Staging:
    """The next output directory, filled beside the current one and swapped in whole.

    Files an incremental build can keep are hard-linked from the current output, so a
    one-report change writes a few files, yet the swap still replaces the site at once.
    The site the swap retires is kept beside the output as the spare (`.public.spare`),
    and the next build fills that instead of an empty folder: most of its files are
    already links to the live ones (same inode), and only the others are replaced. That
    saves making and removing ten thousand links and every folder on each rebuild.
    """

    def __init__(self, out_dir: Path, live_inodes: dict[str, int] | None = None):
        self.out_dir = out_dir.absolute()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=_side_prefix(self.out_dir, "new"),
                                          dir=self.out_dir.parent))
        self._live = live_inodes or {}
        self._spare_dirs: set[str] = set()
        self._recycled = self._claim_spare()  # {output path: inode} of the spare's files
        self._made_dirs: set[str] = {str(self.root)}
        self._prepared = False

    def _claim_spare(self) -> dict[str, int] | None:
        """Take the spare as this staging folder, if there is one that can be trusted."""
        spare = _spare_path(self.out_dir)
        try:
            if not S_ISDIR(os.lstat(spare).st_mode):
                return None
            if not self._live:  # no site to share files with: the spare is of no use
                shutil.rmtree(spare)
                return None
            os.rename(spare, self.root)  # onto the empty folder: one build takes it
        except OSError:
            return None
        try:
            inodes, self._spare_dirs = _walk_spare(self.root)
        except (OSError, ValueError):  # a link: this generator never makes one; start afresh
            shutil.rmtree(self.root)
            os.mkdir(self.root)
            return None
        return inodes

    def carry_over(self, out_paths) -> None:
        """Link these files of the current output into the staging folder. The first call
        also clears what the spare holds that the new site does not keep, so that no
        file written later can be a link to a live one."""
        out_paths = list(out_paths)
        if not self._prepared:
            out_paths = self._prepare(out_paths)
        # Plain strings: at 10,000 files, pathlib's overhead would outweigh the linking.
        old, new = str(self.out_dir), str(self.root)
        for out_path in out_paths:
            source, target = f"{old}/{out_path}", f"{new}/{out_path}"
            folder = os.path.dirname(target)
            if folder not in self._made_dirs:
                os.makedirs(folder, exist_ok=True)
                self._made_dirs.add(folder)
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError:  # a file system without hard links: copy instead
                shutil.copy2(source, target, follow_symlinks=False)

    def _prepare(self, keep: list[str]) -> list[str]:
        """Unlink the spare's files that are not already the live files to keep; returns
        the files still to link."""
        self._prepared = True
        if not self._recycled:
            return keep
        to_link = []
        kept = set()
        for path in keep:
            inode = self._recycled.get(path)
            if inode is not None and inode == self._live.get(path):
                kept.add(path)
            else:
                to_link.append(path)
        root = str(self.root)
        emptied = set()
        for path in self._recycled:
            if path not in kept:
                os.unlink(f"{root}/{path}")
                emptied.add(os.path.dirname(f"{root}/{path}"))
        for folder in sorted(emptied, key=len, reverse=True):  # deepest first
            while folder != root:
                try:
                    os.rmdir(folder)
                except OSError:  # not empty: it holds kept files, or will
                    break
                folder = os.path.dirname(folder)
        self._made_dirs.update(folder for folder in self._spare_dirs if os.path.isdir(folder))
        return to_link

    def commit(self, files: list[str]) -> None:
        """Write the manifest of every file and swap the new site in."""
        if not self._prepared:
            self._prepare([])
        manifest = {"format": _MANIFEST_FORMAT, "files": sorted(files)}
        write_file(self.root, PurePosixPath(MANIFEST), json.dumps(
            manifest, ensure_ascii=False, indent=0, sort_keys=True).encode("utf-8"))
        os.chmod(self.root, 0o755)
        retired = _swap_in(self.root, self.out_dir)
        if retired is not None:
            try:  # kept for the next build to fill; a spare left by another build goes
                os.rename(retired, _spare_path(self.out_dir))
            except OSError:
                shutil.rmtree(retired)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _walk_spare(root: Path) -> tuple[dict[str, int], set[str]]:
    """({output path: inode} of the spare's files, its folders); raises ValueError if it
    holds a link. Inodes come with the folder listing: no file is looked at."""
    inodes: dict[str, int] = {}
    folders: set[str] = set()
    todo = [(str(root), "")]
    while todo:
        folder, prefix = todo.pop()
        folders.add(folder)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_symlink():
                    raise ValueError(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    todo.append((entry.path, prefix + entry.name + "/"))
                else:
                    inodes[prefix + entry.name] = entry.inode()
    return inodes, folders


def _spare_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.spare"


def write_file(root: Path, out_path: PurePosixPath, data: bytes) -> tuple[int, int]:
    """Write one output file under root; returns its (size, mtime_ns) for the cache."""
    # Plain strings and descriptor calls: this runs for every page of a cold build.
    global _folders_made
    path = f"{root}/{out_path}"
    folder = os.path.dirname(path)
    if _folders_made[0] != str(root):  # a new staging folder: forget the last one's
        _folders_made = (str(root), set())
    if folder not in _folders_made[1]:
        os.makedirs(folder, exist_ok=True)
        _folders_made[1].add(folder)
    try:  # a new file, never one written through: it could be a link to the live site's
        fd = _create(path)
    except FileExistsError:
        os.unlink(path)
        fd = _create(path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        # Whatever the umask: a web server must be able to read the site.
        os.fchmod(fd, 0o644)
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def _create(path: str) -> int:
    """A descriptor for a new file: cheaper than a file object, which costs three more
    system calls a file."""
    return os.open(path, _NEW_FILE, 0o644)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) \
    | getattr(os, "O_BINARY", 0)


# The folders this process has made under the staging folder it writes to now.
_folders_made: tuple[str, set[str]] = ("", set())


def unchanged_files(out_dir: Path, files: dict[PurePosixPath, bytes], outputs: dict
                    ) -> set[str]:
    """The new files (search files) the last build already wrote, byte for byte and
    untouched since: carried over rather than written again. `outputs`: the cache's."""
    same = set()
    for out_path, data in files.items():
        path = str(out_path)
        output = outputs.get(path)
        if output is None or output.size != len(data) or \
                file_state(f"{out_dir}/{path}") != (output.size, output.mtime_ns):
            continue
        try:
            with open(f"{out_dir}/{path}", "rb") as handle:
                if handle.read() == data:
                    same.add(path)
        except OSError:
            continue
    return same


def write_failure(out_dir: Path, exc: OSError) -> Problem:
    """An OSError while writing the new site (a full disk, a read-only folder) as one
    problem naming the output directory and the file, never the hidden staging folder."""
    name = os.fsdecode(exc.filename) if exc.filename is not None else ""
    parent = str(out_dir.absolute().parent)
    match = re.match(re.escape(parent) + r"/\.[^/]*\.(?:new|old)-[^/]*(/.*)?$", name)
    if match:
        name = match.group(1)[1:] if match.group(1) else ""
    elif name.startswith(parent + "/"):
        name = os.path.relpath(name, out_dir.absolute())
    reason = exc.strerror or str(exc)
    where = f" ({name})" if name else ""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        hint = "free some disk space and build again"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = ("make the output directory and the directory holding it writable, or "
                "choose another --out")
    else:
        hint = "check the output directory and build again"
    return error(out_dir, 0, f"the new site could not be written: {reason}{where} — {hint}")


def clear_abandoned(out_dir: Path) -> None:
    """Tidy up after a build that was killed (kill -9, a power cut): staging folders of
    dead builds beside the output are removed, and if a build died between the two
    renames of a swap (systems without an atomic exchange), the previous site it had
    moved aside is put back. Folders of builds still running are left alone."""
    out_dir = out_dir.absolute()
    pattern = re.compile(re.escape(f".{out_dir.name}.") + r"(new|old)-(\d+)-[^/]*$")
    abandoned = []
    try:
        names = sorted(os.listdir(out_dir.parent))
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if not match or _alive(int(match.group(2))):
            continue
        path = out_dir.parent / name
        try:
            if S_ISDIR(os.lstat(path).st_mode):  # never a link
                abandoned.append((match.group(1), path))
        except OSError:
            continue
    if not os.path.lexists(out_dir):
        previous = [path for kind, path in abandoned
                    if kind == "old" and (path / MANIFEST).is_file()]
        if len(previous) == 1:
            os.rename(previous[0], out_dir)
            abandoned = [(kind, path) for kind, path in abandoned if path != previous[0]]
    for _, path in abandoned:
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _side_prefix(out_dir: Path, kind: str) -> str:
    """Folders beside the output carry the building process's id, so that a later build
    can tell an abandoned one (its process is gone) from one still being written."""
    return f".{out_dir.name}.{kind}-{os.getpid()}-"


def file_state(path: Path | str) -> tuple[int, int] | None:
    """(size, mtime_ns) of an output file as it is now, or None if it is gone."""
    try:
        stat = os.lstat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    return None if S_ISLNK(stat.st_mode) else (stat.st_size, stat.st_mtime_ns)


def _swap_in(staging: Path, out_dir: Path) -> Path | None:
    """Put staging where out_dir is; returns where the old site went, to be removed."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return None
    if _exchange(staging, out_dir):
        return staging  # now holds the old site
    # No atomic exchange here: two renames, putting the old site back if the second fails.
    retired = Path(tempfile.mkdtemp(prefix=_side_prefix(out_dir, "old"), dir=out_dir.parent))
    retired.rmdir()
    os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(retired, out_dir)
        raise
    return retired


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE), if possible."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
