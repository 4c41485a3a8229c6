"""The only code that touches the output directory: build beside it, then swap it in.

The new site is written to a temporary directory next to the output and renamed into
place only when complete, so a failed build leaves the previous site as it was. A
manifest records what the generator wrote; an output directory holding anything else
is never replaced, so no user file is deleted without being asked.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from .errors import Problem, SiteError, error

MANIFEST = ".ipr-archive-manifest.json"
_MANIFEST_FORMAT = "ipr-archive output manifest 1"


def check_output_dir(site_root: Path, out_dir: Path) -> list[Problem]:
    """Refuse output directories whose replacement would lose someone's files."""
    out = out_dir.resolve()
    root = site_root.resolve()
    home = Path.home().resolve()
    if out in (Path(out.anchor), home) or out == root or root.is_relative_to(out):
        return [error(out_dir, 0, "refusing to write the site here: it would replace the site "
                                  "sources or a home or root directory — choose an empty or new "
                                  "directory such as public/")]
    for source in ("content", "templates", "static"):
        if out.is_relative_to(root / source):
            return [error(out_dir, 0, f"refusing to write the site inside {source}/ — "
                                      "choose a directory outside the sources, such as public/")]
    if out_dir.is_symlink():
        return [error(out_dir, 0, "the output directory is a symbolic link; refusing to follow "
                                  "it — remove the link or choose another directory")]
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        return [error(out_dir, 0, "the output path exists and is not a directory — remove it "
                                  "or choose another")]
    strays = _files_not_written_by_us(out_dir)
    if strays:
        shown = ", ".join(strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
        return [error(out_dir, 0, f"the output directory holds files this generator did not "
                                  f"write ({shown}) — move them (into static/ if they belong in "
                                  "the site), or choose another output directory")]
    return []


def _files_not_written_by_us(out_dir: Path) -> list[str]:
    present = sorted(str(p.relative_to(out_dir).as_posix())
                     for p in out_dir.rglob("*") if not p.is_dir() or p.is_symlink())
    if not present:
        return []
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        written = set(manifest["files"]) if manifest.get("format") == _MANIFEST_FORMAT else set()
    except (OSError, ValueError, KeyError, TypeError):
        written = set()
    return [p for p in present if p not in written and p != MANIFEST]


def collect_static(static_dir: Path, site_root: Path) -> dict[PurePosixPath, Path]:
    """Static files to copy, as {output path: source path}; links leaving the site are refused."""
    if not static_dir.is_dir():
        return {}
    root = site_root.resolve()
    found: dict[PurePosixPath, Path] = {}
    problems = []
    for path in sorted(static_dir.rglob("*")):
        rel = path.relative_to(static_dir)
        if any(part.startswith(".") for part in rel.parts) or path.is_dir():
            continue
        if not path.resolve().is_relative_to(root):
            problems.append(error(path, 0, "this link points outside the site — copy the file "
                                           "into static/ instead"))
            continue
        found[PurePosixPath("static", *rel.parts)] = path
    if problems:
        raise SiteError(problems)
    return found


def write_site(pages: dict[PurePosixPath, bytes], static: dict[PurePosixPath, Path],
               out_dir: Path) -> int:
    """Write the whole site to a fresh directory, then swap it in. Returns files written."""
    clash = sorted(str(p) for p in pages.keys() & static.keys())
    if clash:
        raise SiteError([error(static[PurePosixPath(clash[0])], 0,
                               f"static file {clash[0]} would overwrite a generated page — "
                               "rename it")])
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        for out_path, data in pages.items():
            _write_file(staging / out_path, data)
        for out_path, src_path in static.items():
            _write_file(staging / out_path, src_path.read_bytes())
        files = sorted(str(p) for p in [*pages, *static])
        manifest = {"format": _MANIFEST_FORMAT, "files": files}
        _write_file(staging / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=0,
                                                   sort_keys=True).encode("utf-8"))
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(pages) + len(static)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, 0o644)  # mkstemp-style private modes would hide the site from web servers


def _swap_in(staging: Path, out_dir: Path) -> None:
    os.chmod(staging, 0o755)
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    os.rename(out_dir, retired)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(retired, out_dir)
        raise
    shutil.rmtree(retired)
