"""Remembers who is acting in this request, so that audited services can say who did it."""

from gridcare.core import audit


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        address = request.META.get("REMOTE_ADDR")
        with audit.acting_as(user=user if user is not None and user.is_authenticated else None, address=address):
            return self.get_response(request)
