"""The reliability dashboard: SAIFI, SAIDI, CAIDI, MAIFI per unit and month, and the share of planned outages
announced ≥ 5 days ahead, with server-rendered charts.

A staff member sees the units the access policy lets them see (their unit and those below it; superusers all),
and needs the permission to view outages; any other unit is a 404, as if it did not exist.
"""

import datetime as dt

from babel.numbers import format_decimal, format_percent
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import babel_locale
from gridcare.org import policy
from gridcare.org.selectors import units_for_user
from gridcare.outages.indices import MonthIndices, months_ending, unit_reliability
from gridcare.outages.models import Outage

MONTHS = 12


def _number(value, language: str, pattern: str = "#,##0.###") -> str:
    return "—" if value is None else format_decimal(value, format=pattern, locale=babel_locale(language))


def _chart(
    *, rows: list[MonthIndices], field: str, title: str, unit_label: str, element_id: str, language: str
) -> str:
    labels = [f"{r.month:02d}/{r.year % 100:02d}" for r in rows]

    def values(kind):
        return [getattr(getattr(r, kind), field) if getattr(r, kind) is not None else None for r in rows]

    return bar_chart_svg(
        labels=labels,
        series=[
            Series(name=_("Kể cả ngừng điện có kế hoạch"), values=values("with_planned")),
            Series(name=_("Không kể ngừng điện có kế hoạch"), values=values("without_planned")),
        ],  # fmt: skip
        title=title,
        description=_("Mỗi tháng hai cột: kể cả và không kể các lần ngừng điện có kế hoạch."),
        x_axis_label=_("Tháng"),
        y_axis_label=unit_label,
        value_format=lambda v: _number(v, language),
        tick_format=lambda v: _number(v, language, "#,##0.##"),
        label_every=2,
        width=560,
        element_id=element_id,
    )


def dashboard_entry() -> dict:
    """The dashboard as a line of the outages section on the back office's index (no add or change links)."""
    return {
        "name": _("Độ tin cậy cung cấp điện (SAIDI, SAIFI…)"), "object_name": "ReliabilityDashboard",
        "admin_url": reverse("admin:reliability"), "add_url": None, "view_only": True,
        "perms": {"add": False, "change": False, "delete": False, "view": True},
    }  # fmt: skip


def dashboard_view(request: HttpRequest, site) -> HttpResponse:
    """GET ?unit=<id>&month=YYYY-MM: the twelve months up to `month` for one unit the user may see."""
    if not policy.may_record(user=request.user, model=Outage, verb="view"):
        raise PermissionDenied
    units = list(units_for_user(user=request.user).order_by("path", "pk"))
    if not units:
        raise PermissionDenied
    chosen = request.GET.get("unit", "")
    unit = units[0] if not chosen else next((u for u in units if str(u.pk) == chosen), None)
    if unit is None:
        raise Http404
    today = timezone.localdate()
    month_text = request.GET.get("month", "")
    try:
        last = dt.date.fromisoformat(f"{month_text}-01") if month_text else today
    except ValueError:
        last, month_text = today, ""
    rows = unit_reliability(unit=unit, months=months_ending(today=last, count=MONTHS))
    language = translation.get_language()
    has_data = any(r.interruptions for r in rows)
    charts = []
    if has_data and rows[0].with_planned is not None:
        charts = [
            mark_safe(_chart(rows=rows, field="saidi", title=_("SAIDI (phút/khách hàng) theo tháng"),  # noqa: S308 - escaped by core.charts
                             unit_label=_("phút"), element_id="saidi-chart", language=language)),
            mark_safe(_chart(rows=rows, field="saifi", title=_("SAIFI (lần/khách hàng) theo tháng"),  # noqa: S308 - escaped by core.charts
                             unit_label=_("lần"), element_id="saifi-chart", language=language)),
        ]  # fmt: skip
    table = [
        {
            "month": f"{r.month:02d}/{r.year}",
            "interruptions": r.interruptions,
            "served": _number(r.customers_served, language, "#,##0"),
            "with": [_number(getattr(r.with_planned, f, None), language) for f in ("saifi", "saidi", "caidi", "maifi")],
            "without": [_number(getattr(r.without_planned, f, None), language) for f in ("saifi", "saidi", "caidi", "maifi")],
            "planned": r.planned_outages,
            "notice": "—" if r.notice_share is None else format_percent(r.notice_share, locale=babel_locale(language)),
        }
        for r in reversed(rows)
    ]  # fmt: skip
    context = {
        **site.each_context(request),
        "title": _("Độ tin cậy cung cấp điện"),
        "units": units, "unit": unit, "month": month_text or f"{today:%Y-%m}", "charts": charts, "table": table,
        "has_data": has_data,
    }  # fmt: skip
    return TemplateResponse(request, "backoffice/reliability/dashboard.html", context)
