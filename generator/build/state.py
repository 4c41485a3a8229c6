"""A build's state, frozen: what it is asked to do, what it knows before it reads a source,
what it gives back, and what it leaves for the next build besides the cache's tables.

The next build reads `LastBuild` to tell at once that nothing changed (`inputs`), to
repeat the warnings of files it does not parse again, and to take the short path for
body edits (`BodyEditFrame`: what every report page shows that a body edit cannot change).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..errors import Problem
from ..source.settings import CONFIG_NAME, SiteConfig
from .workers import default_jobs

if TYPE_CHECKING:
    from .cache import BuildCache, Present

# (done so far, to do, what: "sources" parsed or "pages" rendered)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked to do besides which site to build where."""

    drafts: bool = False  # include reports and pages marked `draft: true`
    jobs: int | None = None  # worker processes; None: one per core
    use_cache: bool = True  # False: ignore the build cache and render every page
    search: bool = True  # False: leave the search index out, as `search: false` does
    on_progress: Progress | None = None
    on_wait: Callable[[str], None] | None = None  # told once when another build holds the output


@dataclass(frozen=True)
class BuildResult:
    pages: int  # pages in the site
    files: int  # files in the site, static ones included
    written: int  # files written by this build
    reused: int  # files carried over unchanged from the previous build
    seconds: float
    warnings: tuple[Problem, ...]
    out_dir: Path


@dataclass(frozen=True)
class Setup:
    """What a build knows before it reads a source."""

    site_root: Path
    out_dir: Path
    options: BuildOptions
    config: SiteConfig
    build_key: str  # what every output depends on: generator, settings, output folder
    present: Present  # the output folder's files now
    inodes: dict[str, int]  # their inodes, by output path
    cache: BuildCache
    started: float  # time.perf_counter() when the build began

    @property
    def jobs(self) -> int:
        return self.options.jobs or default_jobs()

    @property
    def settings_path(self) -> Path:
        return self.site_root / CONFIG_NAME

# (output path of a menu entry, its section, its label), as pages.plan.navigation gives
NavEntry = tuple[PurePosixPath, str, str]


@dataclass(frozen=True)
class BodyEditFrame:
    """What the last full build knew that a build after body edits alone may reuse."""

    frame: str  # digest of every input but the reports' bytes (build.inputs.Inputs.frame)
    reports_json_path: str
    reports_json_key: str  # the key reports.json was written with
    has_world_ip_day: bool
    report_template: str  # digest of report.html and all it pulls in
    navigation: tuple[NavEntry, ...]

    def to_dict(self) -> dict:
        return {"frame": self.frame, "reports_json_path": self.reports_json_path,
                "reports_json_key": self.reports_json_key,
                "has_world_ip_day": self.has_world_ip_day,
                "report_template": self.report_template,
                "navigation": [[str(path), section, label]
                               for path, section, label in self.navigation]}

    @classmethod
    def from_dict(cls, data: dict) -> BodyEditFrame:
        return cls(_text(data["frame"]), _text(data["reports_json_path"]),
                   _text(data["reports_json_key"]), bool(data["has_world_ip_day"]),
                   _text(data["report_template"]),
                   tuple((PurePosixPath(_text(path)), _text(section), _text(label))
                         for path, section, label in data["navigation"]))


@dataclass(frozen=True)
class LastBuild:
    """A successful build as the next one needs to know it."""

    inputs: str = ""  # digest of every input read, with the switches that change output
    pages: int = 0  # pages a reader sees
    warnings: tuple[Problem, ...] = ()  # of the sources, the settings and the search index
    search_warnings: tuple[str, ...] = ()  # the search index's, as messages
    body_edits: BodyEditFrame | None = None  # None: the short path cannot be taken

    def to_json(self) -> str:
        data: dict = {"inputs": self.inputs, "pages": self.pages,
                      "warnings": [[str(p.path), p.line, p.message] for p in self.warnings],
                      "search_warnings": list(self.search_warnings)}
        if self.body_edits is not None:
            data["delta"] = self.body_edits.to_dict()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LastBuild:
        """Raises ValueError (or KeyError, TypeError) if the text is damaged."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a damaged summary of the last build")
        if not data:
            return cls()
        frame = data.get("delta")
        return cls(_text(data["inputs"]), int(data["pages"]),
                   tuple(Problem(Path(_text(path)), int(line), _text(message), warning=True)
                         for path, line, message in data["warnings"]),
                   tuple(_text(m) for m in data.get("search_warnings", [])),
                   None if frame is None else BodyEditFrame.from_dict(frame))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not text: {value!r}")
    return value
