"""Request ids and structured logs: every log line of a request carries its id and the client's address.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the id a trusted front proxy sent in `X-Request-ID` (letters,
digits, `-`, `_`, `.`, at most 64 characters; anything else is replaced) or makes one, keeps it for the request's
duration in a context variable, returns it in the response's `X-Request-ID` and, when access logging is on
(`GRIDCARE_ACCESS_LOG`), writes one line per request to the `gridcare.request` logger. `RequestContextFilter`
adds `request_id` and `client` to every record; `JsonFormatter` writes one JSON object per line (the
`GRIDCARE_LOG_FORMAT=json` default outside development), with the stack trace of an error in `exc_info`.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid

from django.conf import settings

from gridcare.core.clientaddress import client_address

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("gridcare_request_id", default=None)
_client: contextvars.ContextVar[str | None] = contextvars.ContextVar("gridcare_client", default=None)
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
access_log = logging.getLogger("gridcare.request")


def current_request_id() -> str | None:
    """The id of the request being served in this thread/task (None outside a request)."""
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _ACCEPTED_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        address = client_address(request)
        id_token, client_token = _request_id.set(request_id), _client.set(address)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(id_token)
            _client.reset(client_token)
        response["X-Request-ID"] = request_id
        if getattr(settings, "GRIDCARE_ACCESS_LOG", False):
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"request_id": request_id, "client": address, "method": request.method,
                       "path": request.path, "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )  # fmt: skip
        return response


class RequestContextFilter(logging.Filter):
    """Add the current request's id and client address to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        if not hasattr(record, "client"):
            record.client = _client.get()
        return True


# Attributes every LogRecord has; anything else a caller passed in `extra` goes into the JSON object.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request id, client, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "client": getattr(record, "client", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc_info"] = "".join(traceback.format_exception(*record.exc_info))
        elif record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format: time, level, logger, request id, message (and the stack trace)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
