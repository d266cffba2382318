"""Refuse a request body larger than the site takes, before anything reads it (413).

Django caps form fields, not uploaded files, and DRF's JSON parser reads the whole stream, so without
this a client could make the server spool or parse any amount. The WSGI input is cut at Content-Length,
so checking the declared length bounds what can be read. API paths answer in the API's error format.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _


def request_max_bytes(path: str) -> int:
    """The largest body accepted at `path` (GRIDCARE_REQUEST_MAX_BYTES, or that path's own cap)."""
    return settings.GRIDCARE_REQUEST_MAX_BYTES_BY_PATH.get(path, settings.GRIDCARE_REQUEST_MAX_BYTES)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        limit = request_max_bytes(request.path_info)
        if length > limit:
            is_api = request.path_info.startswith("/api/")
            language = translation.get_language_from_request(request) if is_api else settings.LANGUAGE_CODE
            with translation.override(language):
                message = _("Nội dung gửi lên quá lớn: %(size)d byte, tối đa %(limit)d byte.") % {"size": length, "limit": limit}
            if is_api:
                body = {"code": "request_too_large", "message": message, "details": {"size": length, "max_bytes": limit}}
                response = JsonResponse(body, status=413)
            else:
                response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            return response
        return self.get_response(request)
