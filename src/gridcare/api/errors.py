"""Every API error is `{"code", "message", "details"}` with the right HTTP status.

`code` is stable (clients branch on it), `message` is for people (in the request's language),
`details` carries field errors for validation or extra data (`wait` seconds when throttled).
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

MESSAGES = {
    "invalid": _("Dữ liệu gửi lên không hợp lệ: xem chi tiết từng trường."),
    "parse_error": _("Không đọc được nội dung yêu cầu (JSON sai cú pháp?)."),
    "not_authenticated": _("Cần đăng nhập (phiên của cổng khách hàng hoặc mã token)."),
    "authentication_failed": _("Thông tin đăng nhập không đúng."),
    "permission_denied": _("Bạn không có quyền làm việc này."),
    "not_found": _("Không tìm thấy."),
    "method_not_allowed": _("Phương thức HTTP này không được hỗ trợ ở địa chỉ này."),
    "not_acceptable": _("Không trả được định dạng được yêu cầu."),
    "unsupported_media_type": _("Định dạng nội dung không được hỗ trợ."),
    "throttled": _("Quá nhiều yêu cầu. Hãy thử lại sau."),
    "request_too_large": _("Nội dung gửi lên quá lớn."),
    "bad_request": _("Yêu cầu không hợp lệ."),
    "server_error": _("Lỗi máy chủ. Hãy thử lại sau; nếu vẫn lỗi, hãy báo cho chúng tôi."),
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = MESSAGES["request_too_large"]
    default_code = "request_too_large"


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = MESSAGES["bad_request"]
    default_code = "bad_request"


_CODES = (
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
    (RequestTooLarge, "request_too_large"),
    (BadRequest, "bad_request"),
)


class ApiError(exceptions.APIException):
    """A domain error with its own stable code, message and details (raise it from views)."""

    def __init__(self, *, code: str, message: str, status_code: int = 400, details: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code
        self.error_details = details or {}


def error_body(*, code: str, message: str, details=None) -> dict:
    return {"code": code, "message": str(message), "details": details if details is not None else {}}


def _normalise(exc):
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    # Django's own limits (form fields past DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files, a bad
    # Host…) are the client's doing: 413 or 400, not 500.
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return BadRequest()
    return exc


def exception_handler(exc, context):
    exc = _normalise(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body(code="server_error", message=MESSAGES["server_error"]),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, ApiError):
        response.data = error_body(code=exc.error_code, message=exc.detail, details=exc.error_details)
        return response
    custom_code = (
        exc.get_codes() if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str) else None
    )
    if custom_code and custom_code != exc.default_code:
        # A view or permission named its own code and message: keep them.
        response.data = error_body(code=custom_code, message=exc.detail)
        return response
    code = next((code for cls, code in _CODES if isinstance(exc, cls)), None) or getattr(
        exc, "default_code", "error"
    )
    details = {}
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        details = {"wait": math.ceil(exc.wait)}
    message = MESSAGES.get(code) or (exc.detail if isinstance(getattr(exc, "detail", None), str) else code)
    response.data = error_body(code=code, message=message, details=details)
    return response


@csrf_exempt  # it changes nothing; without this a POST with a session cookie got Django's HTML 403 page
def not_found_view(request, *args, **kwargs):
    """JSON 404 for any address under /api/v1/ that no endpoint answers."""
    return JsonResponse(error_body(code="not_found", message=MESSAGES["not_found"]), status=404)
