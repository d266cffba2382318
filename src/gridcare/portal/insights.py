"""Portal pages of the insights area: the safety and savings advice a customer received, and the comparison of the
household's consumption with similar households, with tips chosen from its own pattern."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import format_kwh, local_date
from gridcare.insights import selectors
from gridcare.portal.views import own_account


@never_cache
@require_GET
def advice_list(request: HttpRequest, code: str) -> HttpResponse:
    """The advice published to this account, newest first, in the reader's language."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    language = translation.get_language()
    items = [{"advice": a, "title": a.text(language)[0], "body": a.text(language)[1]}
             for a in selectors.advices_for_account(account=account)]  # fmt: skip
    return render(request, "portal/insights/advice.html", {"account": account, "items": items})


def _chart(comparison: selectors.Comparison, language: str) -> str:
    months = comparison.months
    return bar_chart_svg(
        labels=[f"{m.period.month:02d}/{m.period.year % 100:02d}" for m in months],
        series=[Series(name=_("Nhà mình"), values=[m.kwh for m in months]),
                Series(name=_("Mức giữa của các hộ tương tự"), values=[round(m.median) for m in months]),
                Series(name=_("1/4 số hộ tiết kiệm nhất dùng dưới"), values=[round(m.p25) for m in months])],  # fmt: skip
        title=_("Điện năng của nhà mình và các hộ tương tự"),
        description=_("Mỗi tháng ba cột: nhà mình, mức giữa (trung vị) và mức của 1/4 số hộ dùng ít nhất."),
        x_axis_label=_("Tháng"), y_axis_label="kWh",
        value_format=lambda v: format_kwh(v, language=language),
        tick_format=lambda v: format_kwh(v, language=language).removesuffix(" kWh"),
        label_every=2, element_id="comparison-chart",
    )  # fmt: skip


@never_cache
@require_GET
def comparison_page(request: HttpRequest, code: str) -> HttpResponse:
    """This household's monthly kWh against households of the same purpose, commune/ward and household count."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    language = translation.get_language()
    comparison = selectors.household_comparison(account=account, today=local_date(timezone.now()))
    rows = [
        {"month": f"{m.period.month:02d}/{m.period.year}", "kwh": format_kwh(m.kwh, language=language) if m.kwh is not None else "—",
         "p25": format_kwh(round(m.p25), language=language), "median": format_kwh(round(m.median), language=language),
         "p75": format_kwh(round(m.p75), language=language), "households": m.households, "position": m.position}
        for m in reversed(comparison.months)
    ]  # fmt: skip
    latest = comparison.months[-1] if comparison.months else None
    context = {
        "account": account, "comparison": comparison, "rows": rows, "latest": latest,
        "chart": mark_safe(_chart(comparison, language)) if comparison.shown else "",  # noqa: S308 - escaped by core.charts
        "tips": [selectors.tip_text(code) for code in comparison.tips], "min_group": selectors.MIN_GROUP_SIZE,
    }  # fmt: skip
    return render(request, "portal/insights/comparison.html", context)
