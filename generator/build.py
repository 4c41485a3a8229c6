"""The build, start to end: load → validate → model → render → write."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .content import load_content
from .errors import Problem, raise_if_errors
from .markup import render_markdown
from .render import render_site
from .site import build_site
from .validate import published, validate_content
from .writer import check_output_dir, collect_static, write_site


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]
    out_dir: Path


def build(site_root: Path, out_dir: Path | None = None, *, drafts: bool = False) -> BuildResult:
    """Build the site at `site_root` into `out_dir` (default: public/ under the site root).

    Raises SiteError with every problem found; the previous output is then untouched.
    """
    started = time.perf_counter()
    out_dir = out_dir if out_dir is not None else site_root / "public"

    config, problems = load_config(site_root)
    content, content_problems = load_content(site_root)
    content = published(content, drafts)
    problems += content_problems + validate_content(content)
    problems += check_output_dir(site_root, out_dir)
    raise_if_errors(problems)

    bodies = {source.src_path: render_markdown(source.body,
                                               allow_raw_html=config.allow_raw_html)
              for source in (*content.reports, *content.pages)}
    site = build_site(config, content, bodies)

    pages = render_site(site, site_root / "templates")
    files = write_site(pages, collect_static(site_root / "static", site_root), out_dir)
    return BuildResult(len(pages), files, time.perf_counter() - started,
                       tuple(p for p in problems if p.warning), out_dir)
