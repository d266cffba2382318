"""Sign-in throttling for the portal, the back office and the API token, per account and address.

Customer codes are printed on bills, so they are not secrets: a guessed password must be slow to find.
Failures are counted in the shared cache (`core.throttle`: Redis in production, so every web process
sees the same counts) in a sliding window, under two counters:

- per (account, address): the account is locked *for that address* after a few failures, so an attacker
  can neither keep guessing one account nor lock its owner out from elsewhere;
- per address: one address is locked after many failures across accounts (guessing many accounts).

The address is `core.clientaddress.client_address` (proxy-aware), counted per /64 for IPv6. A kind
separates the counters of passwords from those of one-time codes, so wrong codes lock the code
sign-in, not the password sign-in. Success clears the (account, address) counter only: a valid login
of the attacker's own cannot reset their address's count.

Each failure is also kept as a `LoginAttempt` row, the back office's trail of failed sign-ins; the rows
are not what is counted.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from gridcare.core import throttle
from gridcare.core.clientaddress import address_group
from gridcare.customers.models import LoginAttempt

PASSWORD = "password"  # noqa: S105 (the name of a counter kind, not a password)
ONE_TIME_CODE = "otp"


@dataclass(frozen=True)
class SigninPolicy:
    max_failures_per_account: int
    max_failures_per_address: int
    window: dt.timedelta

    @classmethod
    def from_settings(cls, kind: str = PASSWORD) -> "SigninPolicy":
        if kind == ONE_TIME_CODE:
            return cls(
                max_failures_per_account=settings.GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT,
                max_failures_per_address=settings.GRIDCARE_OTP_MAX_FAILURES_PER_ADDRESS,
                window=dt.timedelta(seconds=settings.GRIDCARE_LOGIN_WINDOW_SECONDS),
            )
        return cls(
            max_failures_per_account=settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
            max_failures_per_address=settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS,
            window=dt.timedelta(seconds=settings.GRIDCARE_LOGIN_WINDOW_SECONDS),
        )


def signin_identifier(*, customer_code: str) -> str:
    """The throttling key of a typed customer code (trimmed, upper case, bounded)."""
    return customer_code.strip().upper()[: LoginAttempt._meta.get_field("identifier").max_length]


def staff_identifier(username: str) -> str:
    """The throttling key of a typed staff username (back office and API token share it)."""
    return f"staff:{username.strip().lower()}"[:64]


def _account_key(kind: str, identifier: str, address: str | None) -> str:
    return f"signin:{kind}:account:{identifier}|{address_group(address) or '-'}"


def _address_key(kind: str, address: str) -> str:
    return f"signin:{kind}:address:{address_group(address)}"


def signin_locked_until(
    *,
    identifier: str,
    address: str | None,
    now: dt.datetime,
    policy: SigninPolicy | None = None,
    kind: str = PASSWORD,
) -> dt.datetime | None:
    """When sign-in for this account from this address opens again, or None when it is open now."""
    policy = policy or SigninPolicy.from_settings(kind)
    unlocks = [
        throttle.locked_until(
            key=_account_key(kind, identifier, address), limit=policy.max_failures_per_account, now=now,
            window=policy.window,
        )
    ]  # fmt: skip
    if address:
        unlocks.append(
            throttle.locked_until(
                key=_address_key(kind, address),
                limit=policy.max_failures_per_address,
                now=now,
                window=policy.window,
            )
        )
    locked = [moment for moment in unlocks if moment is not None and moment > now]
    return max(locked) if locked else None


def signin_failure_record(
    *,
    identifier: str,
    address: str | None,
    now: dt.datetime,
    policy: SigninPolicy | None = None,
    kind: str = PASSWORD,
) -> LoginAttempt:
    """Count one failed sign-in for the account (from this address) and for the address."""
    policy = policy or SigninPolicy.from_settings(kind)
    throttle.hit(key=_account_key(kind, identifier, address), now=now, window=policy.window)
    if address:
        throttle.hit(key=_address_key(kind, address), now=now, window=policy.window)
    return LoginAttempt.objects.create(at=now, identifier=identifier, address=address or None)


@transaction.atomic
def signin_success_record(
    *,
    identifier: str,
    address: str | None,
    now: dt.datetime,
    policy: SigninPolicy | None = None,
    kind: str = PASSWORD,
) -> None:
    """Forget the account's failures from this address, and prune trail rows older than the window."""
    policy = policy or SigninPolicy.from_settings(kind)
    throttle.clear(key=_account_key(kind, identifier, address), now=now, window=policy.window)
    LoginAttempt.objects.filter(at__lte=now - policy.window).delete()


