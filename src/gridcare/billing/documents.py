"""The bill as a document: one HTML template for the web page and the PDF (WeasyPrint renders the same HTML)."""

import datetime as dt
import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gridcare.billing.explanation import BillFacts, bill_explanation
from gridcare.billing.invoices import company_of, seller_of
from gridcare.billing.models import Bill
from gridcare.billing.selectors import bill_lines, monthly_bill_history, standing_bill
from gridcare.billing.vietqr import CollectionAccount, VietQRError, payment_reference, vietqr_payload
from gridcare.core.amount_words import amount_in_words
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import format_day, format_kwh, format_number, format_vnd


def collection_account() -> CollectionAccount:
    """The utility's account that receives bank transfers (settings GRIDCARE_VIETQR_*)."""
    return CollectionAccount(
        bank_bin=settings.GRIDCARE_VIETQR_BANK_BIN,
        account_number=settings.GRIDCARE_VIETQR_ACCOUNT_NUMBER,
        account_name=settings.GRIDCARE_VIETQR_ACCOUNT_NAME,
    )


def bill_payment_reference(*, bill: Bill) -> str | None:
    """The transfer reference of a bill the customer pays (an issued invoice), None for any other bill."""
    if bill.kind != Bill.Kind.INVOICE or bill.status != Bill.Status.ISSUED or bill.total <= 0:
        return None
    try:
        return payment_reference(bill_number=bill.number)
    except (
        VietQRError
    ):  # a number not made by a bill run (migrated from another system): paid by customer code
        return None


def bill_vietqr_payload(*, bill: Bill) -> str | None:
    """The VietQR text of a bill (its total, its reference), None when the bill is not to be paid."""
    reference = bill_payment_reference(bill=bill)
    if reference is None:
        return None
    return vietqr_payload(account=collection_account(), amount=bill.total, reference=reference)


