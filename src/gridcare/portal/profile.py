"""The customer's own account pages: password (change, reset when forgotten), contact details, bill delivery,
and the contracts one sign-in uses (switch between them, add another by its code and a one-time code, unlink).

Views call `notifications.selfservice` (one call each) and the sign-in throttles of `customers.signin`: codes
asked for are limited per address, wrong codes count per (customer code, address) and per address under the
one-time-code counters, exactly as the code sign-in (`portal.otp`). The chosen contract is kept in the session
(`current_account`); a contract the sign-in may not use is a 404, as everywhere in the portal.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridcare.core.audit import acting_as
from gridcare.core.clientaddress import client_address
from gridcare.customers import selectors as customer_selectors
from gridcare.customers import signin
from gridcare.customers.models import Account, ContactChange
from gridcare.notifications import selfservice
from gridcare.notifications import zalo_oa as zalo_oa_links
from gridcare.notifications.models import OtpPurpose
from gridcare.notifications.services import NotificationError
from gridcare.notifications.tasks import otp_send
from gridcare.portal import profile_forms as forms
from gridcare.portal.views import HOTLINE, _customer_or_redirect, _lock_message

CURRENT_ACCOUNT = "gc_account"  # the customer code of the contract chosen in this session
RESET_CODE = "gc_reset_code"  # the customer code a password-reset code was asked for
LINK_CODE = "gc_link_code"  # the customer code of the contract being added
BACKEND = "gridcare.customers.auth.CustomerCodeBackend"


def current_account(request: HttpRequest) -> Account | None:
    """The contract chosen in this session, else the sign-in's first one (by code); None when it has none."""
    accounts = customer_selectors.accounts_for_user(user=request.user)
    chosen = request.session.get(CURRENT_ACCOUNT)
    account = accounts.filter(code=chosen).first() if chosen else None
    return account or accounts.first()


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, f"portal/profile/{template}", {"hotline": HOTLINE, **context}, status=status)


def _code_locked(request: HttpRequest, identifier: str) -> str:
    """The lock message when this address may not ask for codes now, or for this customer code; '' when it may."""
    now, address = timezone.now(), client_address(request)
    until = signin.code_requests_locked_until(address=address, now=now) or signin.signin_locked_until(
        identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
    )
    if until is not None:
        return _lock_message(until=until, now=now)
    signin.code_request_record(address=address, now=now)
    return ""


def _code_try(request: HttpRequest, identifier: str, check: Callable[[], object]) -> tuple[object, str]:
    """Try a typed code under the one-time-code throttles: (result of `check` or None, lock message or '')."""
    now, address = timezone.now(), client_address(request)
    locked = signin.signin_locked_until(
        identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
    )
    if locked is None:
        result = check()
        if result:
            signin.signin_success_record(
                identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
            )
            return result, ""
        signin.signin_failure_record(
            identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
        )
        locked = signin.signin_locked_until(
            identifier=identifier, address=address, now=now, kind=signin.ONE_TIME_CODE
        )
    return None, (_lock_message(until=locked, now=now) if locked is not None else "")


def _wrong_code() -> str:
    return _(
        "Mã xác thực chưa đúng hoặc đã hết hạn. Hãy nhập lại mã trong tin nhắn mới nhất, hoặc yêu cầu gửi mã mới."
    )


# --- the profile page and switching contracts ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
def profile_page(request: HttpRequest) -> HttpResponse:
    """Tài khoản và liên hệ: the chosen contract's contacts and bill delivery, the contracts of this sign-in."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    account = current_account(request)
    accounts = list(customer_selectors.accounts_for_user(user=request.user))
    linked = {link.account_id for link in customer_selectors.account_links_for_user(user=request.user)}
    context = {"customer": customer, "account": account, "accounts": accounts, "linked": linked}
    if account is not None:
        options = selfservice.bill_delivery_options(account=account)
        context.update(
            pending_email=customer_selectors.pending_contact_change(
                account=account, kind=ContactChange.Kind.EMAIL
            ),
            pending_phone=customer_selectors.pending_contact_change(
                account=account, kind=ContactChange.Kind.PHONE
            ),
            history=list(customer_selectors.contact_changes_for_account(account=account, limit=5)),
            bill_form=forms.BillDeliveryForm(initial={"choice": account.bill_delivery}),
            bill_options=options,
            is_own=customer_selectors.account_is_owned_by(user=request.user, account=account),
        )
    return _page(request, "index.html", context)


@require_POST
def account_switch(request: HttpRequest) -> HttpResponse:
    """Choose the contract the pages work on; a contract this sign-in may not use is a 404."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    account = customer_selectors.account_for_user(user=request.user, code=request.POST.get("code", ""))
    if account is None:
        return _not_found(request)
    request.session[CURRENT_ACCOUNT] = account.code
    return redirect("portal:account", code=account.code)


