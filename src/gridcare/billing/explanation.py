"""Plain-language reasons why a bill differs from the previous one (days, prices, use, tiers).

"Tiền điện tháng 11 tăng vì kỳ này có 33 ngày và giá điện mới từ 10/5" beats a code: bill shock is the
top complaint of Vietnamese customers, so every bill explains itself.

A household's tiered bill speaks of tiers and of "your household"; a business, production, administrative
or public-service bill priced by time of use speaks of peak, normal and off-peak hours and of the company
(or, for offices, schools and hospitals, the organisation), never of tiers.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from gridcare.core.formatting import format_day, format_kwh, format_vnd

# Organisations with one price for all hours: administrative units (hành chính sự nghiệp) and hospitals,
# nurseries, kindergartens and general schools (public_service).
ORGANISATION_PURPOSES = ("administrative", "public_service")


@dataclass(frozen=True)
class BillFacts:
    """What the explanation needs of one bill (no ORM: the caller loads it)."""

    days: int
    kwh: int
    total: int
    part_starts: tuple  # the first day of each part of the period (more than one: prices or VAT changed)
    part_prices: tuple  # per part, the tuple of unit prices of its lines
    top_tier: int | None
    top_tier_price: int | None
    purpose: str = "residential"
    # Time-of-use bills: kWh and the unit price of each period, (peak, normal, off-peak); empty on tiered bills.
    period_kwh: tuple = ()
    period_prices: tuple = ()

    @property
    def time_of_use(self) -> bool:
        return bool(self.period_kwh)


def _percent(new: int, old: int) -> int:
    return round(100 * (new - old) / old) if old else 0


def _days_changed(bill: BillFacts, previous: BillFacts) -> str:
    if bill.time_of_use:
        return _("Kỳ này có %(days)s ngày, kỳ trước %(before)s ngày.") % {
            "days": bill.days,
            "before": previous.days,
        }
    return _("Kỳ này có %(days)s ngày, kỳ trước %(before)s ngày: định mức mỗi bậc được tính theo số ngày.") % {
        "days": bill.days, "before": previous.days}  # fmt: skip


def _use_per_day(bill: BillFacts, *, more: bool) -> str:
    """ "Your household / company / organisation used … a day", in whole sentences for the translators."""
    if not bill.time_of_use:
        return (_("Mỗi ngày nhà bạn dùng trung bình %(now)s, kỳ trước %(before)s.") if more
                else _("Mỗi ngày nhà bạn dùng trung bình %(now)s, ít hơn kỳ trước (%(before)s)."))  # fmt: skip
    if bill.purpose in ORGANISATION_PURPOSES:
        return (_("Mỗi ngày đơn vị của quý khách dùng trung bình %(now)s, kỳ trước %(before)s.") if more
                else _("Mỗi ngày đơn vị của quý khách dùng trung bình %(now)s, ít hơn kỳ trước (%(before)s)."))  # fmt: skip
    return (_("Mỗi ngày doanh nghiệp của quý khách dùng trung bình %(now)s, kỳ trước %(before)s.") if more
            else _("Mỗi ngày doanh nghiệp của quý khách dùng trung bình %(now)s, ít hơn kỳ trước (%(before)s)."))  # fmt: skip


def _hours(bill: BillFacts, language: str) -> list[str]:
    """Where the kWh fell (peak, normal, off-peak hours) and what moving them would save."""
    peak, normal, offpeak = bill.period_kwh
    peak_price, normal_price, offpeak_price = bill.period_prices
    prices = {p for p in bill.period_prices if p}
    if not peak and not offpeak:
        if bill.purpose in ORGANISATION_PURPOSES:  # one price for all hours
            return [_("Toàn bộ điện năng tính một giá cho mọi giờ: %(price)s/kWh.") % {
                "price": format_vnd(normal_price, language=language)}]  # fmt: skip
        return [_("Công tơ chưa đo theo giờ: toàn bộ điện năng tính theo giá giờ bình thường (%(price)s/kWh).") % {
            "price": format_vnd(normal_price, language=language)}]  # fmt: skip
    total = peak + normal + offpeak
    reasons = [_("Giờ cao điểm: %(peak)s (%(share)s%%), giờ bình thường: %(normal)s, giờ thấp điểm: %(offpeak)s.") % {
        "peak": format_kwh(peak, language=language), "share": (200 * peak + total) // (2 * total),
        "normal": format_kwh(normal, language=language), "offpeak": format_kwh(offpeak, language=language)}]  # fmt: skip
    if peak_price and offpeak_price and peak_price > offpeak_price:
        reasons.append(_("Giá giờ cao điểm %(peak)s/kWh, giờ thấp điểm %(offpeak)s/kWh: chuyển phần việc dùng nhiều "
                         "điện sang giờ thấp điểm giảm tiền điện.") % {
            "peak": format_vnd(peak_price, language=language), "offpeak": format_vnd(offpeak_price, language=language)})  # fmt: skip
    elif len(prices) == 1:
        reasons.append(_("Toàn bộ điện năng tính một giá cho mọi giờ: %(price)s/kWh.") % {
            "price": format_vnd(prices.pop(), language=language)})  # fmt: skip
    return reasons


def bill_explanation(
    *, bill: BillFacts, previous: BillFacts | None, last_year: BillFacts | None, language: str
) -> list[str]:
    """Sentences in the active language that explain the bill, most important first."""
    reasons: list[str] = []
    if previous is not None and previous.total:
        change = _percent(bill.total, previous.total)
        if change >= 5:
            reasons.append(_("Tiền điện kỳ này tăng %(p)s%% so với kỳ trước (%(old)s → %(new)s).") % {
                "p": change, "old": format_vnd(previous.total, language=language),
                "new": format_vnd(bill.total, language=language)})  # fmt: skip
        elif change <= -5:
            reasons.append(_("Tiền điện kỳ này giảm %(p)s%% so với kỳ trước (%(old)s → %(new)s).") % {
                "p": -change, "old": format_vnd(previous.total, language=language),
                "new": format_vnd(bill.total, language=language)})  # fmt: skip
        else:
            reasons.append(_("Tiền điện kỳ này gần bằng kỳ trước."))
        if bill.days != previous.days:
            reasons.append(_days_changed(bill, previous))
        per_day, per_day_before = bill.kwh / max(bill.days, 1), previous.kwh / max(previous.days, 1)
        if per_day_before and abs(per_day - per_day_before) / per_day_before >= 0.05:
            reasons.append(
                _use_per_day(bill, more=per_day > per_day_before)
                % {"now": format_kwh(round(per_day, 1), language=language),
                   "before": format_kwh(round(per_day_before, 1), language=language)}
            )  # fmt: skip
    if len(bill.part_starts) > 1:
        changes = ", ".join(format_day(d, language=language) for d in bill.part_starts[1:])
        if len(set(bill.part_prices)) > 1:
            reasons.append(_("Giá điện thay đổi trong kỳ (từ %(dates)s): điện năng được chia theo số ngày áp dụng mỗi giá.")
                           % {"dates": changes})  # fmt: skip
        else:
            reasons.append(_("Thuế GTGT thay đổi trong kỳ (từ %(dates)s).") % {"dates": changes})
    if bill.time_of_use:
        reasons.extend(_hours(bill, language))
    elif bill.top_tier and bill.top_tier >= 4 and bill.top_tier_price:
        reasons.append(_("Một phần điện năng tính theo bậc %(tier)s, giá %(price)s/kWh: tiết kiệm vài kWh mỗi ngày giảm phần này trước.")
                       % {"tier": bill.top_tier, "price": format_vnd(bill.top_tier_price, language=language)})  # fmt: skip
    if last_year is not None and last_year.kwh:
        change = _percent(bill.kwh, last_year.kwh)
        reasons.append(_("So với cùng kỳ năm trước: %(now)s so với %(before)s (%(sign)s%(p)s%%).") % {
            "now": format_kwh(bill.kwh, language=language), "before": format_kwh(last_year.kwh, language=language),
            "sign": "+" if change >= 0 else "−", "p": abs(change)})  # fmt: skip
    return reasons
