"""Sign-in throttling for the portal, per customer code and per network address.

Customer codes are printed on bills, so they are not secrets: a guessed password must be slow to
find. Failures are counted in a sliding window; a code (whether it exists or not) or an address is
locked until enough of its failures have left the window. Success clears the code's failures.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from gridcare.customers.models import LoginAttempt


@dataclass(frozen=True)
class SigninPolicy:
    max_failures_per_account: int
    max_failures_per_address: int
    window: dt.timedelta

    @classmethod
    def from_settings(cls) -> "SigninPolicy":
        return cls(
            max_failures_per_account=settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
            max_failures_per_address=settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS,
            window=dt.timedelta(seconds=settings.GRIDCARE_LOGIN_WINDOW_SECONDS),
        )


def signin_identifier(*, customer_code: str) -> str:
    """The throttling key of a typed customer code (trimmed, upper case, bounded)."""
    return customer_code.strip().upper()[: LoginAttempt._meta.get_field("identifier").max_length]


def _unlock_time(moments: list[dt.datetime], *, limit: int, window: dt.timedelta) -> dt.datetime | None:
    # `moments` are newest first; the lock lifts when the limit-th newest failure leaves the window.
    if limit < 1 or len(moments) < limit:
        return None
    return moments[limit - 1] + window


def signin_locked_until(
    *, identifier: str, address: str | None, now: dt.datetime, policy: SigninPolicy | None = None
) -> dt.datetime | None:
    """When sign-in for this code or from this address opens again, or None when it is open now."""
    policy = policy or SigninPolicy.from_settings()
    since = now - policy.window
    recent = LoginAttempt.objects.filter(at__gt=since, at__lte=now).order_by("-at", "-pk")
    unlocks = [
        _unlock_time(
            list(recent.filter(identifier=identifier).values_list("at", flat=True)[: policy.max_failures_per_account]),
            limit=policy.max_failures_per_account,
            window=policy.window,
        )
    ]
    if address:
        unlocks.append(
            _unlock_time(
                list(recent.filter(address=address).values_list("at", flat=True)[: policy.max_failures_per_address]),
                limit=policy.max_failures_per_address,
                window=policy.window,
            )
        )
    locked = [moment for moment in unlocks if moment is not None and moment > now]
    return max(locked) if locked else None


def signin_failure_record(*, identifier: str, address: str | None, now: dt.datetime) -> LoginAttempt:
    """Count one failed sign-in for the code and the address."""
    return LoginAttempt.objects.create(at=now, identifier=identifier, address=address or None)


@transaction.atomic
def signin_success_record(*, identifier: str, now: dt.datetime, policy: SigninPolicy | None = None) -> int:
    """Forget the code's failures after a successful sign-in, and prune failures older than the window."""
    policy = policy or SigninPolicy.from_settings()
    cleared, _ = LoginAttempt.objects.filter(identifier=identifier).delete()
    LoginAttempt.objects.filter(at__lte=now - policy.window).delete()
    return cleared