def _signed_in_account(request: HttpRequest) -> tuple[Account | None, HttpResponse | None]:
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return None, response
    account = current_account(request)
    if account is None:
        return None, redirect("portal:home")
    return account, None


# --- password ----------------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change the password when signed in; this session stays, every other one is signed out."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    form = forms.PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(user=request.user, address=client_address(request)):
                selfservice.password_change(
                    user=request.user, current_password=form.cleaned_data["current_password"],
                    new_password=form.cleaned_data["new_password1"], now=timezone.now(),
                )  # fmt: skip
        except selfservice.SelfServiceError as error:
            form.add_error("current_password", str(error))
        else:
            update_session_auth_hash(request, request.user)  # keeps this session; the others end
            messages.success(request, _("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."))
            return redirect("portal:profile")
    return _page(request, "password.html", {"form": form})


def _code_request(
    request: HttpRequest, form, *, template: str, purpose: str, session_key: str, then: str
) -> HttpResponse:
    """Step 1 of a one-time code: a customer code and SMS or Zalo; the same answer whatever the code, the sign-in
    throttles first; the code is sent by the background task and the next step is told which contract it is for."""
    if request.method == "POST" and form.is_valid():
        identifier = signin.signin_identifier(customer_code=form.cleaned_data["customer_code"])
        lock_message = _code_locked(request, identifier)
        if lock_message:
            return _page(request, template, {"form": form, "lock_message": lock_message}, status=429)
        otp_send.enqueue(identifier, form.cleaned_data["channel"], purpose)
        request.session[session_key] = identifier
        return redirect(then)
    return _page(request, template, {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step 1: the customer code and SMS or Zalo; the same answer whatever the code."""
    return _code_request(request, forms.ResetRequestForm(request.POST or None), template="reset_request.html",
                         purpose=OtpPurpose.PASSWORD_RESET, session_key=RESET_CODE, then="portal:password_reset_verify")  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def reset_verify(request: HttpRequest) -> HttpResponse:
    """Forgotten password, step 2: the code received and the new password twice; then signed in, others signed out."""
    identifier = request.session.get(RESET_CODE)
    if not identifier:
        return redirect("portal:password_reset")
    form = forms.ResetVerifyForm(request.POST or None)
    lock_message = ""
    if request.method == "POST" and form.is_valid():
        with acting_as(address=client_address(request)):
            user, lock_message = _code_try(request, identifier, lambda: selfservice.password_reset(
                customer_code=identifier, code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"], now=timezone.now(),
            ))  # fmt: skip
        if user is not None:
            request.session.pop(RESET_CODE, None)
            login(
                request, user, backend=BACKEND
            )  # a new session key; the old sessions' hash no longer matches
            messages.success(
                request, _("Đã đặt mật khẩu mới và đăng nhập. Các thiết bị khác đã được đăng xuất.")
            )
            return redirect("portal:profile")
        if not lock_message:
            form.add_error("code", _wrong_code())
    context = {"form": form, "customer_code": identifier, "lock_message": lock_message}
    return _page(request, "reset_verify.html", context, status=429 if lock_message else 200)


# --- contact details ---------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    """Add or change the e-mail: a link goes to the new address; it counts only once confirmed."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    form = forms.EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link_base = request.build_absolute_uri(
            reverse("portal:email_confirm", kwargs={"token": "T"})
        ).removesuffix("T/")
        try:
            with acting_as(user=request.user, address=client_address(request)):
                selfservice.email_change_request(
                    account=account, user=request.user, email=form.cleaned_data["email"], link_base=link_base,
                    now=timezone.now(),
                )  # fmt: skip
        except NotificationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, _("Đã gửi thư xác nhận tới %(email)s. Hãy mở liên kết trong thư trong %(hours)s giờ; "
                                        "e-mail mới được dùng sau khi xác nhận.")
                             % {"email": form.cleaned_data["email"], "hours": selfservice.email_link_hours()})  # fmt: skip
            return redirect("portal:profile")
    return _page(request, "email.html", {"form": form, "account": account})


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail: GET asks to confirm (mail scanners open links), POST confirms."""
    try:
        change = selfservice.email_change_pending(token=token)
    except selfservice.SelfServiceError as error:
        return _page(request, "email_confirm.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        with acting_as(address=client_address(request)):
            selfservice.email_change_confirm(token=token, now=timezone.now())
        return _page(request, "email_confirm.html", {"done": True, "email": change.new_value})
    return _page(request, "email_confirm.html", {"email": change.new_value, "code": change.account.code})


@never_cache
@require_http_methods(["GET", "POST"])
def phone_change(request: HttpRequest) -> HttpResponse:
    """Change the phone, step 1: the new number gets a code by SMS."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    form = forms.PhoneForm(request.POST or None)
    status = 200
    lock_message = ""
    if request.method == "POST" and form.is_valid():
        lock_message = _code_locked(request, account.code)
        if lock_message:
            status = 429
        else:
            try:
                with acting_as(user=request.user, address=client_address(request)):
                    selfservice.phone_change_request(
                        account=account,
                        user=request.user,
                        phone=form.cleaned_data["phone"],
                        now=timezone.now(),
                    )
            except NotificationError as error:
                form.add_error("phone", str(error))
            else:
                return redirect("portal:phone_verify")
    return _page(
        request, "phone.html", {"form": form, "account": account, "lock_message": lock_message}, status=status
    )


