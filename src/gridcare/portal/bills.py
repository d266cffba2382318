"""Portal pages of bills: the list on the account page, one bill explained, its PDF."""

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridcare.billing.documents import bill_html, bill_pdf
from gridcare.billing.models import Bill
from gridcare.billing.selectors import bills_for_account, bills_visible_to_customer
from gridcare.customers import selectors as customer_selectors
from gridcare.portal.views import HOTLINE, _customer_or_redirect

# The bill's document (its lines, its explanation against last month and last year, its chart and VietQR) is the
# slowest part of the portal and changes only with the bill or the account's bills: it is cached per bill version,
# the account's latest bill and the language. The hour bounds what a change elsewhere (the seller's details) waits.
DOCUMENT_CACHE_SECONDS = 3600


def _bill_document(*, bill: Bill, language: str) -> str:
    latest = bills_for_account(account=bill.account_id).aggregate(latest=Max("pk"))["latest"]
    version = f"{bill.status}:{bill.kind}:{bill.total}:{bill.issued_at and bill.issued_at.timestamp()}"
    key = f"portal:bill-document:{bill.pk}:{version}:{latest}:{language}"
    return cache.get_or_set(
        key, lambda: bill_html(bill=bill, language=language, standalone=False), DOCUMENT_CACHE_SECONDS
    )


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
    document = _bill_document(bill=bill, language=translation.get_language())
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
