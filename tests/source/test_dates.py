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


@pytest.mark.parametrize("text, instead", [
    ("2024/04/26", "2024-04-26"),
    ("2024年4月26日", "2024-04-26"),
    ("2024.4.26", "2024-04-26"),
    ("2024-4-6", "2024-04-06"),
    ("2024-04-26 10:00", "2024-04-26"),
    ("2024-04-26T10:00:00+08:00", "2024-04-26"),
    ("4月26日", "XXXX-04-26"),
    ("２０２４年４月２６日", "2024-04-26"),
    ("2024年4月", "2024-04"),
    ("2015-6-18?", "2015-06-18?"),
])
def test_a_date_written_another_way_gets_the_line_to_write(text, instead):
    with pytest.raises(DateError) as caught:
        parse_date(text)
    assert caught.value.instead == instead
    assert caught.value.for_field("date").endswith(f" — write `date: {instead}`")
    assert caught.value.for_field("retrieved").startswith(f"retrieved {text!r} ")


@pytest.mark.parametrize("text", ["4月", "26", "24/4/26", "June 2015"])
def test_no_year_is_guessed_and_no_rewrite_is_offered_for_what_is_not_a_date(text):
    with pytest.raises(DateError) as caught:
        parse_date(text)
    assert caught.value.instead is None
    assert "XXXX-MM-DD when the year is unknown" in caught.value.for_field("date")


def test_a_date_written_another_way_that_does_not_exist_says_so():
    with pytest.raises(DateError) as caught:
        parse_date("2023/02/30")
    assert caught.value.instead is None
    assert str(caught.value) == ("'2023/02/30' is not a real date: month 2 has 28 days in 2023"
                                 " — check the date")
