"""Staff sign-in: the portal's per-(account, address) and per-address limits, applied to staff logins.

Staff usernames are counted under a `staff:` prefix so they never share a counter with customer codes.
Every failed first or second factor counts, whatever fields the form carries, and every failure gets the
same answer: a right password with a missing or wrong code is not told apart from a wrong password (the
form never lists the staff member's devices, and there is no "challenge" button that skips the count).
"""

import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.core.clientaddress import client_address
from gridcare.customers.signin import (
    signin_failure_record,
    signin_locked_until,
    signin_success_record,
    staff_identifier,
)

LOCKED_MESSAGE = _("Quá nhiều lần đăng nhập sai. Hãy thử lại sau ít phút.")
FAILED_MESSAGE = _(
    "Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng (hoặc tài khoản không dùng được văn phòng). "
    "Hãy nhập lại cả ba."
)
TOTP_CODE = re.compile(r"^\d{6}$")
# What the staff member types, never which devices they have: the choices are the same for everybody.
DEVICE_KINDS = (("", _("Tự nhận biết")), ("totp", _("Ứng dụng xác thực")), ("static", _("Mã dự phòng")))


def throttled_clean(form, clean, *, username: str, failed_message=None):
    """Run `clean` unless the username (from this address) or the address is locked; count any failure.

    With `failed_message`, every failure of `clean` is answered with that one message, so that the
    answer does not tell which factor was wrong.
    """
    now = timezone.now()
    identifier = staff_identifier(username)
    address = client_address(form.request)
    if signin_locked_until(identifier=identifier, address=address, now=now) is not None:
        raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
    try:
        cleaned = clean()
    except forms.ValidationError:
        signin_failure_record(identifier=identifier, address=address, now=now)
        if failed_message is None:
            raise
        form.user_cache = None
        raise forms.ValidationError(failed_message, code="invalid_login") from None
    signin_success_record(identifier=identifier, address=address, now=now)
    return cleaned


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        return throttled_clean(self, super().clean, username=self.data.get("username", ""))


class ThrottledOTPAdminAuthenticationForm(OTPAdminAuthenticationForm):
    otp_challenge = None  # TOTP and backup codes need no challenge; the button skipped the count

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-otp ships no Vietnamese: name its fields in the back office's languages.
        self.fields["otp_token"].label = _("Mã xác thực (6 chữ số trong ứng dụng xác thực)")
        self.fields["otp_device"].label = _("Loại mã")
        self.fields["otp_device"].widget = forms.Select(choices=DEVICE_KINDS)

    def _update_form(self, user):
        """django-otp lists the user's devices here once the password is right: that would tell it is."""

    def _chosen_device(self, user):
        """A device named by its persistent id (of this user only), else None: the kind is tried in `_verify_token`."""
        value = self.cleaned_data.get("otp_device") or ""
        if value in {kind for kind, _label in DEVICE_KINDS}:
            return None
        return super()._chosen_device(user)

    def _candidates(self, user, token: str):
        kind = self.cleaned_data.get("otp_device") or ("totp" if TOTP_CODE.match(token.strip()) else "static")
        model = TOTPDevice if kind == "totp" else StaticDevice
        return [device for device in devices_for_user(user, confirmed=True) if isinstance(device, model)]

    def _verify_token(self, user, token, device=None):
        """The device the code belongs to, among the chosen one or the user's devices of the typed kind.

        With one device of a kind (the usual case) that is the only try; with two authenticator apps each
        is tried, which only costs a throttling step on the one that did not match.
        """
        for candidate in [device] if device is not None else self._candidates(user, token):
            allowed, _extra = candidate.verify_is_allowed()
            if allowed and candidate.verify_token(token):
                return candidate
        raise forms.ValidationError(self.otp_error_messages["invalid_token"], code="invalid_token")

    def clean(self):
        return throttled_clean(
            self, super().clean, username=self.data.get("username", ""), failed_message=FAILED_MESSAGE
        )
