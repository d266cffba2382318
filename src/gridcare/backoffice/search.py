"""Back-office search by customer code, phone and meter serial, written to use indexes at a million rows."""

import re

from django.db.models import Q

from gridcare.customers.models import Account
from gridcare.metering.models import MeterInstallation

_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{11}$")
_PHONE = re.compile(r"^\+?[0-9 .\-]{8,20}$")


def normalise_phone(term: str) -> str | None:
    """A Vietnamese phone as typed (`0912 345 678`, `84912345678`, `+84912345678`) in E.164, or None."""
    if not _PHONE.match(term):
        return None
    digits = re.sub(r"[^0-9]", "", term)
    if term.startswith("+"):
        return f"+{digits}"
    if digits.startswith("0"):
        return f"+84{digits[1:]}"
    if digits.startswith("84"):
        return f"+{digits}"
    return None


def account_ids_by_key(term: str) -> list[int]:
    """Accounts whose code, phone or meter serial (current or past) is exactly `term`: three index lookups."""
    term = term.strip()
    ids = set(Account.objects.filter(code=term.upper()).values_list("pk", flat=True))
    phone = normalise_phone(term)
    if phone:
        ids.update(Account.objects.filter(phone=phone).values_list("pk", flat=True))
    serials = {term, term.upper()}
    ids.update(MeterInstallation.objects.filter(meter__serial__in=serials).values_list("account_id", flat=True))
    return sorted(ids)


def account_search_q(term: str, *, account_path: str = "") -> Q:
    """Accounts matching `term`: exactly by code, phone or meter serial; failing that, by customer name.

    `account_path` is the lookup from the searched model to its account (`""` for accounts themselves,
    `"account__"` for readings...). The exact keys are separate index lookups (one OR across columns and a
    subquery would scan the table); only when none matches does the search fall back to a substring of
    the customer's name, which scans.
    """
    term = term.strip()
    if not term:
        return Q()
    ids = account_ids_by_key(term)
    if ids:
        return Q(**{f"{account_path}pk__in": ids})
    return Q(**{f"{account_path}customer__name__icontains": term})


def customer_search_q(term: str) -> Q:
    """Customers owning an account that matches `term` exactly, or else named like it."""
    term = term.strip()
    if not term:
        return Q()
    ids = account_ids_by_key(term)
    if ids:
        return Q(pk__in=Account.objects.filter(pk__in=ids).values("customer_id"))
    return Q(name__icontains=term)
