"""gridcare's own deployment checks (`gridcare check --deploy`): settings that Django cannot know are unsafe.

Each is an Error, not a warning: a production that shows one-time codes to staff, lets staff in without a
second factor, believes any X-Forwarded-For, answers to any host name or trusts a plain-HTTP origin is
not merely less hardened, it is open. Kernel code: the settings are read here, not from the apps that use them.
"""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

TRUE_WORDS = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    """A gridcare flag as its readers see it: the Django setting, else the environment variable."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


@register(Tags.security, deploy=True)
def gridcare_deploy_settings(app_configs=None, **kwargs):
    """Errors for gridcare's unsafe production settings."""
    errors = []
    if _flag("GRIDCARE_OTP_SHOWN_TO_STAFF"):
        errors.append(Error(
            "GRIDCARE_OTP_SHOWN_TO_STAFF is on: staff can read customers' one-time codes in the outbox.",
            hint="Only `make demo` sets it; unset it (or set 0) in production.", id="gridcare.E001",
        ))  # fmt: skip
    if not getattr(settings, "GRIDCARE_STAFF_REQUIRE_2FA", True):
        errors.append(Error(
            "GRIDCARE_STAFF_REQUIRE_2FA is off: staff sign in to the back office with a password alone.",
            hint="Set GRIDCARE_STAFF_REQUIRE_2FA=1 (the default).", id="gridcare.E002",
        ))  # fmt: skip
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not getattr(
        settings, "GRIDCARE_TRUSTED_PROXY_COUNT", None
    ):
        errors.append(Error(
            "BEHIND_TLS_PROXY is set but no trusted proxy count: the client address (sign-in throttles, audit) "
            "cannot be told from what a client writes in X-Forwarded-For.",
            hint="Set GRIDCARE_TRUSTED_PROXY_COUNT to the number of proxies in front of gridcare (usually 1).",
            id="gridcare.E003",
        ))  # fmt: skip
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(Error(
            "ALLOWED_HOSTS contains '*': the site answers to any Host header (poisoned links in e-mails).",
            hint="List the site's host names, e.g. ALLOWED_HOSTS=cskh.example.vn.", id="gridcare.E004",
        ))  # fmt: skip
    plain = [origin for origin in settings.CSRF_TRUSTED_ORIGINS if not origin.lower().startswith("https://")]
    if plain:
        errors.append(Error(
            f"CSRF_TRUSTED_ORIGINS has origins that are not https://: {', '.join(plain)}.",
            hint="Trust only https:// origins in production.", id="gridcare.E005",
        ))  # fmt: skip
    return errors
