"""Portal pages of bills: the list on the account page, one bill explained, its PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcare.billing.documents import bill_html, bill_pdf
from gridcare.billing.selectors import bills_visible_to_customer
from gridcare.customers import selectors as customer_selectors
from gridcare.portal.views import HOTLINE, _customer_or_redirect


def _customer_bill(request: HttpRequest, code: str, number: str):
    """(account, bill, None) when the bill is the signed-in customer's; else (None, None, response)."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return None, None, response
    account = customer_selectors.account_for_user(user=request.user, code=code)
    bill = bills_visible_to_customer(account=account).filter(number=number).first() if account else None
    if bill is None:
        return None, None, render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)
    return account, bill, None


@never_cache
@require_GET
def bill_detail(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """One bill with its lines, its explanation and its chart, as the PDF shows it."""
    account, bill, response = _customer_bill(request, code, number)
    if response is not None:
        return response
    document = bill_html(bill=bill, language=translation.get_language(), standalone=False)
    return render(
        request,
        "portal/bill.html",
        # The document is rendered by the billing template, which escapes every value itself.
        {"account": account, "bill": bill, "document": mark_safe(document)},  # noqa: S308
    )


@require_GET
def bill_download(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """The bill as a PDF (the same HTML, rendered by WeasyPrint)."""
    _account, bill, response = _customer_bill(request, code, number)
    if response is not None:
        return response
    pdf = bill_pdf(bill=bill, language=translation.get_language())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="hoa-don-{bill.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
