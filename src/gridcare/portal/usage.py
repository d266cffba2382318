"""Daily and 30-minute use of a smart meter: a day (48 half-hours), a week or a month (one bar a day).

For a time-of-use meter the day's chart shades the peak and off-peak hours of the tariffs' schedule and the
week's and month's bars are split into peak, normal and off-peak. Every chart has its numbers in a table
behind a <details> toggle; the page is plain HTML and SVG (no JavaScript needed). The database sums the
intervals per local day and half-hour (`metering.selectors.account_interval_usage`, one query per view).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from babel.numbers import format_decimal
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcare.core.charts import Band, Series, bar_chart_svg
from gridcare.core.formatting import babel_locale, format_day
from gridcare.metering import selectors as metering_selectors
from gridcare.metering.models import Meter
from gridcare.portal.views import own_account
from gridcare.tariffs import engine
from gridcare.tariffs import selectors as tariff_selectors

VIEWS = ("day", "week", "month")
PERIODS = engine.PERIODS  # peak, normal, offpeak
PERIOD_NAMES = {
    "peak": pgettext_lazy("khung giờ", "Cao điểm"),
    "normal": pgettext_lazy("khung giờ", "Bình thường"),
    "offpeak": pgettext_lazy("khung giờ", "Thấp điểm"),
}
# Series colours reach 4.5:1 on white; band tints are light behind the bars (the legend and the table name them).
PERIOD_COLOURS = {"peak": "#a61b1b", "normal": "#0b5cad", "offpeak": "#2e6b30"}
BAND_TINTS = {"peak": "#f9dcdc", "offpeak": "#dcefdc"}
WEEKDAYS = (
    pgettext_lazy("thứ", "T2"), pgettext_lazy("thứ", "T3"), pgettext_lazy("thứ", "T4"), pgettext_lazy("thứ", "T5"),
    pgettext_lazy("thứ", "T6"), pgettext_lazy("thứ", "T7"), pgettext_lazy("thứ", "CN"),
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    view: str
    day: dt.date  # the day asked for
    first: dt.date
    last: dt.date  # inclusive

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def window_of(*, view: str, day: dt.date) -> Window:
    """The day itself, its week (Monday to Sunday) or its calendar month."""
    if view == "week":
        first = day - dt.timedelta(days=day.weekday())
        return Window(view, day, first, first + dt.timedelta(days=6))
    if view == "month":
        first = day.replace(day=1)
        return Window(view, day, first, first.replace(day=calendar.monthrange(day.year, day.month)[1]))
    return Window("day", day, day, day)


def _shift(window: Window, step: int) -> dt.date:
    if window.view == "month":
        year, month = divmod(window.first.month - 1 + step, 12)
        return dt.date(window.first.year + year, month + 1, 1)
    return window.first + dt.timedelta(days=step * len(window.days))


def _kwh(wh: int | None, *, digits: int) -> str:
    if wh is None:
        return "–"
    pattern = "#,##0." + "0" * digits
    return f"{format_decimal(wh / 1000, format=pattern, locale=babel_locale(translation.get_language()))} kWh"


def _slot_label(slot: int) -> str:
    minutes = slot * 30
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_chart(*, window: Window, usage: dict, periods: tuple, time_of_use: bool) -> tuple[str, list[dict]]:
    day = window.day
    values = [usage.get((day, slot)) for slot in range(engine.SLOTS_PER_DAY)]
    kwh_values = [None if v is None else v / 1000 for v in values]
    bands = []
    if time_of_use:
        slot = 0
        while slot < engine.SLOTS_PER_DAY:
            end = slot
            while end < engine.SLOTS_PER_DAY and periods[end] == periods[slot]:
                end += 1
            if periods[slot] in BAND_TINTS:
                bands.append(
                    Band(
                        first=slot,
                        last=end,
                        name=str(PERIOD_NAMES[periods[slot]]),
                        colour=BAND_TINTS[periods[slot]],
                    )
                )
            slot = end
    spans = [
        f"{_slot_label(s)}–{_slot_label(s + 1) if s < 47 else '24:00'}" for s in range(engine.SLOTS_PER_DAY)
    ]
    svg = bar_chart_svg(
        labels=[_slot_label(s) if s % 12 == 0 else "" for s in range(engine.SLOTS_PER_DAY)],
        series=[Series(name=_("Điện năng 30 phút"), values=kwh_values)],
        title=_("Điện năng từng 30 phút ngày %(day)s")
        % {"day": format_day(day, language=translation.get_language())},
        description=_("Mỗi cột là số kWh của nửa giờ; nền đỏ là giờ cao điểm, nền xanh lá là giờ thấp điểm.")
        if time_of_use
        else _("Mỗi cột là số kWh của nửa giờ."),
        x_axis_label=_("Giờ trong ngày"),
        y_axis_label="kWh",
        value_format=lambda v: _kwh(round(v * 1000), digits=2),
        tick_format=lambda v: format_decimal(
            v, format="#,##0.##", locale=babel_locale(translation.get_language())
        ),
        bar_titles=spans,
        bands=bands,
        element_id="usage-chart",
    )
    rows = [
        {"label": spans[s], "wh": values[s], "kwh": _kwh(values[s], digits=2),
         "period": str(PERIOD_NAMES[periods[s]]) if time_of_use and periods[s] else ""}
        for s in range(engine.SLOTS_PER_DAY)
    ]  # fmt: skip
    return svg, rows


def _days_chart(
    *, window: Window, usage: dict, periods_by_day: dict, time_of_use: bool
) -> tuple[str, list[dict]]:
    language = translation.get_language()
    days = window.days
    totals: list[int | None] = []
    split: dict[str, list[int | None]] = {p: [] for p in PERIODS}
    for day in days:
        slots = [usage.get((day, s)) for s in range(engine.SLOTS_PER_DAY)]
        present = [v for v in slots if v is not None]
        totals.append(sum(present) if present else None)
        for period in PERIODS:
            in_period = [v for s, v in enumerate(slots) if v is not None and periods_by_day[day][s] == period]
            split[period].append(sum(in_period) if present else None)
    if time_of_use:
        series = [
            Series(
                name=str(PERIOD_NAMES[p]),
                values=[None if v is None else v / 1000 for v in split[p]],
                colour=PERIOD_COLOURS[p],
            )
            for p in PERIODS
        ]
    else:
        series = [
            Series(name=_("Điện năng trong ngày"), values=[None if v is None else v / 1000 for v in totals])
        ]
    if window.view == "week":
        labels = [f"{WEEKDAYS[d.weekday()]} {d.day:02d}" for d in days]
        title = _("Điện năng từng ngày, tuần từ %(first)s đến %(last)s") % {
            "first": format_day(window.first, language=language), "last": format_day(window.last, language=language)}  # fmt: skip
    else:
        labels = [f"{d.day:02d}" if (d.day - 1) % 7 == 0 or d == days[-1] else "" for d in days]
        title = _("Điện năng từng ngày, tháng %(month)s") % {
            "month": f"{window.first.month:02d}/{window.first.year}"
        }
    svg = bar_chart_svg(
        labels=labels,
        series=series,
        title=title,
        description=_("Mỗi cột là số kWh của một ngày, chia theo cao điểm, bình thường và thấp điểm.")
        if time_of_use
        else _("Mỗi cột là số kWh của một ngày."),
        x_axis_label=_("Ngày"),
        y_axis_label="kWh",
        value_format=lambda v: _kwh(round(v * 1000), digits=1),
        tick_format=lambda v: format_decimal(v, format="#,##0.#", locale=babel_locale(language)),
        bar_titles=[format_day(d, language=language) for d in days],
        stacked=time_of_use,
        element_id="usage-chart",
    )
    rows = [
        {"label": f"{WEEKDAYS[d.weekday()]} {format_day(d, language=language)}", "wh": totals[i],
         "kwh": _kwh(totals[i], digits=1), "split": [_kwh(split[p][i], digits=1) for p in PERIODS]}
        for i, d in enumerate(days)
    ]  # fmt: skip
    return svg, rows


def _requested_day(value: str, *, latest: dt.date) -> tuple[dt.date, str]:
    """The day asked for in the address, or the latest day with data and a sentence saying why."""
    if not value:
        return latest, ""
    try:
        return dt.date.fromisoformat(value), ""
    except ValueError:
        return latest, _("Ngày “%(value)s” không đúng dạng năm-tháng-ngày; đang hiện ngày có số liệu gần nhất.") % {
            "value": value[:20]}  # fmt: skip


@never_cache
@require_GET
def usage_page(request: HttpRequest, code: str) -> HttpResponse:
    """The account's daily and 30-minute use (a day, a week or a month), with its numbers."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    today = timezone.localdate()
    meter = metering_selectors.current_meter(account=account, today=today)
    latest = metering_selectors.account_interval_last_day(account=account)
    context = {"customer": customer, "account": account, "meter": meter, "views": VIEWS}
    if latest is None:
        context["smart"] = meter is not None and meter.kind == Meter.Kind.SMART
        return render(request, "portal/usage.html", context)
    view = request.GET.get("view", "day")
    notice = ""
    if view not in VIEWS:
        view, notice = "day", _("Không có kiểu xem này; đang hiện theo ngày.")
    day, day_notice = _requested_day(request.GET.get("date", ""), latest=latest)
    window = window_of(view=view, day=day)
    time_of_use = meter is not None and meter.time_of_use
    usage = metering_selectors.account_interval_usage(
        account=account, first_day=window.first, last_day=window.last
    )
    schedules = (
        tariff_selectors.time_of_use_schedules(first_day=window.first, last_day=window.last)
        if time_of_use
        else ()
    )
    periods_by_day = {d: engine.time_of_use_slots(schedules=schedules, day=d) for d in window.days}
    if view == "day":
        svg, rows = _day_chart(
            window=window, usage=usage, periods=periods_by_day[day], time_of_use=time_of_use
        )
    else:
        svg, rows = _days_chart(
            window=window, usage=usage, periods_by_day=periods_by_day, time_of_use=time_of_use
        )
    total = sum(usage.values()) if usage else None
    base = reverse("portal:usage", kwargs={"code": account.code})
    context.update(
        {
            "view": view,
            "window": window,
            "notices": [n for n in (notice, day_notice) if n],
            "has_data": bool(usage),
            "chart": mark_safe(svg),  # noqa: S308 - core.charts escapes every text
            "rows": rows,
            "total": _kwh(total, digits=1),
            "time_of_use": time_of_use,
            "period_names": [PERIOD_NAMES[p] for p in PERIODS],
            "latest": latest,
            "previous_url": f"{base}?view={view}&date={_shift(window, -1).isoformat()}",
            "next_url": f"{base}?view={view}&date={_shift(window, 1).isoformat()}"
            if window.last < latest
            else "",
            "view_urls": [(v, f"{base}?view={v}&date={day.isoformat()}") for v in VIEWS],
        }
    )
    return render(request, "portal/usage.html", context)
