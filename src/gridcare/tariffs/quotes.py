"""A priced consumption as plain data: the JSON object of `gridcare quote --json` and of `POST /api/v1/quotes`."""

from django.utils.translation import gettext as _

from gridcare.core.formatting import format_day
from gridcare.customers.models import Purpose
from gridcare.tariffs import engine


def quote_as_dict(quote: engine.Quote) -> dict:
    """The quote as one JSON-ready object (ISO dates, whole VND, `vat_parts` when the VAT rate changes)."""
    rates = {part.basis_points for part in quote.vat_parts}
    data = {
        "start": quote.start.isoformat(),
        "end": quote.end.isoformat(),
        "days": quote.days,
        "lines": [
            {
                "from": line.start.isoformat(),
                "to": line.end.isoformat(),
                **({"tier": line.tier} if line.tier is not None else {"period": line.period}),
                "limit_kwh": line.limit_kwh,
                "kwh": line.kwh,
                "unit_price": line.unit_price,
                "amount": line.amount,
            }
            for line in quote.lines
        ],
        "subtotal": quote.subtotal,
        "vat_rate": rates.pop() / 10_000 if len(rates) == 1 else None,
        "vat": quote.vat,
        "total": quote.total,
    }
    if data["vat_rate"] is None:
        # The VAT rate changed inside the period: one entry per part with its own rate.
        data["vat_parts"] = [
            {"from": p.start.isoformat(), "to": p.end.isoformat(), "vat_rate": p.basis_points / 10_000,
             "subtotal": p.subtotal}
            for p in quote.vat_parts
        ]  # fmt: skip
    return data


def pricing_error_message(error: engine.PricingError) -> str:
    """A sentence for people saying why a consumption could not be priced (in the active language)."""
    if isinstance(error, engine.NoTariff):
        return _("Chưa có biểu giá cho mục đích %(purpose)s vào ngày %(day)s.") % {
            "purpose": Purpose(error.purpose).label, "day": format_day(error.day),
        }  # fmt: skip
    if isinstance(error, engine.NoVatRate):
        return _("Chưa có thuế suất GTGT cho ngày %(day)s.") % {"day": format_day(error.day)}
    return str(error)
