"""Notification settings: Django setting `GRIDCARE_<NAME>`, else environment variable, else the default.

Every name is listed with its default in docs/notifications.md.
"""

import os
from typing import Any

from django.conf import settings

DEFAULT_RATE_LIMITS = {"sms": 100.0, "zalo": 50.0, "email": 50.0, "push": 1000.0}


def setting(name: str, default: Any = None) -> Any:
    """The value of `GRIDCARE_<name>` from settings or the environment."""
    full = f"GRIDCARE_{name}"
    if hasattr(settings, full):
        return getattr(settings, full)
    if full in os.environ:
        return os.environ[full]
    return default


def rate_limit(provider: str) -> float:
    """Messages per second allowed for one provider (0 = unlimited)."""
    limits = setting("NOTIFY_RATE_LIMITS", DEFAULT_RATE_LIMITS)
    if isinstance(limits, str):  # environment form: "sms=100,zalo=50"
        limits = {
            k.strip(): float(v) for k, v in (item.split("=") for item in limits.split(",") if "=" in item)
        }
    return float(limits.get(provider, DEFAULT_RATE_LIMITS.get(provider, 0.0)))


def quiet_hours() -> tuple[int, int]:
    """Local hours (start, end) during which non-urgent push, SMS and Zalo wait; (0, 0) turns it off."""
    value = setting("NOTIFY_QUIET_HOURS", "21-7")
    if isinstance(value, str):
        start, end = value.split("-")
        return int(start), int(end)
    return int(value[0]), int(value[1])


def int_setting(name: str, default: int) -> int:
    return int(setting(name, default))


def float_setting(name: str, default: float) -> float:
    return float(setting(name, default))


def bool_setting(name: str, default: bool) -> bool:
    value = setting(name, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
