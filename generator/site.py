"""Assemble the site model: sort, group, place every page, and build the links index."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import urls
from .config import SiteConfig
from .content import Content, Link, Page, Report, Source
from .markup import Heading, Rendered

WORLD_IP_DAY = "世界知识产权日"
# The World IP Day index groups its links by what they are; the first group that matches wins.
WORLD_IP_DAY_GROUPS = (("活动方案", "活动方案"), ("其他", ""))
UNKNOWN_YEAR = "年份不详"


@dataclass(frozen=True)
class ReportEntry:
    """A report placed in the site, with its body rendered and its related reading."""

    report: Report
    out_path: PurePosixPath
    body_html: str
    headings: tuple[Heading, ...]
    related_links: tuple[Link, ...]


@dataclass(frozen=True)
class PageEntry:
    page: Page
    out_path: PurePosixPath
    body_html: str


@dataclass(frozen=True)
class Group:
    """Reports sharing a tag, a region or a year, newest first."""

    name: str
    out_path: PurePosixPath | None
    anchor: str
    reports: tuple[ReportEntry, ...]


@dataclass(frozen=True)
class IndexedLink:
    """A link in the World IP Day index; `report` is set when the archive holds its text."""

    link: Link
    report: ReportEntry | None


@dataclass(frozen=True)
class LinkGroup:
    name: str
    links: tuple[IndexedLink, ...]


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    reports: tuple[ReportEntry, ...]
    pages: tuple[PageEntry, ...]
    tags: tuple[Group, ...]
    regions: tuple[Group, ...]
    years: tuple[Group, ...]
    world_ip_day: tuple[LinkGroup, ...]

    @property
    def latest(self) -> tuple[ReportEntry, ...]:
        return self.reports[: self.config.page_size]

    def page(self, slug: str) -> PageEntry | None:
        return next((p for p in self.pages if p.page.slug == slug), None)


def build_site(config: SiteConfig, content: Content, bodies: dict[Path, Rendered]) -> Site:
    """The whole model from validated content; `bodies` maps each source path to its HTML."""
    reports = sorted(content.reports, key=lambda r: (r.date.newest_first, r.slug))
    pages = sorted(content.pages, key=lambda p: p.slug)

    entries = tuple(
        ReportEntry(r, urls.report_path(r.slug), bodies[r.src_path].html,
                    bodies[r.src_path].headings, _related_links(r, content.links))
        for r in reports)
    page_entries = tuple(PageEntry(p, urls.page_path(p.slug), bodies[p.src_path].html)
                         for p in pages)
    site = Site(
        config=config,
        reports=entries,
        pages=page_entries,
        tags=_group_by(entries, lambda r: r.tags, urls.tag_path),
        regions=_group_by(entries, lambda r: (r.region,) if r.region else (), urls.region_path),
        years=_group_years(entries),
        world_ip_day=_world_ip_day_index(content.links, entries),
    )
    return site


def _group_by(entries, keys_of, path_of) -> tuple[Group, ...]:
    grouped: dict[str, list[ReportEntry]] = defaultdict(list)
    for entry in entries:
        for key in keys_of(entry.report):
            grouped[key].append(entry)
    ordered = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Group(name, path_of(name), name, tuple(members)) for name, members in ordered)


def _group_years(entries: tuple[ReportEntry, ...]) -> tuple[Group, ...]:
    grouped: dict[int | None, list[ReportEntry]] = defaultdict(list)
    for entry in entries:  # already newest first, unknown years last
        grouped[entry.report.date.year].append(entry)
    return tuple(
        Group(f"{year}年" if year else UNKNOWN_YEAR, None,
              f"y{year}" if year else "year-unknown", tuple(members))
        for year, members in grouped.items())


def _same_page(a: Source | None, b: Source | None) -> bool:
    return (a is not None and b is not None and a.page_title is not None
            and (a.site, a.page_title) == (b.site, b.page_title))


def _related_links(report: Report, links: tuple[Link, ...]) -> tuple[Link, ...]:
    """Titles the report's source page listed that the World IP Day index does not take."""
    return tuple(link for link in links
                 if WORLD_IP_DAY not in link.title and _same_page(link.source, report.source))


def _world_ip_day_index(links: tuple[Link, ...],
                        entries: tuple[ReportEntry, ...]) -> tuple[LinkGroup, ...]:
    by_title = {_normalise(e.report.title): e for e in entries}
    grouped: dict[str, list[IndexedLink]] = {name: [] for name, _ in WORLD_IP_DAY_GROUPS}
    seen = set()
    for link in links:
        if WORLD_IP_DAY not in link.title or (link.title, link.url) in seen:
            continue
        seen.add((link.title, link.url))
        group = next(name for name, word in WORLD_IP_DAY_GROUPS if word in link.title)
        grouped[group].append(IndexedLink(link, by_title.get(_normalise(link.title))))
    return tuple(LinkGroup(name, tuple(items)) for name, items in grouped.items() if items)


def _normalise(title: str) -> str:
    return "".join(title.split())
