"""Checks across files: every slug unique, every output path claimed by one source."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from . import urls
from .content import Content, Page, Report
from .errors import Problem, error


def published(content: Content, include_drafts: bool) -> Content:
    """The content a build publishes: drafts only when asked for."""
    return Content(tuple(r for r in content.reports if include_drafts or not r.draft),
                   tuple(p for p in content.pages if include_drafts or not p.draft),
                   content.links)


def validate_content(content: Content) -> list[Problem]:
    return (_check_report_slugs(content.reports) + _check_page_slugs(content.pages)
            + _check_output_paths(content))


def _check_report_slugs(reports: tuple[Report, ...]) -> list[Problem]:
    by_slug: dict[str, list[Report]] = defaultdict(list)
    for report in sorted(reports, key=lambda r: r.src_path):
        by_slug[report.slug].append(report)
    problems = []
    for slug, same in sorted(by_slug.items()):
        first = same[0]
        for other in same[1:]:
            problems.append(error(
                other.src_path, other.line_of("slug"),
                f"slug {slug!r} is also used by {first.src_path}:{first.line_of('slug')} — "
                "give each report its own slug"))
    return problems


def _check_page_slugs(pages: tuple[Page, ...]) -> list[Problem]:
    return [error(p.src_path, 1, f"the page slug {p.slug!r} is taken by the site's own pages — "
                                 "choose another slug")
            for p in pages if p.slug in urls.RESERVED]


def _check_output_paths(content: Content) -> list[Problem]:
    """Two sources must never write one file, even where paths differ only in letter case
    (they would overwrite each other on Windows and macOS disks)."""
    claims: dict[str, dict[str, set[Path]]] = defaultdict(lambda: defaultdict(set))
    for report in content.reports:
        claims[str(urls.report_path(report.slug)).casefold()][
            str(urls.report_path(report.slug))].add(report.src_path)
        for tag in report.tags:
            claims[str(urls.tag_path(tag)).casefold()][str(urls.tag_path(tag))].add(
                report.src_path)
        if report.region:
            path = str(urls.region_path(report.region))
            claims[path.casefold()][path].add(report.src_path)
    for page in content.pages:
        path = str(urls.page_path(page.slug))
        claims[path.casefold()][path].add(page.src_path)
    problems = []
    for _, spellings in sorted(claims.items()):
        if len(spellings) > 1:  # the same spelling from many reports is one shared page
            listed = "; ".join(f"{out} from {', '.join(sorted(map(str, sources)))}"
                               for out, sources in sorted(spellings.items()))
            first = min(min(sources) for sources in spellings.values())
            problems.append(error(first, 0, f"output paths differ only in letter case: {listed}"
                                            " — spell them the same way or rename one"))
    return problems
