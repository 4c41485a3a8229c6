"""Assemble the site model: sort, group, place every page, and build the links index."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .. import urls
from ..source.content import Content, Link, Page, Report, Source
from ..source.dates import PartialDate
from ..source.settings import SiteConfig

# The World IP Day index groups its entries by what they are: the first group whose words
# are all in the title wins (活动方案, and 关于开展…活动的方案 too).
WORLD_IP_DAY_GROUPS = (("活动方案", ("活动", "方案")), ("其他", ()))
UNKNOWN_YEAR = "年份不详"


@dataclass(frozen=True, slots=True)
class ReportCard:
    """What a list shows of a report. List pages are given cards, never whole reports, so
    a change to a report's body cannot leave a list page stale, nor needlessly rebuild it."""

    slug: str
    title: str
    date: PartialDate
    place: str | None
    region: str | None
    tags: tuple[str, ...]
    summary: str | None
    out_path: PurePosixPath
    digest: str = field(default="", compare=False)

    @classmethod
    def of(cls, report: Report) -> ReportCard:
        fields = (report.slug, report.title, report.date.iso, str(report.date.uncertain),
                  report.place or "", report.region or "", "\x1e".join(report.tags),
                  report.summary or "")
        digest = hashlib.blake2b("\x1f".join(fields).encode(), digest_size=16).hexdigest()
        return cls(report.slug, report.title, report.date, report.place, report.region,
                   report.tags, report.summary, urls.report_path(report.slug), digest)


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """A report placed in the site: its neighbours by date, the reports most like it, its
    year's page, and the related reading its source page listed."""

    report: Report
    card: ReportCard
    related_links: tuple[Link, ...]
    newer: ReportCard | None = None
    older: ReportCard | None = None
    related: tuple[ReportCard, ...] = ()
    year_name: str = ""
    year_path: PurePosixPath | None = None
    links: tuple[tuple[str, str], ...] = ()  # its body's links to the site's files (links.py)

    @property
    def out_path(self) -> PurePosixPath:
        return self.card.out_path


@dataclass(frozen=True)
class PageEntry:
    page: Page
    out_path: PurePosixPath
    links: tuple[tuple[str, str], ...] = ()  # its body's links to the site's files (links.py)


@dataclass(frozen=True, slots=True)
class Group:
    """Reports sharing a tag, a region or a year, newest first."""

    name: str
    out_path: PurePosixPath  # the group's first page
    anchor: str
    reports: tuple[ReportCard, ...]


@dataclass(frozen=True)
class IndexedLink:
    """An entry of the World IP Day index: a report of the archive, a title from the links
    file, or both when they are one item (then it links to the report)."""

    link: Link | None
    report: ReportCard | None

    @property
    def title(self) -> str:
        if self.report is not None:
            return self.report.title
        assert self.link is not None  # an entry is a report, a link or both
        return self.link.title


@dataclass(frozen=True)
class LinkYear:
    """The entries of one year in a group of the index: `年份不详` for a report whose year
    is unknown and for every title the archive does not hold."""

    name: str
    links: tuple[IndexedLink, ...]


@dataclass(frozen=True)
class LinkGroup:
    name: str
    years: tuple[LinkYear, ...]  # newest first, 年份不详 last

    @property
    def links(self) -> tuple[IndexedLink, ...]:
        return tuple(item for year in self.years for item in year.links)


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    reports: tuple[ReportEntry, ...]  # newest first
    pages: tuple[PageEntry, ...]
    tags: tuple[Group, ...]
    regions: tuple[Group, ...]
    years: tuple[Group, ...]
    world_ip_day: tuple[LinkGroup, ...]

    @property
    def cards(self) -> tuple[ReportCard, ...]:
        return tuple(entry.card for entry in self.reports)

    def page(self, slug: str) -> PageEntry | None:
        return next((p for p in self.pages if p.page.slug == slug), None)


