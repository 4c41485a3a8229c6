"""Render the site model to bytes with Jinja: autoescaped, strict, and pure."""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import jinja2

from . import urls
from .errors import Problem, SiteError, error
from .site import Site

# Pages every site has: (output path, template, section of the navigation it belongs to).
_FIXED_PAGES = (
    (urls.HOME, "home.html", "home"),
    (urls.ARCHIVE, "archive.html", "archive"),
    (urls.WORLD_IP_DAY, "world_ip_day.html", "world-ip-day"),
    (urls.NOT_FOUND, "404.html", ""),
)


@dataclass(frozen=True)
class GroupKind:
    """Tags and regions share their templates; this says which of the two a page lists."""

    section: str
    label: str
    index_path: PurePosixPath


TAG = GroupKind("tags", "标签", urls.TAGS)
REGION = GroupKind("regions", "地区", urls.REGIONS)


def make_environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["href"] = _href
    env.globals["absolute_url"] = urls.absolute_url
    env.globals["paths"] = urls
    return env


@jinja2.pass_context
def _href(context, target, anchor: str = "") -> str:
    """Relative URL from the page being rendered to an output path or an entry with one."""
    to_path = target if isinstance(target, PurePosixPath) else target.out_path
    return urls.relative_url(context["page_path"], to_path, anchor)


def render_site(site: Site, templates_dir: Path) -> dict[PurePosixPath, bytes]:
    """Every page of the site as {output path: bytes}; raises SiteError on template errors."""
    env = make_environment(templates_dir)
    jobs = [(path, name, section, {}) for path, name, section in _FIXED_PAGES]
    jobs += [(e.out_path, "report.html", "archive", {"entry": e}) for e in site.reports]
    for kind, groups in ((TAG, site.tags), (REGION, site.regions)):
        jobs.append((kind.index_path, "group_index.html", kind.section,
                     {"kind": kind, "groups": groups}))
        jobs += [(g.out_path, "group.html", kind.section, {"kind": kind, "group": g})
                 for g in groups]
    jobs += [(p.out_path, "page.html", p.page.slug, {"entry": p}) for p in site.pages]
    outputs: dict[PurePosixPath, bytes] = {}
    problems: list[Problem] = []
    for out_path, name, section, extra in jobs:
        try:
            template = env.get_template(name)
            html = template.render(site=site, config=site.config, page_path=out_path,
                                   section=section, **extra)
        except Exception as exc:  # a template bug of any kind is reported at its template line
            problems.append(_template_problem(exc, templates_dir, name, out_path))
            continue
        outputs[out_path] = html.encode("utf-8")
    if problems:
        raise SiteError(sorted(set(problems)))
    return outputs


def _template_problem(exc: Exception, templates_dir: Path, name: str,
                      out_path: PurePosixPath) -> Problem:
    if isinstance(exc, jinja2.TemplateNotFound):
        return error(templates_dir / name, 0, f"template {exc.name!r} not found — every site "
                                              f"needs it in {templates_dir}")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(Path(exc.filename or templates_dir / name), exc.lineno or 0,
                     f"template syntax: {exc.message}")
    # Jinja maps runtime errors onto template lines in the traceback; report the innermost.
    path, line = templates_dir / name, 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith(str(templates_dir)):
            path, line = Path(filename), lineno
    what = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    return error(path, line, f"{what} (while rendering {out_path}) — fix the template")
