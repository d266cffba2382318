"""Refuse what no view should see: a body larger than the site takes (413), a NUL character in the address (400).

Django caps form fields, not uploaded files, and DRF's JSON parser reads the whole stream, so without
this a client could make the server spool or parse any amount. The WSGI input is cut at Content-Length,
so checking the declared length bounds what can be read. A NUL character cannot be stored or compared
by PostgreSQL (the query fails), and no address or parameter of the site has one. API paths answer in
the API's error format.
"""

from urllib.parse import unquote

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _lazy


def request_max_bytes(path: str) -> int:
    """The largest body accepted at `path` (GRIDCARE_REQUEST_MAX_BYTES, or that path's own cap)."""
    return settings.GRIDCARE_REQUEST_MAX_BYTES_BY_PATH.get(path, settings.GRIDCARE_REQUEST_MAX_BYTES)


def _refusal(request, *, status: int, code: str, message, params: dict | None = None, details: dict):
    is_api = request.path_info.startswith("/api/")
    language = translation.get_language_from_request(request) if is_api else settings.LANGUAGE_CODE
    with translation.override(language):
        text = str(message) % params if params else str(message)
    if is_api:
        return JsonResponse({"code": code, "message": text, "details": details}, status=status)
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return _refusal(
                request, status=400, code="bad_request", details={},
                message=_lazy("Địa chỉ chứa ký tự NUL: yêu cầu không hợp lệ."),
            )  # fmt: skip
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then either
        limit = request_max_bytes(request.path_info)
        if length > limit:
            return _refusal(
                request, status=413, code="request_too_large",
                message=_lazy("Nội dung gửi lên quá lớn: %(size)d byte, tối đa %(limit)d byte."),
                params={"size": length, "limit": limit}, details={"size": length, "max_bytes": limit},
            )  # fmt: skip
        return self.get_response(request)
