"""Request-wide rules: who is acting (for the audit log), staff sessions' idle limit, the pages' language,
the Permissions-Policy header."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from gridcare.core import audit
from gridcare.core.clientaddress import client_address


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        address = client_address(request)
        with audit.acting_as(
            user=user if user is not None and user.is_authenticated else None, address=address
        ):
            return self.get_response(request)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages speak Vietnamese unless the person chose another language (the language cookie).

    Many customers' phones are set to English while they read Vietnamese best, so a browser's
    Accept-Language does not decide the pages' language; the API still honours it for other systems.
    """

    def process_request(self, request):
        if request.path_info.startswith(("/api/", "/openadr3/")):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None


class StaffSessionExpiryMiddleware:
    """A staff member's session ends after `GRIDCARE_STAFF_SESSION_IDLE_SECONDS` without a request.

    Each of their requests starts the idle period again (the session is saved with a fresh expiry);
    customers keep the site-wide `SESSION_COOKIE_AGE`. Sits after the authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.GRIDCARE_STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Every response says which browser features its page may use (`GRIDCARE_PERMISSIONS_POLICY`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.GRIDCARE_PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.GRIDCARE_PERMISSIONS_POLICY)
        return response
