"""generator/pages/citation.py: GB/T 7714 text and Highwire Press dates."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.pages.citation import cite, highwire_date
from generator.source.content import Report
from generator.source.dates import parse_date

MEETING = "浙江省知识产权联席会议成员单位第一次全体会议在杭州召开"


def report(date: str, title: str = MEETING) -> Report:
    return Report(Path("a.md"), "a", title, parse_date(date), "")


def test_a_dated_report_is_cited_with_its_date_and_url():
    citation = cite(report("2015-06-18"), "知识产权报告档案",
                    "https://example.org/archive/reports/a.html")
    assert citation.text("2026-11-25") == (
        "知识产权报告档案. 浙江省知识产权联席会议成员单位第一次全体会议在杭州召开[EB/OL]. "
        "(2015-06-18)[2026-11-25]. https://example.org/archive/reports/a.html.")


def test_a_report_of_unknown_year_is_cited_without_a_guessed_date():
    citation = cite(report("XXXX-06-18"), "知识产权报告档案", None)
    assert citation.text("2026-11-25") == (
        "知识产权报告档案. 浙江省知识产权联席会议成员单位第一次全体会议在杭州召开[EB/OL]. "
        "[2026-11-25].")
    assert "XXXX" not in citation.text()


def test_without_a_date_the_placeholder_stands_where_the_reader_writes_it():
    assert cite(report("2015"), "档案", None).text() == (
        "档案. 浙江省知识产权联席会议成员单位第一次全体会议在杭州召开[EB/OL]. (2015)[引用日期].")


@pytest.mark.parametrize("date, expected", [
    ("2015-06-18", "2015/06/18"), ("2015-06", "2015/06"), ("2015", "2015"),
    ("XXXX-05-10", None), ("2015-06-18?", "2015/06/18"),
])
def test_highwire_dates_are_what_reference_managers_read(date, expected):
    assert highwire_date(parse_date(date)) == expected
