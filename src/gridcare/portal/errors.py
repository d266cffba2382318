"""The site's 404, 403 and 500 pages: in the portal's style and language for the portal's addresses.

The back office, the API, the OpenADR server and the payment callbacks keep Django's (and DRF's) own
answers, so these handlers hand their paths back to `django.views.defaults` unchanged. The 500 page is
rendered without a request context (no context processor, no session, no database): whatever broke the
page cannot break the page that says so.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views import defaults

from gridcare.portal.views import HOTLINE

NOT_PORTAL = (
    "/backoffice/",
    "/api/",
    "/openadr3/",
    "/payments/vnpay/",
    "/payments/zalopay/",
    "/healthz",
    "/readyz",
)


def _portal(request: HttpRequest) -> bool:
    return not request.path.startswith(NOT_PORTAL)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A page that does not exist (or a record that is not the customer's)."""
    if not _portal(request):
        return defaults.page_not_found(request, exception)
    return render(request, "portal/404.html", {"hotline": HOTLINE}, status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Something the signed-in person may not do."""
    if not _portal(request):
        return defaults.permission_denied(request, exception)
    return render(request, "portal/403.html", {"hotline": HOTLINE}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """An unexpected error: a plain page rendered from the template alone."""
    if not _portal(request):
        return defaults.server_error(request)
    try:
        html = loader.get_template("portal/500.html").render(
            {"hotline": HOTLINE, "language": translation.get_language() or "vi", "home": "/"}
        )
    except Exception:  # noqa: BLE001 - the last resort must answer, whatever failed
        return defaults.server_error(request)
    return HttpResponseServerError(html)
