"""Back-office search by customer code, phone and meter serial, written to use indexes at a million rows.

Failing an exact key, a term is a name or an address typed with or without diacritics ("nguyen van an" finds
"Nguyễn Văn An"), compared with the folded copies `Customer.search_name` / `Premise.search_street`
(`core.text.fold`): first a prefix of the name (an index range), and only when nothing starts so, a part of
the name or of the street (a scan of one narrow column). A term of 4 to 9 digits is the end of a phone number.
"""

import re

from django.db.models import Q

from gridcare.core.text import fold
from gridcare.customers import selectors as customer_selectors
from gridcare.metering.models import MeterInstallation

_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{11}$")
_PHONE = re.compile(r"^\+?[0-9 .\-]{8,20}$")
_PHONE_TAIL = re.compile(r"^[0-9]{4,9}$")


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
    ids = customer_selectors.account_ids_by_code_or_phone(code=term.upper(), phone=normalise_phone(term))
    serials = {term, term.upper()}
    ids.update(
        MeterInstallation.objects.filter(meter__serial__in=serials).values_list("account_id", flat=True)
    )
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
    return _loose_q(term, account_path=account_path)


def _loose_q(term: str, *, account_path: str) -> Q:
    """Accounts by the end of their phone, else by their customer's name or their premise's street, folded."""
    if _PHONE_TAIL.match(term):
        return Q(**{f"{account_path}phone__endswith": term})
    folded = fold(term)
    if not folded:
        return Q(pk__in=[])
    by_prefix = customer_selectors.customers_named_from(folded=folded)
    if by_prefix.exists():
        return Q(**{f"{account_path}customer__in": by_prefix.values("pk")})
    return Q(**{f"{account_path}customer__search_name__contains": folded}) | Q(
        **{f"{account_path}premise__search_street__contains": folded}
    )


def customer_search_q(term: str) -> Q:
    """Customers owning an account that matches `term` exactly, or else named like it."""
    term = term.strip()
    if not term:
        return Q()
    ids = account_ids_by_key(term)
    if ids:
        return Q(pk__in=customer_selectors.customer_ids_of_accounts(match=Q(pk__in=ids)))
    if _PHONE_TAIL.match(term):
        return Q(pk__in=customer_selectors.customer_ids_of_accounts(match=Q(phone__endswith=term)))
    folded = fold(term)
    if customer_selectors.customers_named_from(folded=folded).exists():
        return Q(search_name__startswith=folded)
    return Q(search_name__contains=folded) | Q(
        pk__in=customer_selectors.customer_ids_of_accounts(match=Q(premise__search_street__contains=folded))
    )
