"""The bill calculator: "how much would N kWh cost me?" for the customer's own tariff, households and period.

It prices with the engine the bill run uses (`tariffs.engine` through `tariffs.selectors.consumption_quote`):
tier limits prorated by the period's days and households, split where a price or the VAT rate changes, VAT
by date. A time-of-use meter gives kWh per period (peak, normal, off-peak); any other meter one total.
The form is a plain GET (works without JavaScript, can be bookmarked); its outcome is anchored so that the
result or the errors are what the page shows after submitting.
"""

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcare.customers.models import Purpose
from gridcare.metering import selectors as metering_selectors
from gridcare.portal.views import HOTLINE, own_account
from gridcare.tariffs import engine
from gridcare.tariffs import selectors as tariff_selectors
from gridcare.tariffs.quotes import pricing_error_message

MAX_KWH = 10_000_000
MAX_DAYS = 92
MAX_HOUSEHOLDS = 50
PERIOD_NAMES = {
    "peak": gettext_lazy("Giờ cao điểm"),
    "normal": gettext_lazy("Giờ bình thường"),
    "offpeak": gettext_lazy("Giờ thấp điểm"),
}


def _kwh_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_KWH,
        required=False,
        error_messages={
            "invalid": gettext_lazy(
                "Hãy nhập số kWh là một số nguyên, không có dấu chấm hay dấu phẩy, ví dụ 250."
            ),
            "min_value": gettext_lazy("Số kWh không được âm. Hãy nhập 0 hoặc một số lớn hơn."),
            "max_value": gettext_lazy("Số kWh quá lớn (tối đa 10.000.000). Hãy kiểm tra lại số đã nhập."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
    )


class CalculatorForm(forms.Form):
    """The period [start, end) between two reading dates, the households and the kWh (total or per period)."""

    start = forms.DateField(
        label=gettext_lazy("Từ ngày (ngày ghi chỉ số kỳ trước)"),
        error_messages={
            "required": gettext_lazy("Hãy chọn ngày đầu kỳ."),
            "invalid": gettext_lazy(
                "Ngày đầu kỳ chưa đúng. Hãy chọn ngày trên lịch hoặc nhập năm-tháng-ngày, ví dụ 2026-11-05."
            ),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Đến ngày (ngày ghi chỉ số kỳ này)"),
        error_messages={
            "required": gettext_lazy("Hãy chọn ngày cuối kỳ."),
            "invalid": gettext_lazy(
                "Ngày cuối kỳ chưa đúng. Hãy chọn ngày trên lịch hoặc nhập năm-tháng-ngày, ví dụ 2026-12-05."
            ),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    households = forms.IntegerField(
        label=gettext_lazy("Số hộ dùng chung công tơ"),
        min_value=1,
        max_value=MAX_HOUSEHOLDS,
        required=False,
        help_text=gettext_lazy(
            "Mỗi hộ được thêm một lượt định mức các bậc. Người thuê nhà: 4 người tính là một hộ."
        ),
        error_messages={
            "invalid": gettext_lazy("Số hộ là một số nguyên, ví dụ 1."),
            "min_value": gettext_lazy("Số hộ ít nhất là 1."),
            "max_value": gettext_lazy("Số hộ tối đa là 50. Nhiều hơn, xin gọi tổng đài để được tính riêng."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "step": 1}),
    )
    kwh = _kwh_field(gettext_lazy("Điện năng trong kỳ (kWh)"))
    peak = _kwh_field(gettext_lazy("Giờ cao điểm (kWh)"))
    normal = _kwh_field(gettext_lazy("Giờ bình thường (kWh)"))
    offpeak = _kwh_field(gettext_lazy("Giờ thấp điểm (kWh)"))

    def __init__(self, *args, time_of_use: bool, tiered: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_of_use = time_of_use
        for name in ("peak", "normal", "offpeak") if not time_of_use else ("kwh",):
            del self.fields[name]
        if not tiered:
            del self.fields["households"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end <= start:
                self.add_error(
                    "end", _("Ngày cuối kỳ phải sau ngày đầu kỳ. Hãy chọn lại một trong hai ngày.")
                )
            elif (end - start).days > MAX_DAYS:
                self.add_error(
                    "end",
                    _("Một kỳ tính tối đa %(days)s ngày. Hãy chọn khoảng ngắn hơn, hoặc tính từng tháng.")
                    % {"days": MAX_DAYS},
                )
        if self.time_of_use:
            names = ("peak", "normal", "offpeak")
            if all(data.get(n) is None for n in names) and not any(n in self.errors for n in names):
                self.add_error(None, _("Hãy nhập số kWh của ít nhất một khung giờ (ô trống được tính là 0)."))
        elif data.get("kwh") is None and "kwh" not in self.errors:
            self.add_error("kwh", _("Hãy nhập số kWh muốn tính, ví dụ 250."))
        return data


def _lines(quote: engine.Quote) -> list[dict]:
    parts = sorted({(line.start, line.end) for line in quote.lines})
    rows = []
    for part in parts:
        lines = [line for line in quote.lines if (line.start, line.end) == part]
        rows.append(
            {
                "start": part[0],
                "end": part[1] - dt.timedelta(days=1),
                "lines": [
                    {"name": str(line.tier) if line.tier is not None else PERIOD_NAMES[line.period],
                     "limit": line.limit_kwh, "kwh": line.kwh, "unit_price": line.unit_price, "amount": line.amount}
                    for line in lines
                ],
            }
        )  # fmt: skip
    return rows


@never_cache
@require_GET
def calculator(request: HttpRequest, code: str) -> HttpResponse:
    """Price a consumption the customer types in, with the tier-by-tier (or period-by-period) lines."""
    customer, account, response = own_account(request, code)
    if response is not None:
        return response
    today = timezone.localdate()
    meter = metering_selectors.current_meter(account=account, today=today)
    tiered = account.purpose == Purpose.RESIDENTIAL
    time_of_use = bool(meter is not None and meter.time_of_use and not tiered)
    submitted = "start" in request.GET or "end" in request.GET
    initial = {"start": today - dt.timedelta(days=30), "end": today, "households": account.households}
    form = CalculatorForm(
        request.GET if submitted else None, initial=initial, time_of_use=time_of_use, tiered=tiered
    )
    quote, error = None, ""
    if submitted and form.is_valid():
        data = form.cleaned_data
        registers = (
            (data.get("peak") or 0, data.get("normal") or 0, data.get("offpeak") or 0)
            if time_of_use
            else None
        )
        try:
            quote = tariff_selectors.consumption_quote(
                purpose=account.purpose, start=data["start"], end=data["end"],
                kwh=None if time_of_use else data["kwh"], registers=registers,
                households=data.get("households") or account.households if tiered else 1, voltage=account.voltage,
            )  # fmt: skip
        except engine.PricingError as exc:
            error = _("%(reason)s Hãy chọn một kỳ khác, hoặc gọi tổng đài %(hotline)s.") % {
                "reason": pricing_error_message(exc), "hotline": HOTLINE}  # fmt: skip
    vat_rates = sorted({part.basis_points for part in quote.vat_parts}) if quote else []
    return render(
        request,
        "portal/calculator.html",
        {
            "customer": customer,
            "account": account,
            "form": form,
            "quote": quote,
            "error": error,
            "parts": _lines(quote) if quote else [],
            "time_of_use": time_of_use,
            "tiered": tiered,
            "vat_percents": [f"{bp / 100:g}" for bp in vat_rates],
            "submitted": submitted,
            "decisions": quote.decisions if quote else (),
        },  # fmt: skip
        status=400 if submitted and not form.is_valid() else 200,
    )
