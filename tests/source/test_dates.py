"""generator/source/dates.py: partial dates, parsed and shown."""
from __future__ import annotations

import datetime

import pytest

from generator.source.dates import DateError, PartialDate, parse_date


@pytest.mark.parametrize("text, chinese", [
    ("2015-06-18", "2015年6月18日"),
    ("2015-06", "2015年6月"),
    ("2015", "2015年"),
    ("XXXX-05-10", "5月10日（年份不详）"),
    ("2015-06-18?", "2015年6月18日（存疑）"),
    ("XXXX-12-13?", "12月13日（年份不详）（存疑）"),
    ("2015?", "2015年（存疑）"),
])
def test_dates_are_shown_in_chinese(text, chinese):
    assert parse_date(text).chinese == chinese


def test_uncertainty_is_kept_apart_from_the_date():
    date = parse_date("2015-06-18?")
    assert date == PartialDate(2015, 6, 18, uncertain=True)
    assert date.iso == "2015-06-18"


@pytest.mark.parametrize("text", ["2023-02-30", "2015-13-01", "2015-00", "XXXX-04-31",
                                  "XXXX-05", "XXXX", "15-06-18", "2015/06/18", "June 2015",
                                  "", "2015-6-18", "0000"])
def test_impossible_or_malformed_dates_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_february_29_is_possible_when_the_year_is_unknown_or_leap():
    assert parse_date("XXXX-02-29").day == 29
    assert parse_date("2024-02-29").day == 29
    with pytest.raises(DateError, match="28 days in 2023"):
        parse_date("2023-02-29")


def test_machine_form_is_a_valid_html_time_value():
    assert parse_date("XXXX-05-10").machine == "05-10"
    assert parse_date("2015-06").machine == "2015-06"


def test_newest_first_puts_unknown_years_last_by_month_and_day():
    texts = ["XXXX-05-10", "2014-01-01", "2015", "XXXX-12-13", "2015-06-18", "2015-06",
             "XXXX-06-18"]
    ordered = sorted(texts, key=lambda t: parse_date(t).newest_first)
    assert ordered == ["2015-06-18", "2015-06", "2015", "2014-01-01",
                       "XXXX-12-13", "XXXX-06-18", "XXXX-05-10"]


@pytest.mark.parametrize("text, earliest", [
    ("2015-06-18", datetime.date(2015, 6, 18)),
    ("2015-06", datetime.date(2015, 6, 1)),
    ("2015", datetime.date(2015, 1, 1)),
    ("XXXX-05-10", datetime.date(1, 5, 10)),
    ("XXXX-02-29", datetime.date(4, 2, 29)),
    ("2015-06-18?", datetime.date(2015, 6, 18)),
])
def test_earliest_is_the_first_day_a_date_can_stand_for(text, earliest):
    assert parse_date(text).earliest == earliest
