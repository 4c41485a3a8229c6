"""Checks across files: every slug unique, every output path claimed by one source."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .. import urls
from ..errors import Problem, error
from .content import Content, Page, Report


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
    for report in reports:
        by_slug[report.slug].append(report)
    problems = []
    # Only repeated slugs are sorted: sorting all 100,000 reports was most of this check.
    for slug in sorted(slug for slug, same in by_slug.items() if len(same) > 1):
        first, *others = sorted(by_slug[slug], key=_path_text)
        for other in others:
            problems.append(error(
                other.src_path, other.line_of("slug"),
                f"slug {slug!r} is also used by {first.src_path}:{first.line_of('slug')} — "
                "give each report its own slug"))
    return problems


def _path_text(source: Report | Page) -> str:
    return str(source.src_path)


def _check_page_slugs(pages: tuple[Page, ...]) -> list[Problem]:
    return [error(p.src_path, 1, f"the page slug {p.slug!r} is taken by the site's own pages — "
                                 "choose another slug")
            for p in pages if p.slug in urls.RESERVED]


def _check_output_paths(content: Content) -> list[Problem]:
    """Two writers must never write one file, even where paths differ only in letter case
    (they would overwrite each other on Windows and macOS disks)."""
    # Each claim is (output path, who: a text or a (label, name, source paths) group,
    # the source to blame). Groups are spelled out, and claims sorted, only where two
    # writers meet: doing it for every tag of 100,000 reports made this check superlinear.
    writers: dict[str, list[tuple]] = defaultdict(list)

    def claim(out_path, who, src_path: Path | None) -> None:
        out_path = str(out_path)
        writers[out_path.casefold()].append((out_path, who, src_path))

    for fixed in urls.FIXED:  # so that a tag named "index" cannot replace the tag index
        claim(fixed, "the site's own page", None)
    # A repeated slug is reported once, by _check_report_slugs; its first file claims.
    first_by_slug: dict[str, Report] = {}
    for report in content.reports:
        first = first_by_slug.get(report.slug)
        if first is None or _path_text(report) < _path_text(first):
            first_by_slug[report.slug] = report
    for report in first_by_slug.values():
        claim(f"reports/{report.slug}.html", str(report.src_path), report.src_path)
    for page in content.pages:
        claim(urls.page_path(page.slug), str(page.src_path), page.src_path)
    # A tag or region page is one writer, however many reports share it.
    for label, path_of, names_of in (("tag", urls.tag_path, lambda r: r.tags),
                                     ("region", urls.region_path,
                                      lambda r: (r.region,) if r.region else ())):
        users: dict[str, list[Path]] = defaultdict(list)
        for report in content.reports:
            for name in names_of(report):
                users[name].append(report.src_path)
        for name, paths in users.items():
            claim(path_of(name), (label, name, paths), None)
    problems = []
    for key in sorted(key for key, claims in writers.items() if len(claims) > 1):
        claims = sorted(((out, _writer(who), _blamed(who, src))
                         for out, who, src in writers[key]), key=lambda c: c[:2])
        listed = "; ".join(f"{out} by {who}" for out, who, _ in claims)
        blamed = min((src for _, _, src in claims if src is not None), key=str)
        problems.append(error(blamed, 0, f"several sources would write one output file: "
                                         f"{listed} — rename one of them"))
    return problems


def _writer(who) -> str:
    if isinstance(who, str):
        return who
    label, name, paths = who
    return f"{label} {name!r} of {', '.join(sorted(map(str, paths)))}"


def _blamed(who, src_path: Path | None) -> Path | None:
    return min(who[2], key=str) if isinstance(who, tuple) else src_path
