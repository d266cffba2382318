"""Enrolment of a staff member's TOTP authenticator (two-factor sign-in to the back office).

A staff member without a device enrols their first one with a one-time enrolment link that an
administrator issued for them (back office, *two-factor enrolment links*, or `gridcare enrolment-link`):
the link names the staff member, is used once, expires, and is stored only as a hash. The link page
asks for the password too, then shows a QR code for a new, unconfirmed TOTP device and confirms it with
a first code, which also signs the staff member in. The password alone never enrols a device.

Once a staff member has a confirmed device, adding another one needs a verified session. An
administrator can also create or reset devices for others (two-factor devices).

The page counts every wrong password and every wrong code as a failed sign-in of that staff member,
and a right one never clears the count (that is the sign-in page's business).
"""

import base64

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import authenticate, login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device

from gridcare.backoffice.signin import LOCKED_MESSAGE
from gridcare.core import credentials
from gridcare.core.clientaddress import client_address
from gridcare.customers.signin import signin_failure_record, signin_locked_until, staff_identifier

PENDING_SESSION_KEY = "gridcare_2fa_enrol"  # {"user": pk, "link": pk} once the link's password step passed
DEVICE_NAME = "gridcare"
WRONG_PASSWORD = _("Mật khẩu không đúng.")


class EnrolPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Mã 6 chữ số trong ứng dụng xác thực"), regex=r"^\d{6}$", max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )  # fmt: skip


def _qrcode_svg(data: str) -> str:
    return qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")


def _locked(request, user, now) -> bool:
    return (
        signin_locked_until(
            identifier=staff_identifier(user.get_username()), address=client_address(request), now=now
        )
        is not None
    )


def _count_failure(request, user, now) -> None:
    signin_failure_record(
        identifier=staff_identifier(user.get_username()), address=client_address(request), now=now
    )


def _pending(request, now):
    """(user, link id) of a link whose password step this session passed, while the link is still live."""
    pending = request.session.get(PENDING_SESSION_KEY) or {}
    link = (
        credentials.enrolment_link_live(link_id=pending.get("link"), user_id=pending.get("user"), now=now)
        if pending
        else None
    )
    if link is None or not _may_enrol(link.user):
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, None
    return link.user, link.pk


def _may_enrol(user) -> bool:
    return user.is_active and user.is_staff and not user_has_device(user)


def _render(request, site, status=200, **extra):
    context = dict(site.each_context(request), title=_("Xác thực hai bước"), **extra)
    return TemplateResponse(request, "backoffice/two_factor_enrol.html", context, status=status)


@sensitive_post_parameters("password", "token")
@csrf_protect
@never_cache
def enrol_view(request, site, link=None):
    """With a verified session: another device. With an enrolment link: password, QR code, first code."""
    now = timezone.now()
    if link is None:
        pending_user, link_id = _pending(request, now)
        if pending_user is not None:
            return _device_step(request, site, user=pending_user, link_id=link_id, now=now)
        user = request.user
        if user.is_authenticated and user.is_staff and user.is_active and user.is_verified():
            return _device_step(request, site, user=user, link_id=None, now=now)
        return _render(request, site, needs_link=True)
    found = credentials.enrolment_link_find(secret=link, now=now)
    if found is None or not _may_enrol(found.user):
        return _render(request, site, needs_link=True, bad_link=True, status=404)
    form = EnrolPasswordForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        if _locked(request, found.user, now):
            form.add_error(None, LOCKED_MESSAGE)
        elif (
            authenticate(request, username=found.user.get_username(), password=form.cleaned_data["password"])
            != found.user
        ):
            _count_failure(request, found.user, now)
            form.add_error("password", WRONG_PASSWORD)
        else:
            # The count is not cleared: only signing in (password and code) does that.
            request.session[PENDING_SESSION_KEY] = {"user": found.user.pk, "link": found.pk}
            return redirect(reverse(f"{site.name}:two_factor_enrol"))
    return _render(request, site, password_form=form, enrol_user=found.user)


def _device_step(request, site, *, user, link_id, now):
    device = credentials.totp_device_pending(user=user, name=DEVICE_NAME)
    form = TokenForm(request.POST if request.method == "POST" and "token" in request.POST else None)
    if form.is_bound and form.is_valid():
        if _locked(request, user, now):
            form.add_error(None, LOCKED_MESSAGE)
        elif device.verify_token(form.cleaned_data["token"]) and (
            link_id is None or credentials.enrolment_link_spend(link_id=link_id, now=now)
        ):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(PENDING_SESSION_KEY, None)
            if not request.user.is_authenticated or request.user.pk != user.pk:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            return redirect(reverse(f"{site.name}:index"))
        else:
            _count_failure(request, user, now)
            form.add_error("token", _("Mã không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trong ứng dụng."))
    return _render(
        request, site, enrol_user=user, form=form,
        qrcode_svg=mark_safe(_qrcode_svg(device.config_url)),  # noqa: S308 (SVG made by the qrcode library)
        secret=base64.b32encode(device.bin_key).decode(),
    )  # fmt: skip
