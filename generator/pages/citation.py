"""How a report is cited: GB/T 7714-2015 text and Highwire Press `citation_*` meta tags."""
from __future__ import annotations

from dataclasses import dataclass

from ..source.content import Report
from ..source.dates import PartialDate

# GB/T 7714-2015 writes the date an online resource was consulted in brackets. The page
# cannot know it (the output has no clock), so the reader's browser fills it in, and
# without a script this placeholder stays for the reader to replace.
ACCESS_DATE_PLACEHOLDER = "引用日期"


@dataclass(frozen=True)
class Citation:
    """A GB/T 7714-2015 reference to an archived report, in two parts around the access
    date: `before` + "[" + access date + "]" + `after`."""

    before: str
    after: str
    placeholder: str = ACCESS_DATE_PLACEHOLDER

    def text(self, accessed: str = ACCESS_DATE_PLACEHOLDER) -> str:
        return f"{self.before}[{accessed}]{self.after}"


def cite(report: Report, publisher: str, url: str | None) -> Citation:
    """主要责任者. 题名[EB/OL]. (发表或更新日期)[引用日期]. 获取和访问路径.

    The archive is the party responsible for the copy cited. A date is given only as far
    as it is known: a report whose year is unknown has no publication date in the
    reference rather than a guessed one."""
    published = f"({_gbt_date(report.date)})" if report.date.year else ""
    after = f". {url}." if url else "."
    return Citation(f"{publisher}. {report.title}[EB/OL]. {published}", after)


def highwire_date(date: PartialDate) -> str | None:
    """citation_publication_date as reference managers read it (2015/06/18, 2015/06,
    2015); None when the year is unknown."""
    if date.year is None:
        return None
    parts = [f"{date.year:04d}"]
    if date.month:
        parts.append(f"{date.month:02d}")
        if date.day:
            parts.append(f"{date.day:02d}")
    return "/".join(parts)


def _gbt_date(date: PartialDate) -> str:
    return date.iso