CODE_REQUEST_WINDOW = dt.timedelta(hours=1)


def _code_request_key(address: str) -> str:
    return f"signin:otp-request:address:{address_group(address)}"


def code_requests_locked_until(*, address: str | None, now: dt.datetime) -> dt.datetime | None:
    """When this address may ask for one-time codes again (SMS pumping), or None when it may now."""
    if not address:
        return None
    return throttle.locked_until(
        key=_code_request_key(address), limit=settings.GRIDCARE_OTP_MAX_REQUESTS_PER_ADDRESS_PER_HOUR, now=now,
        window=CODE_REQUEST_WINDOW,
    )  # fmt: skip


def code_request_record(*, address: str | None, now: dt.datetime) -> None:
    """Count one request for a one-time code from this address, whatever the customer code."""
    if address:
        throttle.hit(key=_code_request_key(address), now=now, window=CODE_REQUEST_WINDOW)


@dataclass(frozen=True)
class AccountLock:
    """The sign-in lock of one customer code as the back office shows it."""

    failures: int  # failed sign-ins still counted against the code (passwords and one-time codes)
    addresses_locked: int  # addresses from which the code is locked now (passwords or one-time codes)
    locked_until: dt.datetime | None  # when the last of those locks lifts by itself


def _failed_addresses(
    *, identifier: str, now: dt.datetime, window: dt.timedelta
) -> tuple[int, list[str | None]]:
    rows = list(
        LoginAttempt.objects.filter(identifier=identifier, at__gt=now - window).values_list(
            "address", flat=True
        )
    )
    return len(rows), sorted(set(rows), key=lambda a: a or "")


def account_lock_status(*, identifier: str, now: dt.datetime) -> AccountLock:
    """Is the code locked, from how many addresses, until when (password and one-time-code counters).

    The addresses come from the trail rows; the failures are those still counted (an unlock forgets them).
    """
    policies = {kind: SigninPolicy.from_settings(kind) for kind in (PASSWORD, ONE_TIME_CODE)}
    window = max(p.window for p in policies.values())
    _, addresses = _failed_addresses(identifier=identifier, now=now, window=window)
    until, locked, failures = None, 0, 0
    for address in addresses:
        moments = []
        for kind, p in policies.items():
            key = _account_key(kind, identifier, address)
            failures += throttle.count(key=key, now=now, window=p.window)
            moment = throttle.locked_until(
                key=key, limit=p.max_failures_per_account, now=now, window=p.window
            )
            if moment is not None and moment > now:
                moments.append(moment)
        if moments:
            locked += 1
            until = max([until, *moments] if until else moments)
    return AccountLock(failures=failures, addresses_locked=locked, locked_until=until)


def account_unlock(*, identifier: str, now: dt.datetime) -> int:
    """Forget the code's failures from every address that failed inside the window; how many addresses.

    Only the (account, address) counters: an address that guessed at many accounts stays locked.
    """
    policies = {kind: SigninPolicy.from_settings(kind) for kind in (PASSWORD, ONE_TIME_CODE)}
    window = max(p.window for p in policies.values())
    _, addresses = _failed_addresses(identifier=identifier, now=now, window=window)
    for address in addresses:
        for kind, p in policies.items():
            throttle.clear(key=_account_key(kind, identifier, address), now=now, window=p.window)
    return len(addresses)
