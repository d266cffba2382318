"""Top-level routes: portal (customers), back office (staff), API (systems)."""

from django.urls import include, path

from gridcare.api import payments
from gridcare.backoffice.site import admin_site
from gridcare.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("gridcare.api.urls")),
    # The payment gateways' server-to-server callbacks (gridcare.api.payments).
    path("payments/vnpay/ipn/", payments.vnpay_ipn, name="vnpay-ipn"),
    path("payments/zalopay/callback/", payments.zalopay_callback, name="zalopay-callback"),
    path("openadr3/3.0.1/", include("gridcare.api.openadr3.urls")),
    path("backoffice/", admin_site.urls),
    path("", include("gridcare.portal.urls")),
]

# The portal's own 404/403/500 pages; the back office and the API keep Django's and DRF's (portal/errors.py).
handler404 = "gridcare.portal.errors.page_not_found"
handler403 = "gridcare.portal.errors.permission_denied"
handler500 = "gridcare.portal.errors.server_error"
