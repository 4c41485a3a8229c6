"""Which pages the site has, what each one shows, and a digest of exactly that.

Each template is given only the values its plan names (plus the site-wide `config` and
`nav`), so the digest of those values says whether the page can change: an incremental
build re-renders a page only when its inputs, its templates or the site settings did.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from .. import urls
from ..source.content import Page, Report
from .site import Group, ReportCard, ReportEntry, Site

# Navigation shown on every page: (output path, section key, label).
_NAV = ((urls.HOME, "home", "首页"), (urls.ARCHIVE, "archive", "档案"),
        (urls.TAGS, "tags", "标签"), (urls.REGIONS, "regions", "地区"),
        (urls.WORLD_IP_DAY, "world-ip-day", "世界知识产权日"))


@dataclass(frozen=True)
class GroupKind:
    """Tags, regions and years share their templates; this says which one a page lists."""

    section: str
    label: str
    index_path: PurePosixPath


TAG = GroupKind("tags", "标签", urls.TAGS)
REGION = GroupKind("regions", "地区", urls.REGIONS)
YEAR = GroupKind("archive", "档案", urls.ARCHIVE)

# Outputs written by code rather than by a template (see feeds.py); the name stands in
# for a template's.
FEED = "@atom"
SITEMAP = "@sitemap"
ROBOTS = "@robots"
REPORTS_JSON = "@reports-json"
# ... and by downloads.py and oai.py.
RIS = "@ris"
BIBTEX = "@bibtex"
CSL_JSON = "@csl-json"
REPORTS_CSV = "@reports-csv"
DATAPACKAGE = "@datapackage"
OAI = "@oai"
CITATIONS = dict(zip(urls.CITATION_FORMATS, (RIS, BIBTEX, CSL_JSON), strict=True))
FEED_ENTRIES = 50


@dataclass(frozen=True)
class Pager:
    """Where one page of a long list stands among its pages."""

    number: int  # from 1
    paths: tuple[PurePosixPath, ...]  # every page of the list, first to last

    @property
    def count(self) -> int:
        return len(self.paths)

    @property
    def previous(self) -> PurePosixPath | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> PurePosixPath | None:
        return self.paths[self.number] if self.number < len(self.paths) else None

    def window(self, around: int = 2) -> tuple[int | None, ...]:
        """Page numbers to show as links: the first, the last, and those near this one;
        None where numbers are left out."""
        shown = sorted({1, self.count, *range(max(1, self.number - around),
                                              min(self.count, self.number + around) + 1)})
        out: list[int | None] = []
        for number in shown:
            if out and number - out[-1] > 1:
                out.append(None)
            out.append(number)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class PagePlan:
    out_path: PurePosixPath
    template: str
    section: str
    values: tuple[tuple[str, object], ...]  # what the template is given, by name
    inputs: str  # digest of everything in `values`
    body_of: Report | Page | None = None  # whose Markdown the page shows, rendered later


def navigation(site: Site) -> tuple[tuple[PurePosixPath, str, str], ...]:
    """The menu: the site's sections as its settings have them, and 关于 if there is one."""
    config = site.config
    menu = tuple((path, key, config.world_ip_day_label if key == "world-ip-day" else label)
                 for path, key, label in _NAV
                 if key != "world-ip-day" or config.world_ip_day_index)
    about = site.page("about")
    return menu + (((about.out_path, "about", "关于"),) if about else ())


def plan_pages(site: Site) -> tuple[PagePlan, ...]:
    memo: dict[int, bytes] = {}  # digests of values many pages share, such as link lists

    def _plan(*args, **kwargs) -> PagePlan:
        return _make_plan(*args, memo=memo, **kwargs)

    size = site.config.page_size
    plans = [
        _plan(urls.HOME, "home.html", "home",
              latest=site.cards[:size], total=len(site.reports)),
        _plan(urls.ARCHIVE, "archive.html", "archive", total=len(site.reports),
              years=tuple((year.name, year.out_path, year.anchor, len(year.reports),
                           year.reports[:size]) for year in site.years)),
        _plan(urls.NOT_FOUND, "404.html", ""),
        # Whether search is in the build is a setting, which every page's key covers.
        _plan(urls.SEARCH, "search.html", "search"),
    ]
    if site.config.world_ip_day_index:
        plans.insert(2, _plan(urls.WORLD_IP_DAY, "world_ip_day.html", "world-ip-day",
                              groups=site.world_ip_day))
    has_world_ip_day = bool(site.world_ip_day) and site.config.world_ip_day_index
    for report_entry in site.reports:
        plans.append(report_plan(report_entry, has_world_ip_day, memo))
        # The citations show the card's fields alone: a body edit leaves them as they are.
        plans += [_plan(urls.citation_path(report_entry.card.slug, extension), writer, "",
                        card=report_entry.card)
                  for extension, writer in CITATIONS.items()]
    for kind, groups in ((TAG, site.tags), (REGION, site.regions)):
        plans.append(_plan(kind.index_path, "group_index.html", kind.section, kind=kind,
                           groups=tuple((g.name, g.out_path, len(g.reports)) for g in groups)))
    for kind, groups in ((YEAR, site.years), (TAG, site.tags), (REGION, site.regions)):
        for group in groups:
            plans += _paged(_plan, group, kind, size)
    for entry in site.pages:
        plans.append(_plan(entry.out_path, "page.html", entry.page.slug, body_of=entry.page,
                           page=entry.page, links=entry.links))
    plans.append(_plan(urls.DATA, "data.html", "data", columns=downloads_columns(),
                       has_oai=has_oai(site.config)))
    plans += _machine_readable(_plan, site, plans)
    return tuple(plans)


