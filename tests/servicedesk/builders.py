"""Builders of service-desk records for tests."""

import datetime as dt

from gridcare.servicedesk import services
from gridcare.servicedesk.models import RequestType

ICT = dt.timezone(dt.timedelta(hours=7))
# Tue 22 July 2025, 09:00 in Can Tho.
NOW = dt.datetime(2025, 7, 22, 9, 0, tzinfo=ICT)


def request_type(code="other") -> RequestType:
    return RequestType.objects.get(code=code)


def open_request(account, *, code="other", now=NOW, **kwargs):
    kind = request_type(code)
    fields = kwargs.pop(
        "fields", {name: "0912345678" if name == "contact_phone" else "5" for name in kind.required_fields}
    )
    return services.request_open(account=account, request_type=kind, now=now, fields=fields, **kwargs)
