"""Portal pages of payments: what each account owes (home), paying a bill or everything due, the return page that
shows the real status, and receipts.

Only the gateway's server-to-server callback records money (gridcare.api.payments); the return page reads the
order's status and refreshes itself while it is pending (a meta refresh: it works without JavaScript).
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridcare.billing.documents import bill_payment_reference, collection_account, qr_svg
from gridcare.billing.selectors import bills_visible_to_customer
from gridcare.billing.vietqr import VietQRError, vietqr_payload
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import format_vnd, local_date
from gridcare.customers import selectors as customer_selectors
from gridcare.notifications.selectors import inbox_for_account
from gridcare.payments import selectors, services
from gridcare.payments.models import PaymentOrder
from gridcare.portal.views import HOTLINE, _customer_or_redirect, own_account

GATEWAYS = ("vnpay", "zalopay", "bank_transfer")


@dataclass(frozen=True)
class AccountCard:
    """What the home page shows for one account."""

    account: object
    balance: selectors.Balance
    latest_bill: object
    unread: int


def account_cards(*, accounts, today) -> list[AccountCard]:
    """For each account: its balance (due, overdue, next due date), latest bill and unread notices."""
    cards = []
    for account in accounts:
        latest = (
            bills_visible_to_customer(account=account)
            .filter(kind="invoice")
            .order_by("-period", "-pk")
            .first()
        )
        unread = sum(1 for m in inbox_for_account(account=account) if m.read_at is None)
        cards.append(AccountCard(account=account, balance=selectors.account_balance(account=account, today=today),
                                 latest_bill=latest, unread=unread))  # fmt: skip
    return cards


def _not_found(request):
    return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)


def _transfer_qr(account, bills, amount: int) -> tuple[str, str] | None:
    """The VietQR code of this transfer (the bill page's code, for what is left to pay): one bill is named by its
    reference, several by the customer code (the statement import then pays them oldest due first)."""
    reference = bill_payment_reference(bill=bills[0]) if len(bills) == 1 else None
    reference = reference or account.code
    try:
        payload = vietqr_payload(account=collection_account(), amount=amount, reference=reference)
    except VietQRError:
        return None
    return payload, qr_svg(payload=payload, label=_("Mã VietQR chuyển khoản %(amount)s, nội dung %(reference)s")
                           % {"amount": format_vnd(amount, language=translation.get_language()), "reference": reference})  # fmt: skip


def _transfer_details(account, bills, amount: int = 0) -> dict:
    """The collection account and the transfer text that lets a bank statement line find these bills."""
    reference = " ".join([account.code, *[b.number for b in bills]])
    return {
        "vietqr": _transfer_qr(account, bills, amount) if bills and amount > 0 else None,  # (payload, svg)
        "bank_bin": getattr(settings, "GRIDCARE_VIETQR_BANK_BIN", "970436"),
        "bank_account": getattr(settings, "GRIDCARE_VIETQR_ACCOUNT_NUMBER", "0011000000000"),
        "bank_account_name": getattr(settings, "GRIDCARE_VIETQR_ACCOUNT_NAME", "TONG CONG TY DIEN LUC"),
        "transfer_text": reference,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, code: str) -> HttpResponse:
    """Pay one bill (`?bill=<number>`) or everything due: choose VNPAY, ZaloPay or a bank transfer (VietQR)."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    today = local_date(timezone.now())
    balance = selectors.account_balance(account=account, today=today)
    number = (request.POST.get("bill") or request.GET.get("bill") or "").strip().upper()
    rows = [d for d in balance.bills if not number or d.bill.number == number]
    if number and not rows:
        # Paid already, or not this customer's bill: the bill page says which.
        if bills_visible_to_customer(account=account).filter(number=number).exists():
            return redirect("portal:bill", code=account.code, number=number)
        return _not_found(request)
    context = {"account": account, "balance": balance, "rows": rows, "bill_number": number,
               "amount": sum(r.outstanding for r in rows), "error": None}  # fmt: skip
    if request.method == "POST" and rows:
        gateway = request.POST.get("gateway", "")
        if gateway not in GATEWAYS:
            context["error"] = _("Vui lòng chọn một cách thanh toán.")
        elif gateway == "bank_transfer":
            context.update(_transfer_details(account, [r.bill for r in rows], context["amount"]))
            return render(request, "portal/payments/transfer.html", context)
        else:
            try:
                order, url = services.payment_order_create(
                    account=account, gateway=gateway, bills=[r.bill for r in rows] if number else None,
                    now=timezone.now(), user=request.user, client_ip=client_address(request) or "",
                    language=translation.get_language() or "vi",
                    return_url=lambda ref: request.build_absolute_uri(reverse("portal:payment-return", args=[ref])),
                )  # fmt: skip
            except services.PaymentError as exc:
                context["error"] = (
                    _("Không còn khoản nào phải thanh toán.") if exc.code == "nothing_due"
                    else _("Cổng thanh toán đang bận, quý khách vui lòng thử lại sau ít phút hoặc chọn cách khác.")
                )  # fmt: skip
            else:
                return redirect(url)
    return render(request, "portal/payments/pay.html", context, status=400 if context["error"] else 200)


@never_cache
@require_GET
def payment_return(request: HttpRequest, reference: str) -> HttpResponse:
    """Where the gateway sends the customer back: the order's real status (the callback decides, not this page)."""
    _customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    order = selectors.order_by_reference(reference=reference)
    if (
        order is None
        or customer_selectors.account_for_user(user=request.user, code=order.account.code) is None
    ):
        return _not_found(request)
    payment = selectors.payment_for_order(order=order)
    pending = order.status == PaymentOrder.Status.PENDING
    return render(request, "portal/payments/return.html",
                  {"order": order, "account": order.account, "payment": payment, "pending": pending})  # fmt: skip


@never_cache
@require_GET
def receipts(request: HttpRequest, code: str) -> HttpResponse:
    """The account's payments, newest first, each with its receipt."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    payments = list(selectors.payments_for_account(account=account)[:50])
    return render(request, "portal/payments/receipts.html", {"account": account, "payments": payments})


@never_cache
@require_GET
def receipt(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """One receipt (biên lai): the payment and the bills it paid."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    payment = None
    if len(number) > 8 and number[8:].isdigit():  # BL + yymmdd + the payment's number
        payment = selectors.payments_for_account(account=account).filter(pk=int(number[8:])).first()
    if payment is None or payment.receipt_number != number:
        return _not_found(request)
    return render(request, "portal/payments/receipt.html", {
        "account": account, "payment": payment, "allocations": list(selectors.payment_allocations(payment=payment)),
        "refunded": selectors.payment_reversed_amount(payment=payment),
    })  # fmt: skip
