"""Render page plans to bytes with Jinja: autoescaped, strict, and pure."""
from __future__ import annotations

import hashlib
import traceback
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import jinja2
import jinja2.meta

from .. import urls
from ..errors import Problem, error
from ..source.settings import SiteConfig
from . import citation, downloads, feeds, links, oai, theme
from .markup import Rendered
from .plan import PagePlan

# Outputs written by code rather than by a template, by the name their plans give.
WRITERS = {**feeds.WRITERS, **downloads.WRITERS, **oai.WRITERS}


class TemplateProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem)  # as the only argument, so it survives pickling
        self.problem = problem


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Templates from the site's `templates_dir`, then from the built-in theme."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(templates_dir), str(theme.TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build is one process reading templates that do not change under it; without
        # this, every page stats its template and each one it extends or imports.
        auto_reload=False,
    )
    env.globals["href"] = _href
    env.globals["absolute_url"] = urls.absolute_url
    env.globals["paths"] = urls
    env.globals["cite"] = citation.cite
    env.globals["highwire_date"] = citation.highwire_date
    return env


@jinja2.pass_context
def _href(context, target, anchor: str = "") -> str:
    """Relative URL from the page being rendered to an output path or anything with one."""
    return _linker(context["page_path"], context["config"].base_url)(target, anchor)


def _linker(page_path: PurePosixPath, base_url: str | None):
    """`href` for one page. Each page is given its own, bound to where it lives, which
    saves every link (tens a page) looking the page up in the template's context."""
    if page_path == urls.NOT_FOUND and base_url:
        # Servers show the 404 page at any depth, where relative links would lead astray.
        def absolute_href(target, anchor: str = "") -> str:
            to_path = target if isinstance(target, PurePosixPath) else target.out_path
            return urls.absolute_url(base_url, to_path) + (f"#{quote(anchor, safe='')}"
                                                           if anchor else "")
        return absolute_href

    def href(target, anchor: str = "") -> str:
        return urls.relative_url(page_path, target if isinstance(target, PurePosixPath)
                                 else target.out_path, anchor)
    return href


class Renderer:
    """Renders one page at a time; the same plan and body always give the same bytes."""

    def __init__(self, templates_dir: Path, config: SiteConfig, nav: tuple):
        self.templates_dir = templates_dir
        self.env = make_environment(templates_dir)
        self.common = {"config": config, "nav": nav}
        self.base_url = config.base_url

    def render(self, plan: PagePlan, body: Rendered | None) -> bytes:
        writer = WRITERS.get(plan.template)
        if writer is not None:
            return writer(self.common["config"], **dict(plan.values))
        values = dict(plan.values)
        if body is not None:  # its links to other reports and files, from this page
            found = values.pop("links", ())
            assert isinstance(found, tuple)
            body = Rendered(links.resolve(body.html, found), body.headings)
        try:
            template = self.env.get_template(plan.template)
            html = template.render(self.common, page_path=plan.out_path, section=plan.section,
                                   body=body, href=_linker(plan.out_path, self.base_url),
                                   **values)
        except Exception as exc:  # a template bug of any kind is reported at its template line
            raise TemplateProblem(_template_problem(exc, self.templates_dir, plan)) from None
        return html.encode("utf-8")

    def template_digests(self, names: set[str]) -> dict[str, str]:
        """For each template, a digest of its source and of every template it pulls in, so
        that a change to base.html re-renders every page and one to group.html only those."""
        templates: dict[str, tuple[str, list[str]]] = {}  # name -> (source, what it pulls in)
        problems = []
        # Outputs written by code depend on the generator's code alone, which every
        # output's key already covers.
        names = {name for name in names if name not in WRITERS}
        for name in sorted(names):
            try:
                self._collect(name, templates)
            except jinja2.TemplateError as exc:
                problems.append(_template_problem(exc, self.templates_dir, None, name))
        if problems:
            raise TemplateProblem(problems[0])
        digests = {name: _closure_digest(name, templates) for name in names}
        digests.update((name, name) for name in WRITERS)
        return digests

    def _collect(self, name: str, templates: dict[str, tuple[str, list[str]]]) -> None:
        if name in templates:
            return
        assert self.env.loader is not None  # make_environment gives it one
        source, _, _ = self.env.loader.get_source(self.env, name)
        # A name computed at run time cannot be followed; None stands for it.
        children = [c for c in jinja2.meta.find_referenced_templates(self.env.parse(source))
                    if c is not None]
        templates[name] = (source, children)
        for child in children:
            self._collect(child, templates)


def _closure_digest(name: str, templates: dict[str, tuple[str, list[str]]]) -> str:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += templates[current][1]
    digest = hashlib.blake2b(digest_size=16)
    for current in sorted(seen):
        digest.update(f"{current}\x1f{templates[current][0]}\x1e".encode())
    return digest.hexdigest()


def _template_problem(exc: Exception, templates_dir: Path, plan: PagePlan | None,
                      name: str | None = None) -> Problem:
    if not name:
        assert plan is not None  # called with a plan or a template name
        name = plan.template
    if isinstance(exc, jinja2.TemplateNotFound):
        return error(templates_dir / name, 0, f"template {exc.name!r} not found, neither in "
                                              f"{templates_dir} nor in the built-in theme "
                                              f"({theme.TEMPLATES}) — add it to {templates_dir}")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(Path(exc.filename or templates_dir / name), exc.lineno or 0,
                     f"template syntax: {exc.message}")
    # Jinja maps runtime errors onto template lines in the traceback; report the innermost.
    path, line = templates_dir / name, 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith((str(templates_dir), str(theme.TEMPLATES))):
            path, line = Path(filename), lineno
    what = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    where = f" (while rendering {plan.out_path})" if plan else ""
    return error(path, line, f"{what}{where} — fix the template")


def merge_template_problems(problems: list[Problem]) -> list[Problem]:
    """One message per template mistake, not one per page it broke."""
    merged: dict[tuple, list[str]] = {}
    for problem in problems:
        what, _, rest = problem.message.partition(" (while rendering ")
        page = rest.partition(")")[0]
        merged.setdefault((problem.path, problem.line, what), []).append(page)
    out = []
    for (path, line, what), pages in sorted(merged.items()):
        others = f" and {len(pages) - 1} other pages" if len(pages) > 1 else ""
        out.append(error(path, line, f"{what} (while rendering {min(pages)}{others}) — fix "
                                     "the template"))
    return out
