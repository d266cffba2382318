"""The back-office admin site: Vietnamese by default, TOTP two-factor for staff."""

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class GridcareAdminSite(OTPAdminSite if settings.GRIDCARE_STAFF_REQUIRE_2FA else admin.AdminSite):
    site_header = _("gridcare — Văn phòng chăm sóc khách hàng")
    site_title = _("gridcare")
    index_title = _("Quản trị")


admin_site = GridcareAdminSite(name="admin")