def build_site(config: SiteConfig, content: Content) -> Site:
    """The whole model from validated content."""
    reports = sorted(content.reports, key=lambda r: (r.date.newest_first, r.slug))
    links_by_page = _links_by_source_page(content.links, config.world_ip_day_words)
    cards = tuple(ReportCard.of(r) for r in reports)
    tags = _group_by(cards, lambda c: c.tags, urls.tag_path)
    regions = _group_by(cards, lambda c: (c.region,) if c.region else (), urls.region_path)
    years = _group_years(cards)
    year_of = {card.slug: year for year in years for card in year.reports}
    related = _related_reports(cards, tags, regions)
    entries = tuple(
        ReportEntry(report, card, links_by_page.get(_source_page(report.source), ()),
                    newer=cards[i - 1] if i > 0 else None,
                    older=cards[i + 1] if i + 1 < len(cards) else None,
                    related=related[i], year_name=year_of[card.slug].name,
                    year_path=year_of[card.slug].out_path)
        for i, (report, card) in enumerate(zip(reports, cards, strict=True)))
    return Site(
        config=config,
        reports=entries,
        pages=tuple(PageEntry(p, urls.page_path(p.slug))
                    for p in sorted(content.pages, key=lambda p: p.slug)),
        tags=tags,
        regions=regions,
        years=years,
        world_ip_day=_world_ip_day_index(config, content.links, reports, cards),
    )


def _group_by(cards, keys_of, path_of) -> tuple[Group, ...]:
    grouped: dict[str, list[ReportCard]] = defaultdict(list)
    for card in cards:
        for key in keys_of(card):
            grouped[key].append(card)
    ordered = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(Group(name, path_of(name), name, tuple(members)) for name, members in ordered)


def _group_years(cards: tuple[ReportCard, ...]) -> tuple[Group, ...]:
    grouped: dict[int | None, list[ReportCard]] = defaultdict(list)
    for card in cards:  # already newest first, unknown years last
        grouped[card.date.year].append(card)
    return tuple(
        Group(f"{year}年" if year else UNKNOWN_YEAR, urls.year_path(year),
              f"y{year}" if year else "year-unknown", tuple(members))
        for year, members in grouped.items())


RELATED_COUNT = 5
# Candidates are the reports nearest in date within each shared tag or region. A fixed
# window keeps the work linear in the archive's size, however large a tag grows.
_RELATED_WINDOW = 8


def _related_reports(cards: tuple[ReportCard, ...], tags: tuple[Group, ...],
                     regions: tuple[Group, ...]) -> list[tuple[ReportCard, ...]]:
    """For each card (in order), the reports most like it: most shared tags first, then the
    same region, then nearest in the archive's date order."""
    position = {card.slug: i for i, card in enumerate(cards)}
    # Each candidate is ranked by one integer (score, then distance, then position), which
    # sorts several times faster than tuples: this runs for every report of every build.
    bits = max(20, len(cards).bit_length())
    mask = (1 << bits) - 1
    # Where each report stands in each of its groups: (the group's members, its index
    # there, what sharing the group scores). Ranking one report at a time keeps one small
    # table alive, not one per report (a quarter of a gigabyte at 100,000 reports).
    places: list[list[tuple[list[int], int, int]]] = [[] for _ in cards]
    for groups, weight in ((tags, 2), (regions, 1)):
        step = weight << (2 * bits)  # a shared tag scores 2, a shared region 1
        for group in groups:
            members = [position[card.slug] for card in group.reports]
            for index, me in enumerate(members):
                places[me].append((members, index, step))
    related = []
    for me, mine in enumerate(places):
        keys: dict[int, int] = {}
        for members, index, step in mine:
            for others in (members[max(0, index - _RELATED_WINDOW): index],
                           members[index + 1: index + _RELATED_WINDOW + 1]):
                for other in others:
                    keys[other] = keys.get(other, (abs(other - me) << bits) + other) - step
        related.append(tuple(cards[key & mask] for key in sorted(keys.values())[:RELATED_COUNT]))
    return related