def has_oai(config) -> bool:
    """Whether the build writes the OAI-PMH static repository (it needs both settings)."""
    return bool(config.base_url and config.contact_email)


def downloads_columns() -> tuple[tuple[str, str, str], ...]:
    from .downloads import COLUMNS  # downloads.py names this module's writers

    return COLUMNS


def report_plan(entry: ReportEntry, has_world_ip_day: bool,
                memo: dict[int, bytes] | None = None) -> PagePlan:
    """A report's page. Also planned on its own, by a rebuild after edits to report bodies
    alone (delta.py), which must give the same plan as the whole site's planning."""
    return _make_plan(entry.out_path, "report.html", "archive",
                      memo={} if memo is None else memo, body_of=entry.report,
                      report=entry.report, card=entry.card,
                      related_links=entry.related_links, has_world_ip_day=has_world_ip_day,
                      newer=entry.newer, older=entry.older, related=entry.related,
                      year=(entry.year_name, entry.year_path), links=entry.links)


def _paged(_plan, group: Group, kind: GroupKind, size: int) -> list[PagePlan]:
    count = max(1, -(-len(group.reports) // size))
    paths = tuple(urls.numbered_path(group.out_path, n) for n in range(1, count + 1))
    return [_plan(path, "group.html", kind.section, kind=kind, name=group.name,
                  first_page=group.out_path, total=len(group.reports),
                  cards=group.reports[(n - 1) * size: n * size], pager=Pager(n, paths))
            for n, path in enumerate(paths, start=1)]


def _machine_readable(_plan, site: Site, pages: list[PagePlan]) -> list[PagePlan]:
    """The feed, the sitemap, robots.txt, reports.json and .csv, datapackage.json and
    oai.xml. Without a base_url there are no absolute URLs to give, so the feed, the
    sitemap and oai.xml are left out, as oai.xml is without a contact_email (pipeline.py
    says so)."""
    reports = tuple(entry.report for entry in site.reports)
    plans = [_plan(urls.REPORTS_JSON, REPORTS_JSON, "", reports=reports),
             _plan(urls.REPORTS_CSV, REPORTS_CSV, "", reports=reports),
             _plan(urls.DATAPACKAGE, DATAPACKAGE, ""),
             _plan(urls.ROBOTS, ROBOTS, "")]
    if has_oai(site.config):
        plans.append(_plan(urls.OAI, OAI, "", reports=reports))
    if site.config.base_url:
        html_pages = tuple(sorted(str(p.out_path) for p in pages
                                  if p.out_path != urls.NOT_FOUND
                                  and p.out_path.suffix == ".html"))
        plans.append(_plan(urls.SITEMAP, SITEMAP, "", pages=html_pages))
        plans.append(_plan(urls.FEED, FEED, "",
                           entries=tuple(site.cards[:FEED_ENTRIES])))
    return plans


def _make_plan(out_path: PurePosixPath, template: str, section: str, *, memo: dict,
               body_of: Report | Page | None = None, **values: object) -> PagePlan:
    items = tuple(sorted(values.items()))
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{out_path}\x1f{template}\x1f{section}".encode())
    for name, value in items:
        digest.update(_name_bytes(name))
        _feed(digest, value, memo)
    return PagePlan(out_path, template, section, items, digest.hexdigest(), body_of)


@functools.cache
def _name_bytes(name: str) -> bytes:
    return f"\x1d{name}\x1f".encode()


# Values fed by their repr. Checked by exact type first: planning feeds a quarter of a
# million values, and most are one of these, a card or a tuple of cards.
_BY_REPR = frozenset({str, int, bool, type(None), PurePosixPath})


def _feed(digest, value: object, memo: dict[int, bytes]) -> None:
    """Add a value to a digest; reports and pages by their file digest, cards by theirs."""
    kind = type(value)
    if type(value) is ReportCard:  # not `kind is`: mypy narrows only this form
        digest.update(b"C" + value.digest.encode())
    elif kind in _BY_REPR:
        digest.update(b"V" + repr(value).encode() + b"\x1f")
    elif isinstance(value, ReportCard):
        digest.update(b"C" + value.digest.encode())
    elif isinstance(value, (Report, Page)):
        digest.update(b"R" + value.digest.encode() + str(value.src_path).encode())
    elif isinstance(value, (tuple, list)):
        # A tuple shared by many pages (the same object) is digested once. The memo lives
        # for one planning only, while every value it has seen is still alive.
        part = memo.get(id(value)) if isinstance(value, tuple) else None
        if part is None:
            inner = hashlib.blake2b(digest_size=16)
            for item in value:
                if type(item) is ReportCard:  # most items are; saves a call for each
                    inner.update(b"C" + item.digest.encode())
                else:
                    _feed(inner, item, memo)
            part = b"(%d:" % len(value) + inner.digest()
            if isinstance(value, tuple):
                memo[id(value)] = part
        digest.update(part)
    elif hasattr(value, "__dataclass_fields__"):
        digest.update(type(value).__name__.encode())
        for name in value.__dataclass_fields__:
            _feed(digest, getattr(value, name), memo)
    else:  # str, int, bool, None, paths, dates' parts
        digest.update(b"V" + repr(value).encode() + b"\x1f")
