"""Vietnamese-first formatting of money, energy and dates (Babel's CLDR data, not hand-written rules)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

BUSINESS_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
_BABEL_LOCALES = {"vi": "vi_VN", "en": "en_US", "fr": "fr_FR"}


def babel_locale(language: str | None) -> str:
    return _BABEL_LOCALES.get((language or "vi").split("-")[0], "vi_VN")


def format_vnd(amount: int | Decimal, *, language: str = "vi") -> str:
    """Whole đồng with the locale's grouping and the ₫ sign: `1.234.567 ₫` in Vietnamese."""
    return f"{format_decimal(int(amount), format='#,##0', locale=babel_locale(language))} ₫"


def format_kwh(value: int | float | Decimal, *, language: str = "vi") -> str:
    """Energy in kWh with the locale's grouping, no more than one decimal."""
    return f"{format_decimal(value, format='#,##0.#', locale=babel_locale(language))} kWh"


def format_day(value: dt.date, *, language: str = "vi") -> str:
    """A date as `dd/mm/yyyy` (the same numeric form in every supported language)."""
    return babel_format_date(value, format="dd/MM/yyyy", locale=babel_locale(language))


def local_date(moment: dt.datetime) -> dt.date:
    """The business date (Asia/Ho_Chi_Minh) of an aware moment."""
    return moment.astimezone(BUSINESS_TZ).date()


def format_number(value: int | float | Decimal, *, language: str = "vi") -> str:
    """A number with the locale's grouping and no unit (tables that name the unit in the header)."""
    return format_decimal(value, format="#,##0.#", locale=babel_locale(language))