def qr_svg(*, payload: str, label: str) -> str:
    """A QR code as inline SVG (crisp in the page and in the PDF, a few kilobytes), labelled for screen readers."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)  # fmt: skip
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="vietqr" role="img"', svg)
    svg = svg.replace(' id="qr-path"', "")
    escaped = label.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return svg.replace(">", f"><title>{escaped}</title>", 1)


def _month_add(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


def _facts(bill: Bill, lines, purpose: str = "residential") -> BillFacts:
    """What the explanation reads of a bill (`purpose` words it: only the explained bill's matters)."""
    parts: dict = {}
    for line in lines:
        parts.setdefault(line.part_from, []).append(line.unit_price)
    tiers = [line for line in lines if line.tier]
    top = max(tiers, key=lambda line: line.tier) if tiers else None
    periods = ("peak", "normal", "offpeak")
    timed = sorted((line for line in lines if line.period in periods), key=lambda line: line.part_from)
    period_kwh = tuple(sum(line.kwh for line in timed if line.period == p) for p in periods) if timed else ()
    latest_price = {line.period: line.unit_price for line in timed}  # the last part's price of each period
    return BillFacts(
        days=bill.days, kwh=bill.kwh, total=bill.total, part_starts=tuple(sorted(parts)),
        part_prices=tuple(tuple(parts[d]) for d in sorted(parts)),
        top_tier=top.tier if top else None, top_tier_price=top.unit_price if top else None,
        purpose=purpose, period_kwh=period_kwh,
        period_prices=tuple(latest_price.get(p, 0) for p in periods) if timed else (),
    )  # fmt: skip


def _parts(lines, language: str) -> list[dict]:
    """The bill's lines grouped by part of the period (more than one part: prices or VAT changed inside it)."""
    parts: dict = {}
    for li in lines:
        parts.setdefault((li.part_from, li.part_to), []).append(
            {
                "label": (_("Bậc %(n)s") % {"n": li.tier}) if li.tier else li.get_period_display(),
                # Units are in the column headers, so that the five columns fit a 360-pixel phone screen.
                "limit": format_number(li.limit_kwh, language=language) if li.limit_kwh is not None else "—",
                "kwh": format_number(li.kwh, language=language),
                "unit_price": format_number(li.unit_price, language=language),
                "amount": format_number(li.amount, language=language),
            }
        )
    return [
        {
            "label": f"{format_day(start, language=language)} – {format_day(end - dt.timedelta(days=1), language=language)}",
            "days": (end - start).days,
            "lines": part_lines,
        }
        for (start, end), part_lines in sorted(parts.items())
    ]


def bill_document_context(*, bill: Bill, language: str) -> dict:
    """Everything the bill template shows, formatted for `language`."""
    with translation.override(language):
        lines = list(bill_lines(bill=bill))
        previous = standing_bill(account=bill.account, period=_month_add(bill.period, -1))
        last_year = standing_bill(account=bill.account, period=_month_add(bill.period, -12))
        explanation = bill_explanation(
            bill=_facts(bill, lines, purpose=bill.account.purpose),
            previous=_facts(previous, list(bill_lines(bill=previous))) if previous else None,
            last_year=_facts(last_year, []) if last_year else None,
            language=language,
        ) if bill.kind == Bill.Kind.INVOICE else []  # fmt: skip
        history = {p: k for p, k, _t in monthly_bill_history(account=bill.account, until=bill.period)}
        months = [_month_add(bill.period, -i) for i in range(11, -1, -1)]
        chart = bar_chart_svg(
            labels=[f"{m:%m/%y}" for m in months],
            series=[Series(name=_("Điện năng (kWh)"), values=[history.get(m) for m in months])],
            title=_("Điện năng tiêu thụ 12 tháng"),
            y_axis_label="kWh",
            value_format=lambda v: format_kwh(v, language=language),
            tick_format=lambda v: format_kwh(v, language=language).replace(" kWh", ""),
            label_every=2, width=520, height=200, element_id=f"bill-chart-{bill.pk}",
        )  # fmt: skip
        account = bill.account
        premise = account.premise
        seller = seller_of(company_of(account.unit))
        meter = bill.end_reading.meter if bill.end_reading_id else None
        reference = bill_payment_reference(bill=bill)
        qr = None
        if reference:
            qr = qr_svg(payload=bill_vietqr_payload(bill=bill),
                        label=_("Mã VietQR chuyển khoản %(amount)s, nội dung %(reference)s")
                        % {"amount": format_vnd(bill.total, language=language), "reference": reference})  # fmt: skip
        return {
            "seller": seller,
            "invoice_form": settings.GRIDCARE_INVOICE_FORM,
            "invoice_number": f"{bill.invoice_number:08d}" if bill.invoice_number else "",
            "meter_serial": meter.serial if meter else "",
            "buyer_tax_code": account.customer.tax_code,
            # The words are Vietnamese in every language: the invoice's legal text.
            "total_in_words": amount_in_words(bill.total),
            "reference": reference,
            "bank": {
                "name": settings.GRIDCARE_VIETQR_BANK_NAME,
                "account_number": settings.GRIDCARE_VIETQR_ACCOUNT_NUMBER,
                "account_name": settings.GRIDCARE_VIETQR_ACCOUNT_NAME,
            },  # fmt: skip
            "vietqr": qr,
            "lookup_url": getattr(settings, "GRIDCARE_INVOICE_LOOKUP_URL", ""),
            "bill": bill,
            "language": language,
            "account": account,
            "address": f"{premise.street}, {premise.commune.name}, {premise.province.name}",
            "parts": _parts(lines, language),
            # A time-of-use bill has hours, not tiers: no tier column, no tier limits.
            "time_of_use": any(line.period for line in lines),
            "label_columns": 3 if any(line.period for line in lines) else 4,
            "start": format_day(bill.start_date, language=language),
            "end": format_day(bill.end_date, language=language),
            "last_day": format_day(bill.end_date - dt.timedelta(days=1), language=language),
            "kwh": format_kwh(bill.kwh, language=language),
            "subtotal": format_vnd(bill.subtotal, language=language),
            "vat": format_vnd(bill.vat, language=language),
            "vat_percent": round(100 * bill.vat / bill.subtotal) if bill.subtotal else 0,
            "total": format_vnd(bill.total, language=language),
            "due": format_day(bill.due_date, language=language) if bill.due_date else "",
            "explanation": explanation,
            "chart": chart,
        }


def bill_html(*, bill: Bill, language: str = "vi", standalone: bool = True, style_nonce: str = "") -> str:
    """The bill as HTML (a whole page when `standalone`, else a fragment for the portal).

    A page served to a browser passes its Content-Security-Policy nonce (`style_nonce`) for its style sheet.
    """
    context = bill_document_context(bill=bill, language=language) | {
        "standalone": standalone,
        "style_nonce": style_nonce,
    }
    with translation.override(language):
        return render_to_string("billing/bill_document.html", context)


def bill_pdf(*, bill: Bill, language: str = "vi") -> bytes:
    """The bill as a PDF, rendered from the same HTML."""
    from weasyprint import (
        HTML,  # imported here: loading WeasyPrint takes a moment and most callers never need it
    )

    return HTML(string=bill_html(bill=bill, language=language)).write_pdf()
