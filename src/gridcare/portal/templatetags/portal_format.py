"""Template filters that format numbers and dates for the active language (through gridcare.core.formatting)."""

import datetime as dt

from django import template
from django.utils import translation

from gridcare.core import formatting

register = template.Library()


@register.filter
def kwh(value):
    """`1.234 kWh` in Vietnamese, `1,234 kWh` in English; an en dash for no value."""
    if value is None or value == "":
        return "–"
    return formatting.format_kwh(value, language=translation.get_language())


@register.filter
def day(value):
    """`dd/mm/yyyy`."""
    if not isinstance(value, dt.date):
        return ""
    return formatting.format_day(value, language=translation.get_language())


@register.filter
def month(value):
    """`mm/yyyy`."""
    if not isinstance(value, dt.date):
        return ""
    return f"{value.month:02d}/{value.year}"


@register.filter
def vnd(value):
    """`1.234.567 ₫` in Vietnamese, `1,234,567 ₫` in English."""
    if value is None or value == "":
        return "–"
    return formatting.format_vnd(value, language=translation.get_language())


@register.filter
def number(value):
    """`1.234` in Vietnamese, `1,234` in English (a table's header names the unit); an en dash for no value."""
    if value is None or value == "":
        return "–"
    return formatting.format_number(value, language=translation.get_language())
