"""Partial dates: a report may know its year, month and day, or only some of them.

The archive's sources often give a month and a day but no year; such a date is written
`XXXX-MM-DD`. A trailing `?` marks a date as uncertain.
"""
from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^(?:(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"|XXXX-(?P<umonth>\d{2})-(?P<uday>\d{2}))(?P<uncertain>\?)?$"
)

FORMATS_HELP = "write YYYY-MM-DD, YYYY-MM, YYYY, or XXXX-MM-DD when the year is unknown, " \
               "with a trailing ? if uncertain"


# Dates as editors often write them: 2024/04/26, 2024.4.26, 2024-4-6, 2024年4月26日,
# 2024-04-26 10:00, 4月26日 (no year), each rewritten to the one form the archive reads.
_OTHER_FORM = re.compile(
    r"^(?:(?P<year>\d{4})\s*(?:年|[-/.])\s*)?(?P<month>\d{1,2})"
    r"(?:\s*(?:月|[-/.])\s*(?P<day>\d{1,2})\s*[日号]?)?\s*(?:月)?"
    r"(?P<time>(?:[ T]+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?"
    r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?)|\s*\d{1,2}[时点](?:\d{1,2}分)?)?"
    r"\s*(?P<uncertain>[?？])?$"
)
_YEAR_ONLY = re.compile(r"^(?P<year>\d{4})\s*年\s*(?P<uncertain>[?？])?$")


class DateError(ValueError):
    """What is wrong with a date; `instead`, when set, is the same date as it should be
    written (never with a year that was not written)."""

    def __init__(self, problem: str, instead: str | None = None):
        self.problem, self.instead = problem, instead
        super().__init__(problem if instead is None else f"{problem} — write {instead}")

    def for_field(self, name: str) -> str:
        """The message for a front-matter field, with the whole line to write."""
        if self.instead is None:
            return str(self)
        return f"{name} {self.problem} — write `{name}: {self.instead}`"


@dataclass(frozen=True, slots=True)
class PartialDate:
    year: int | None
    month: int | None
    day: int | None
    uncertain: bool = False

    @property
    def iso(self) -> str:
        """The date as written in front matter, without the uncertainty mark."""
        parts = ["XXXX" if self.year is None else f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    @property
    def machine(self) -> str:
        """A valid HTML `<time datetime>` value; a yearless date is `MM-DD`."""
        if self.year is None:
            return f"{self.month:02d}-{self.day:02d}"
        return self.iso

    @property
    def chinese(self) -> str:
        """2015年6月18日, 2015年6月, 2015年, 5月10日（年份不详）; （存疑） if uncertain."""
        if self.year is None:
            text = f"{self.month}月{self.day}日（年份不详）"
        else:
            text = f"{self.year}年"
            if self.month is not None:
                text += f"{self.month}月"
            if self.day is not None:
                text += f"{self.day}日"
        if self.uncertain:
            text += "（存疑）"
        return text

    @property
    def earliest(self) -> datetime.date:
        """The first day the date can stand for. An unknown year gives the first year in
        which the day exists (year 1, or year 4 for 29 February): never a guessed year."""
        if self.year is None:
            assert self.month is not None and self.day is not None  # XXXX-MM-DD has both
            year = 4 if (self.month, self.day) == (2, 29) else 1
            return datetime.date(year, self.month, self.day)
        return datetime.date(self.year, self.month or 1, self.day or 1)

    @property
    def newest_first(self) -> tuple:
        """Sort key, ascending = newest first. Unknown years come after every known year,
        latest month and day first; less precise dates after more precise ones in a year."""
        if self.year is None:
            return (1, 0, -(self.month or 0), -(self.day or 0))
        return (0, -self.year, -(self.month or 0), -(self.day or 0))


def parse_date(text: str) -> PartialDate:
    """Parse a front-matter date; raises DateError saying what is wrong."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise _written_otherwise(text)
    uncertain = match["uncertain"] is not None
    month: int | None
    day: int | None
    if match["umonth"]:
        month, day = int(match["umonth"]), int(match["uday"])
        # February 29th exists in some year, so it is possible when the year is unknown.
        _check_day(None, month, day, text)
        return PartialDate(None, month, day, uncertain)
    year = int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if year == 0:
        raise DateError(f"{text!r}: there is no year 0 — {FORMATS_HELP}")
    if month is not None:
        _check_day(year, month, day, text)
    return PartialDate(year, month, day, uncertain)


def _check_day(year: int | None, month: int, day: int | None, text: str) -> None:
    if not 1 <= month <= 12:
        raise DateError(f"{text!r} is not a real date: months run from 01 to 12 — check the date")
    if day is not None:
        # With the year unknown, 29 February is possible: 2000 was a leap year.
        last = calendar.monthrange(year or 2000, month)[1]
        if not 1 <= day <= last:
            in_year = f" in {year}" if year else ""
            raise DateError(f"{text!r} is not a real date: month {month} has {last} days"
                            f"{in_year} — check the date")


def _written_otherwise(text: str) -> DateError:
    """The error for a date not in the archive's form: with the form to write when the
    text is a date written another way, else the list of forms."""
    stripped = text.strip()
    year_only = _YEAR_ONLY.match(stripped)
    match = year_only or _OTHER_FORM.match(stripped)
    if not match or (not year_only and match["year"] is None and match["day"] is None):
        return DateError(f"{text!r} is not a date — {FORMATS_HELP}")
    found = match.groupdict()
    year, month, day = found["year"], found.get("month"), found.get("day")
    instead = "XXXX" if year is None else f"{int(year):04d}"  # full-width digits too
    if month is not None:
        instead += f"-{int(month):02d}"
    if day is not None:
        instead += f"-{int(day):02d}"
    instead += "?" if found["uncertain"] else ""
    try:
        parse_date(instead)
    except DateError as exc:
        return DateError(exc.problem.replace(repr(instead), repr(text), 1))
    if found.get("time"):
        problem = f"{text!r} has a time of day, and the archive keeps only the date"
    elif year is None:
        problem = f"{text!r} has no year; the archive writes an unknown year as XXXX"
    else:
        problem = f"{text!r} is not a date in the archive's form, YYYY-MM-DD"
    return DateError(problem, instead)
