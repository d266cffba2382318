"""Enrolment of a staff member's TOTP authenticator (two-factor sign-in to the back office).

The first device of a staff member is enrolled here after a password check: the page shows a QR code
for a new, unconfirmed TOTP device and confirms it with a first code, which also signs the staff member
in. Once a staff member has a confirmed device, adding another one needs a verified session. An
administrator can also create or reset devices for others in the back office (two-factor devices).
"""

import base64

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.backoffice.signin import throttled_clean

PENDING_SESSION_KEY = "gridcare_2fa_enrol_user"
DEVICE_NAME = "gridcare"


class EnrolPasswordForm(AuthenticationForm):
    def clean(self):
        return throttled_clean(self, super().clean, username=self.data.get("username", ""))


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Mã 6 chữ số trong ứng dụng xác thực"), regex=r"^\d{6}$", max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )  # fmt: skip


def _qrcode_svg(data: str) -> str:
    return qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")


def _enrolling_user(request):
    user = request.user
    if user.is_authenticated and user.is_staff and user.is_active:
        if user.is_verified() or not user_has_device(user):
            return user
        return None
    pending = request.session.get(PENDING_SESSION_KEY)
    if pending is not None:
        candidate = get_user_model().objects.filter(pk=pending, is_active=True, is_staff=True).first()
        if candidate is not None and not user_has_device(candidate):
            return candidate
        request.session.pop(PENDING_SESSION_KEY, None)
    return None


@sensitive_post_parameters("password", "token")
@csrf_protect
@never_cache
def enrol_view(request, site):
    """Password check (first device only), then QR code and confirmation of a new TOTP device."""
    context = dict(site.each_context(request), title=_("Xác thực hai bước"))
    user = _enrolling_user(request)
    if user is None:
        if request.user.is_authenticated and user_has_device(request.user):
            context["already_enrolled"] = True
            return TemplateResponse(request, "backoffice/two_factor_enrol.html", context)
        form = EnrolPasswordForm(request, data=request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            candidate = form.get_user()
            if not candidate.is_staff:
                form.add_error(None, _("Chỉ nhân viên mới dùng được văn phòng."))
            elif user_has_device(candidate):
                form.add_error(None, _("Bạn đã có ứng dụng xác thực: hãy đăng nhập bằng mã của nó."))
            else:
                request.session[PENDING_SESSION_KEY] = candidate.pk
                return redirect(request.path)
        context["password_form"] = form
        return TemplateResponse(request, "backoffice/two_factor_enrol.html", context)

    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).order_by("pk").first()
        or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    )
    form = TokenForm(request.POST if request.method == "POST" and "token" in request.POST else None)
    if form.is_bound and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(PENDING_SESSION_KEY, None)
            if not request.user.is_authenticated or request.user.pk != user.pk:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            return redirect(reverse(f"{site.name}:index"))
        form.add_error("token", _("Mã không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trong ứng dụng."))
    context.update(
        enrol_user=user,
        form=form,
        qrcode_svg=mark_safe(_qrcode_svg(device.config_url)),  # noqa: S308 (SVG made by the qrcode library)
        secret=base64.b32encode(device.bin_key).decode(),
    )
    return TemplateResponse(request, "backoffice/two_factor_enrol.html", context)
