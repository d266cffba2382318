import datetime as dt

from gridcare.core.formatting import format_day, format_kwh, format_vnd


def test_vnd_uses_dot_grouping_and_dong_sign_in_vietnamese():
    assert format_vnd(1234567) == "1.234.567 ₫"


def test_vnd_in_english_uses_comma_grouping():
    assert format_vnd(1234567, language="en") == "1,234,567 ₫"


def test_dates_are_day_month_year():
    assert format_day(dt.date(2025, 5, 10)) == "10/05/2025"


def test_kwh_groups_thousands():
    assert format_kwh(12345) == "12.345 kWh"
