"""Back-office search by customer code, phone and meter serial, written to use indexes at a million rows."""

import re

from django.db.models import Exists, OuterRef, Q

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


def account_search_q(term: str, *, account_path: str = "") -> Q:
    """Accounts matching `term`: exact code, exact phone, exact meter serial (current or past), or customer name.

    `account_path` is the lookup from the searched model to its account (`""` for accounts themselves,
    `"account__"` for readings...). Exact matches on indexed columns keep the search fast; only names
    fall back to a substring match.
    """
    term = term.strip()
    if not term:
        return Q()
    prefix = account_path
    query = Q(**{f"{prefix}code": term.upper()})
    phone = normalise_phone(term)
    if phone:
        query |= Q(**{f"{prefix}phone": phone})
    serials = {term, term.upper()}
    query |= Exists(MeterInstallation.objects.filter(account=OuterRef(f"{prefix}pk"), meter__serial__in=serials))
    if not _CODE.match(term.upper()) and not phone:
        query |= Q(**{f"{prefix}customer__name__icontains": term})
    return query


def customer_search_q(term: str) -> Q:
    """Customers owning an account that matches `term`, or named like it."""
    term = term.strip()
    if not term:
        return Q()
    return Exists(Account.objects.filter(account_search_q(term), customer=OuterRef("pk"))) | Q(name__icontains=term)
