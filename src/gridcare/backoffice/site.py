"""The back-office admin site: Vietnamese by default, TOTP two-factor for staff."""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from gridcare.backoffice.signin import ThrottledAdminAuthenticationForm, ThrottledOTPAdminAuthenticationForm


class GridcareAdminSite(OTPAdminSite if settings.GRIDCARE_STAFF_REQUIRE_2FA else admin.AdminSite):
    site_header = _("gridcare — Văn phòng chăm sóc khách hàng")
    site_title = _("gridcare")
    index_title = _("Quản trị")
    # OTPAdminSite sets its own login template; keep Django's when two-factor is off.
    if settings.GRIDCARE_STAFF_REQUIRE_2FA:
        login_template = "backoffice/login.html"
        login_form = ThrottledOTPAdminAuthenticationForm
    else:
        login_form = ThrottledAdminAuthenticationForm

    def get_urls(self):
        from gridcare.backoffice import two_factor

        return [
            path("2fa/", two_factor.enrol_view, {"site": self}, name="two_factor_enrol"),
            *super().get_urls(),
        ]


admin_site = GridcareAdminSite(name="admin")
