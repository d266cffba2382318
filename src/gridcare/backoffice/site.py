"""The back-office admin site: Vietnamese by default, TOTP two-factor for staff; it opens on the day's work."""

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from gridcare.backoffice.scoping import policy_admin_class
from gridcare.backoffice.signin import ThrottledAdminAuthenticationForm, ThrottledOTPAdminAuthenticationForm

# Apps and models of the libraries we use keep English names; staff read them in their language.
_LIBRARY_NAMES = {
    "otp_totp": (_("Xác thực hai lớp"), {"TOTPDevice": _("Thiết bị tạo mã (TOTP)")}),
    "otp_static": (_("Mã dự phòng đăng nhập"), {"StaticDevice": _("Bộ mã dự phòng")}),
}


class GridcareAdminSite(OTPAdminSite if settings.GRIDCARE_STAFF_REQUIRE_2FA else admin.AdminSite):
    site_header = _("gridcare — Văn phòng chăm sóc khách hàng")
    site_title = _("gridcare")
    index_title = _("Việc hôm nay")
    index_template = "backoffice/workday/index.html"
    # OTPAdminSite sets its own login template; keep Django's when two-factor is off.
    if settings.GRIDCARE_STAFF_REQUIRE_2FA:
        login_template = "backoffice/login.html"
        login_form = ThrottledOTPAdminAuthenticationForm
    else:
        login_form = ThrottledAdminAuthenticationForm

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        for app in apps:
            if app["app_label"] in _LIBRARY_NAMES:
                app_name, model_names = _LIBRARY_NAMES[app["app_label"]]
                app["name"] = app_name
                for model in app["models"]:
                    model["name"] = model_names.get(model["object_name"], model["name"])
            if app["app_label"] == "outages":
                from gridcare.backoffice.reliability import dashboard_entry

                app["models"].append(dashboard_entry())
        return apps

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every page goes through the access policy (`PolicyAdmin`): deny by default, library admins too."""
        super().register(model_or_iterable, policy_admin_class(admin_class or admin.ModelAdmin), **options)

    def index(self, request, extra_context=None):
        """The workday page (`backoffice.workday`): the unit's queues and key figures, then every list."""
        from gridcare.backoffice import workday
        from gridcare.org import policy

        now = timezone.now()
        context = {
            "workday_unit": policy.unit_of(request.user),
            "workday_queues": workday.queues(user=request.user, now=now),
            "workday_figures": workday.figures(user=request.user, now=now),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def get_urls(self):
        from gridcare.backoffice import field, overview, reliability, two_factor

        return [
            *field.urls(self),
            path("2fa/", two_factor.enrol_view, {"site": self}, name="two_factor_enrol"),
            path("2fa/<str:link>/", two_factor.enrol_view, {"site": self}, name="two_factor_enrol_link"),
            path("customer/", self.admin_view(overview.search_view), {"site": self}, name="customer_search"),
            path(
                "customer/<str:code>/",
                self.admin_view(overview.overview_view),
                {"site": self},
                name="customer_overview",
            ),
            path(
                "customer/<str:code>/unlock/",
                self.admin_view(overview.unlock_view),
                {"site": self},
                name="customer_unlock",
            ),  # fmt: skip
            path(
                "reliability/",
                self.admin_view(reliability.dashboard_view),
                {"site": self},
                name="reliability",
            ),
            *super().get_urls(),
        ]


admin_site = GridcareAdminSite(name="admin")
