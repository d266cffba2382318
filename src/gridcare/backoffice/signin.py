"""Staff sign-in throttling: the portal's per-identifier and per-address limits, applied to staff logins.

Staff usernames are counted under a `staff:` prefix so they never share a counter with customer codes.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm

from gridcare.customers.signin import signin_failure_record, signin_locked_until, signin_success_record

LOCKED_MESSAGE = _("Quá nhiều lần đăng nhập sai. Hãy thử lại sau ít phút.")


def staff_identifier(username: str) -> str:
    return f"staff:{username.strip().lower()}"[:64]


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def throttled_clean(form, clean, *, username: str):
    """Run `clean` unless the username or address is locked; count a failure, or clear them on success."""
    now = timezone.now()
    identifier = staff_identifier(username)
    address = client_address(form.request)
    if signin_locked_until(identifier=identifier, address=address, now=now) is not None:
        raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
    try:
        cleaned = clean()
    except forms.ValidationError:
        signin_failure_record(identifier=identifier, address=address, now=now)
        raise
    signin_success_record(identifier=identifier, now=now)
    return cleaned


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        return throttled_clean(self, super().clean, username=self.data.get("username", ""))


class ThrottledOTPAdminAuthenticationForm(OTPAdminAuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-otp ships no Vietnamese: name its fields in the back office's languages.
        self.fields["otp_token"].label = _("Mã xác thực (6 chữ số trong ứng dụng xác thực)")
        self.fields["otp_device"].label = _("Thiết bị xác thực")

    def _chosen_device(self, user):
        """The device picked in the form, or the staff member's only confirmed device (the usual case).

        django-otp asks the person to pick a device when none was sent, which turns every sign-in into two
        steps; with exactly one confirmed device there is nothing to choose.
        """
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))[:2]
            if len(devices) == 1:
                device = devices[0]
        return device

    def clean(self):
        if self.data.get("otp_challenge"):
            return super().clean()
        return throttled_clean(self, super().clean, username=self.data.get("username", ""))
