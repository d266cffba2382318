"""Every API error is `{"code", "message", "details"}` with the right HTTP status."""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if not isinstance(exc.detail, dict | list) else getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.ValidationError):
            code, message, details = "invalid", "Dữ liệu không hợp lệ.", exc.detail
        else:
            message = str(exc.detail) if not isinstance(exc.detail, dict | list) else str(exc.default_detail)
            details = exc.detail if isinstance(exc.detail, dict) else {}
        response.data = {"code": str(code), "message": message, "details": details}
    return response