def _verify_page(
    request, *, account, kind: str, confirm, template: str, done_message: str, back: str
) -> HttpResponse:
    pending = customer_selectors.pending_contact_change(account=account, kind=kind)
    if pending is None:
        return redirect(back)
    form = forms.CodeForm(request.POST or None)
    lock_message = ""
    if request.method == "POST" and form.is_valid():
        with acting_as(user=request.user, address=client_address(request)):
            ok, lock_message = _code_try(request, account.code, lambda: confirm(
                account=account, user=request.user, code=form.cleaned_data["code"], now=timezone.now()
            ))  # fmt: skip
        if ok:
            messages.success(request, done_message)
            return redirect("portal:profile")
        if not lock_message:
            form.add_error("code", _wrong_code())
    context = {"form": form, "account": account, "pending": pending, "lock_message": lock_message}
    return _page(request, template, context, status=429 if lock_message else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def phone_verify(request: HttpRequest) -> HttpResponse:
    """Change the phone, step 2: the code sent to the new number; the old number is told."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    return _verify_page(
        request, account=account, kind=ContactChange.Kind.PHONE, confirm=selfservice.phone_change_confirm,
        template="phone_verify.html", done_message=_("Đã đổi số điện thoại. Số cũ đã nhận được thông báo."),
        back=reverse("portal:phone_change"),
    )  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def zalo_link(request: HttpRequest) -> HttpResponse:
    """Link Zalo: POST sends a code through Zalo to the contract's phone; then the code is typed on the next page."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    error, lock_message, status = "", "", 200
    if request.method == "POST":
        lock_message = _code_locked(request, account.code)
        if lock_message:
            status = 429
        else:
            try:
                with acting_as(user=request.user, address=client_address(request)):
                    selfservice.zalo_link_request(account=account, user=request.user, now=timezone.now())
            except NotificationError as exc:
                error = str(exc)
            else:
                return redirect("portal:zalo_verify")
    return _page(
        request,
        "zalo.html",
        {"account": account, "error": error, "lock_message": lock_message},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def zalo_verify(request: HttpRequest) -> HttpResponse:
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    return _verify_page(
        request, account=account, kind=ContactChange.Kind.ZALO, confirm=selfservice.zalo_link_confirm,
        template="zalo_verify.html", done_message=_("Đã liên kết Zalo. Quý khách có thể chọn nhận thông báo qua Zalo."),
        back=reverse("portal:zalo_link"),
    )  # fmt: skip


ZALO_OA_CODE = "gc_zalo_oa_code"  # {"account": customer code, "code": the OA link code shown once}


@never_cache
@require_http_methods(["GET", "POST"])
def zalo_oa(request: HttpRequest) -> HttpResponse:
    """Link Zalo through the OA: POST gives a short code; the customer follows the OA and sends it; the page says when
    the link has arrived (the OA webhook, `notifications.zalo_oa`)."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    if request.method == "POST":
        with acting_as(user=request.user, address=client_address(request)):
            code = zalo_oa_links.link_code_issue(account=account, user=request.user, now=timezone.now())
        request.session[ZALO_OA_CODE] = {"account": account.code, "code": code}
        return redirect("portal:zalo_oa")
    shown = request.session.get(ZALO_OA_CODE) or {}
    linked = zalo_oa_links.account_links_by_oa(account=account)
    if linked and shown.get("account") == account.code:
        request.session.pop(ZALO_OA_CODE, None)
        messages.success(
            request, _("Đã liên kết Zalo qua Zalo OA. Quý khách có thể chọn nhận thông báo qua Zalo.")
        )
        return redirect("portal:profile")
    code = shown.get("code") if shown.get("account") == account.code else ""
    context = {
        "account": account, "linked": linked, "follow_url": zalo_oa_links.oa_follow_url(),
        "code": zalo_oa_links.display_code(code) if code else "", "minutes": zalo_oa_links.link_code_minutes(),
    }  # fmt: skip
    return _page(request, "zalo_oa.html", context)


REMOVABLE_KINDS = {"email": ContactChange.Kind.EMAIL, "zalo": ContactChange.Kind.ZALO}


@never_cache
@require_http_methods(["GET", "POST"])
def contact_remove(request: HttpRequest, kind: str) -> HttpResponse:
    """Remove the e-mail or the Zalo link: GET says what changes (or why it may not go), POST removes it."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    if kind not in REMOVABLE_KINDS:
        return _not_found(request)
    kind = REMOVABLE_KINDS[kind]
    refused = selfservice.contact_removal_refused(account=account, kind=kind)
    status = 200
    if request.method == "POST" and not refused:
        try:
            with acting_as(user=request.user, address=client_address(request)):
                moved = selfservice.contact_remove(
                    account=account, user=request.user, kind=kind, now=timezone.now()
                )
        except selfservice.SelfServiceError as error:
            refused = str(error)
        else:
            done = (
                _("Đã bỏ e-mail của hợp đồng.")
                if kind == ContactChange.Kind.EMAIL
                else _("Đã bỏ liên kết Zalo.")
            )
            if moved:
                done += " " + _("Các thông báo chỉ đi qua kênh này nay sẽ đến qua SMS hoặc các kênh còn lại.")
            messages.success(request, done)
            return redirect("portal:profile")
    if refused and request.method == "POST":
        status = 409
    value = account.email if kind == ContactChange.Kind.EMAIL else ""
    context = {"account": account, "kind": kind, "value": value, "refused": refused,
               "bills_follow": account.bill_delivery == kind}  # fmt: skip
    return _page(request, "contact_remove.html", context, status=status)


@require_POST
def bill_delivery(request: HttpRequest) -> HttpResponse:
    """Choose how the chosen contract's bills arrive; a refused choice keeps the previous one and says why."""
    account, response = _signed_in_account(request)
    if response is not None:
        return response
    form = forms.BillDeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn một cách nhận hoá đơn."))
        return redirect(f"{reverse('portal:profile')}#bill-delivery")
    try:
        with acting_as(user=request.user, address=client_address(request)):
            selfservice.bill_delivery_set(
                account=account, user=request.user, choice=form.cleaned_data["choice"]
            )
    except NotificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Đã lưu cách nhận hoá đơn của hợp đồng %(code)s.") % {"code": account.code}
        )
    return redirect(f"{reverse('portal:profile')}#bill-delivery")


# --- contracts of others -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def account_add(request: HttpRequest) -> HttpResponse:
    """Add another contract, step 1: its customer code; a code goes to that contract's phone (same answer for any code)."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    return _code_request(request, forms.AccountAddForm(request.POST or None), template="account_add.html",
                         purpose=OtpPurpose.ACCOUNT_LINK, session_key=LINK_CODE, then="portal:account_add_verify")  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def account_add_verify(request: HttpRequest) -> HttpResponse:
    """Add another contract, step 2: the code sent to its phone; then it is the chosen contract."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    identifier = request.session.get(LINK_CODE)
    if not identifier:
        return redirect("portal:account_add")
    form = forms.CodeForm(request.POST or None)
    lock_message = ""
    if request.method == "POST" and form.is_valid():
        with acting_as(user=request.user, address=client_address(request)):
            account, lock_message = _code_try(request, identifier, lambda: selfservice.account_link_confirm(
                user=request.user, customer_code=identifier, code=form.cleaned_data["code"], now=timezone.now()
            ))  # fmt: skip
        if account is not None:
            request.session.pop(LINK_CODE, None)
            request.session[CURRENT_ACCOUNT] = account.code
            messages.success(
                request,
                _("Đã thêm hợp đồng %(code)s. Quý khách đang xem hợp đồng này.") % {"code": account.code},
            )
            return redirect("portal:profile")
        if not lock_message:
            form.add_error("code", _wrong_code())
    context = {"form": form, "customer_code": identifier, "lock_message": lock_message}
    return _page(request, "account_add_verify.html", context, status=429 if lock_message else 200)


@require_POST
def account_unlink(request: HttpRequest, code: str) -> HttpResponse:
    """Stop using a linked contract; one's own contracts and contracts not linked are a 404."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    link = (
        customer_selectors.account_links_for_user(user=request.user)
        .filter(account__code=code.strip().upper())
        .first()
    )
    if link is None:
        return _not_found(request)
    with acting_as(user=request.user, address=client_address(request)):
        selfservice.account_unlink(user=request.user, account=link.account, now=timezone.now())
    if request.session.get(CURRENT_ACCOUNT) == link.account.code:
        request.session.pop(CURRENT_ACCOUNT, None)
    messages.success(request, _("Đã bỏ hợp đồng %(code)s khỏi tài khoản này.") % {"code": link.account.code})
    return redirect("portal:profile")