def related_links_of(report: Report, links: tuple[Link, ...],
                     config: SiteConfig) -> tuple[Link, ...]:
    """The related reading shown on one report's page, as build_site finds it."""
    return _links_by_source_page(links, config.world_ip_day_words).get(
        _source_page(report.source), ())


# (site, page title) of the page a source names; None when it names none, which finds no links.
_SourcePage = tuple[str | None, str] | None


def _source_page(source: Source | None) -> _SourcePage:
    if source is None or source.page_title is None:
        return None
    return (source.site, source.page_title)


def _links_by_source_page(links: tuple[Link, ...],
                          words: tuple[str, ...]) -> dict[_SourcePage, tuple[Link, ...]]:
    """Titles each source page listed that the World IP Day index does not take: they are
    shown as related reading on the reports archived from that page."""
    grouped: dict[_SourcePage, list[Link]] = defaultdict(list)
    for link in links:
        page = _source_page(link.source)
        if page is not None and not names_world_ip_day(link.title, words):
            grouped[page].append(link)
    return {page: tuple(items) for page, items in grouped.items()}


def names_world_ip_day(text: str | None, words: tuple[str, ...]) -> bool:
    """Whether a title, tag or summary names World IP Day: holds one of the set words."""
    return text is not None and any(word in text for word in words)


def report_names_world_ip_day(report: Report | ReportCard, config: SiteConfig) -> bool:
    """Whether a report belongs in the World IP Day index by its own fields, as
    `world_ip_day_words` and `world_ip_day_fields` set the rule."""
    words, fields = config.world_ip_day_words, config.world_ip_day_fields
    return (("title" in fields and names_world_ip_day(report.title, words))
            or ("tags" in fields and any(names_world_ip_day(t, words) for t in report.tags))
            or ("summary" in fields and names_world_ip_day(report.summary, words)))


def _world_ip_day_index(config: SiteConfig, links: tuple[Link, ...],
                        reports: list[Report],
                        cards: tuple[ReportCard, ...]) -> tuple[LinkGroup, ...]:
    """Reports that name World IP Day and the links file's titles that do, one entry where
    a title is a report's (the same title, or the same address as the report's source);
    each group newest first, the years the archive does not know last, in the links' order."""
    words = config.world_ip_day_words
    by_title: dict[str, ReportCard] = {}
    by_url: dict[str, ReportCard] = {}
    for report, card in zip(reports, cards, strict=True):  # the newest report of a title wins
        by_title.setdefault(_normalise(card.title), card)
        if report.source is not None and report.source.url:
            by_url.setdefault(report.source.url, card)
    link_of: dict[str, Link] = {}  # report slug -> the first title that is the same item
    unarchived: list[IndexedLink] = []
    seen = set()
    for link in links:
        key = (_normalise(link.title), link.url)
        if not names_world_ip_day(link.title, words) or key in seen:
            continue
        seen.add(key)
        same = (by_url.get(link.url) if link.url else None) or by_title.get(key[0])
        if same is None:
            unarchived.append(IndexedLink(link, None))
        else:
            link_of.setdefault(same.slug, link)
    entries = [IndexedLink(link_of.get(card.slug), card) for report, card in
               zip(reports, cards, strict=True)
               if card.slug in link_of or report_names_world_ip_day(report, config)]
    grouped: dict[str, dict[str, list[IndexedLink]]] = {
        name: defaultdict(list) for name, _ in WORLD_IP_DAY_GROUPS}
    for item in entries + unarchived:  # reports in the archive's order, newest first
        group = next(name for name, words in WORLD_IP_DAY_GROUPS
                     if all(word in item.title for word in words))
        year = item.report.date.year if item.report is not None else None
        grouped[group][f"{year}年" if year else UNKNOWN_YEAR].append(item)
    return tuple(LinkGroup(name, tuple(LinkYear(year, tuple(items))
                                       for year, items in years.items()))
                 for name, years in grouped.items() if years)


def _normalise(title: str) -> str:
    return "".join(title.split())
