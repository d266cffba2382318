"""Top-level routes: portal (customers), back office (staff), API (systems)."""

from django.urls import include, path

from gridcare.backoffice.site import admin_site
from gridcare.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("gridcare.api.urls")),
    path("backoffice/", admin_site.urls),
    path("", include("gridcare.portal.urls")),
]
