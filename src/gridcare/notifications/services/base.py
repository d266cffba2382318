"""What the notifications services share: the refusal they raise, and datetimes as raw SQL takes them."""

import datetime as dt
from typing import Any

from django.db import connection


class NotificationError(ValueError):
    """A refused request, with a stable `code` for interfaces and a message for people."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details


def db_datetime(value: dt.datetime):
    """A datetime as the database backend stores it (raw SQL skips the ORM's adaptation)."""
    return connection.ops.adapt_datetimefield_value(value)
