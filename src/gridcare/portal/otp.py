"""Sign-in to the portal with a one-time code sent by SMS or Zalo to the contract's phone.

The page gives the same answer, in the same time, whether the customer code exists, has a portal
login or a phone for the chosen channel (codes are printed on bills and must not be confirmed): the
lookup and the sending happen in a background task queued for every request. Issuing is rate-limited
and codes expire and count attempts (in `notifications.services`); wrong codes count as failed
sign-ins in the portal's own throttling (`customers.signin`), per code and address and per address,
under counters of their own: wrong codes lock the code sign-in, never the password sign-in. Requests
are also limited per address (and codes sent, in all, per hour: SMS pumping).
"""

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gridcare.core.clientaddress import client_address
from gridcare.customers import selectors as customer_selectors
from gridcare.customers import signin
from gridcare.customers.models import Account
from gridcare.notifications import services
from gridcare.notifications.tasks import otp_send
from gridcare.portal.forms import OtpRequestForm, OtpVerifyForm
from gridcare.portal.views import HOTLINE, _lock_message, _safe_next

SESSION_KEY = "gc_otp_code"  # the customer code a one-time code was asked for (never the code itself)
BACKEND = "gridcare.customers.auth.CustomerCodeBackend"


def _portal_account(customer_code: str) -> Account | None:
    """The account of a typed code when its customer can sign in to the portal, else None."""
    account = customer_selectors.account_by_code(code=customer_code)
    if account is None or account.customer.user is None or not account.customer.user.is_active:
        return None
    return account


@never_cache
@require_http_methods(["GET", "POST"])
def otp_request(request: HttpRequest) -> HttpResponse:
    """Step 1: the customer code and SMS or Zalo; the same answer whatever the code."""
    if customer_selectors.customer_for_user(user=request.user) is not None:
        return redirect(_safe_next(request, reverse("portal:home")))
    form = OtpRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        code = form.cleaned_data["customer_code"]
        identifier = signin.signin_identifier(customer_code=code)
        address = client_address(request)
        locked_until = signin.code_requests_locked_until(
            address=address, now=now
        ) or signin.signin_locked_until(
            identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
        )
        if locked_until is None:
            signin.code_request_record(address=address, now=now)
        if locked_until is not None:
            context = {
                "form": form,
                "lock_message": _lock_message(until=locked_until, now=now),
                "hotline": HOTLINE,
            }
            return render(request, "portal/otp_request.html", context, status=429)
        # The same work whatever the code: one background task that looks the code up and, if it can,
        # sends a code. Neither the answer nor its timing tells whether the customer code exists.
        otp_send.enqueue(identifier, form.cleaned_data["channel"])
        request.session[SESSION_KEY] = identifier
        target = reverse("portal:otp_verify")
        next_url = _safe_next(request, "")
        return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
    return render(
        request,
        "portal/otp_request.html",
        {"form": form, "next": _safe_next(request, ""), "hotline": HOTLINE},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code received; a right one signs the customer in with a new session key."""
    identifier = request.session.get(SESSION_KEY)
    if not identifier:
        return redirect("portal:otp_request")
    form = OtpVerifyForm(request.POST if request.method == "POST" else None)
    lock_message = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        address = client_address(request)
        locked_until = signin.signin_locked_until(
            identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
        )
        if locked_until is None:
            account = _portal_account(identifier)
            if account is not None and services.otp_verify(
                account=account, code=form.cleaned_data["code"], now=now
            ):
                signin.signin_success_record(
                    identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
                )
                request.session.pop(SESSION_KEY, None)
                login(request, account.customer.user, backend=BACKEND)  # rotates the session key
                return redirect(_safe_next(request, reverse("portal:home")))
            signin.signin_failure_record(
                identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
            )
            locked_until = signin.signin_locked_until(
                identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
            )
            if locked_until is None:
                form.add_error(
                    None,
                    _(
                        "Mã xác thực chưa đúng hoặc đã hết hạn. Hãy nhập lại mã trong tin nhắn mới nhất, "
                        "hoặc yêu cầu gửi mã mới."
                    ),
                )
        if locked_until is not None:
            lock_message = _lock_message(until=locked_until, now=now)
            status = 429
    context = {
        "form": form,
        "customer_code": identifier,
        "lock_message": lock_message,
        "next": _safe_next(request, ""),
        "hotline": HOTLINE,
    }
    return render(request, "portal/otp_verify.html", context, status=status)
