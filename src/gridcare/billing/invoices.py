"""The VAT e-invoice side of a bill: its seller, series, number and lookup code (docs/billing.md).

Numbers are given set-based: for the bills of one company (and year) a block of numbers is reserved from the
series' `InvoiceSequence` row with one UPDATE (its row lock orders concurrent bill runs), then written with one
UPDATE … FROM over the bills ranked by id. Nothing here is per bill in Python except the lookup code (a keyed
hash of the bill number, computed where the bill row is written).
"""

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet

from gridcare.billing.models import Bill, InvoiceSequence
from gridcare.core.formatting import local_date
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.org.models import Unit


@dataclass(frozen=True)
class Seller:
    """Đơn vị bán hàng: what the bill prints about the company that sells the electricity."""

    name: str
    tax_code: str
    address: str
    series_letters: str


def lookup_code(*, number: str) -> str:
    """The e-invoice lookup code of a bill: 10 characters (A–Z, 2–7) no one can guess from the bill number."""
    digest = hashlib.blake2b(number.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=10).digest()
    return base64.b32encode(digest).decode()[:10]


def _default_letters(unit_id: int) -> str:
    """Two letters unique to a company id below 676 (AA, AB, …), when the settings name none."""
    return chr(65 + unit_id // 26 % 26) + chr(65 + unit_id % 26)


def company_of(unit: Unit) -> Unit | None:
    """The company (công ty điện lực) a unit belongs to: itself, or its ancestor of that kind."""
    if unit.kind == Unit.Kind.COMPANY:
        return unit
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return Unit.objects.filter(pk__in=ids, kind=Unit.Kind.COMPANY).order_by("pk").first()


def seller_of(company: Unit | None) -> Seller:
    """The seller printed on the company's bills (GRIDCARE_INVOICE_SELLERS by unit code, else the unit's name)."""
    default = getattr(settings, "GRIDCARE_INVOICE_SELLER_DEFAULT", {})
    if company is None:
        return Seller(
            name="",
            tax_code=default.get("tax_code", ""),
            address=default.get("address", ""),
            series_letters="ZZ",
        )
    listed = getattr(settings, "GRIDCARE_INVOICE_SELLERS", {}).get(company.code, {})
    return Seller(
        name=listed.get("name", company.name),
        tax_code=listed.get("tax_code", default.get("tax_code", "")),
        address=listed.get("address", default.get("address", "")),
        series_letters=listed.get("series", _default_letters(company.pk)),
    )


def series_of(*, company: Unit | None, issued_on: dt.date) -> str:
    """The e-invoice series of a company's bills issued on a day: C + year (2 digits) + T + the company's letters."""
    return f"C{issued_on:%y}T{seller_of(company).series_letters}"


def _companies_by_team_path(paths: list[str]) -> dict[str, Unit | None]:
    companies = list(Unit.objects.filter(kind=Unit.Kind.COMPANY).order_by("pk"))
    found: dict[str, Unit | None] = {}
    for path in paths:
        found[path] = next((c for c in companies if c.path and path.startswith(c.path)), None)
    return found


def _reserve(*, series: str, company: Unit | None, count: int) -> int:
    """Reserve `count` numbers of `series`; returns the first one."""
    if company is None:
        company = (
            Unit.objects.filter(kind=Unit.Kind.CORPORATION).order_by("pk").first()
            or Unit.objects.order_by("pk").first()
        )
    # Three queries whether or not the series exists yet (the insert of an existing one is ignored).
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(series=series, unit=company, last_number=0)], ignore_conflicts=True
    )
    InvoiceSequence.objects.filter(series=series).update(last_number=F("last_number") + count)
    last = InvoiceSequence.objects.filter(series=series).values_list("last_number", flat=True).get()
    return last - count + 1


def invoice_numbers_assign(*, bills: QuerySet[Bill], now: dt.datetime) -> int:
    """Give every issued bill among `bills` that has no e-invoice number yet its series and number; returns how many.

    Call it inside the transaction that issues the bills. A few queries per company, whatever the number of bills.
    """
    pending = bills.filter(invoice_number__isnull=True).exclude(status=Bill.Status.HELD)
    paths = sorted(set(pending.values_list("account__unit__path", flat=True).distinct()))
    if not paths:
        return 0
    companies = _companies_by_team_path(paths)
    by_company: dict[int | None, list[str]] = {}
    for path, company in companies.items():
        by_company.setdefault(company.pk if company else None, []).append(path)
    issued_on = local_date(now)
    given = 0
    for company_id, team_paths in sorted(by_company.items(), key=lambda item: item[0] or 0):
        company = next((c for c in companies.values() if c is not None and c.pk == company_id), None)
        mine = pending.filter(account__unit__path__in=team_paths)
        count = mine.count()
        if not count:
            continue
        series = series_of(company=company, issued_on=issued_on)
        first = _reserve(series=series, company=company, count=count)
        chosen_sql, params = mine.values("pk").query.sql_with_params()
        table = Bill._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET invoice_series = %s, invoice_number = ranked.n
                    FROM (SELECT id, %s - 1 + ROW_NUMBER() OVER (ORDER BY id) AS n FROM {table}
                          WHERE id IN ({chosen_sql})) AS ranked
                    WHERE {table}.id = ranked.id""",  # noqa: S608  (table name and the ORM's own SQL)
                [series, first, *params],
            )
        given += count
    return given


def invoice_numbers_for(
    *, account_ids: np.ndarray, issued: np.ndarray, now: dt.datetime
) -> tuple[list[str], np.ndarray]:
    """The series and numbers of new bills about to be written (one per account, in this order), for the issued
    ones (series "" and number −1 for the others): `invoice_numbers_assign`'s numbering, given before the insert so
    that the bills are written once, not written and then updated. Call it inside the transaction that writes them.
    """
    n = len(account_ids)
    series_out, numbers = [""] * n, np.full(n, -1, dtype=np.int64)
    chosen = np.flatnonzero(issued)
    if not len(chosen):
        return series_out, numbers
    lo, hi = int(account_ids.min()), int(account_ids.max())
    units = fetch_int_matrix(sql="SELECT id, unit_id FROM customers_account WHERE id BETWEEN %s AND %s ORDER BY id",
                             params=[lo, hi], columns=2)  # fmt: skip
    unit_of = units[np.searchsorted(units[:, 0], account_ids[chosen]), 1]
    paths = dict(Unit.objects.filter(pk__in=sorted(set(unit_of.tolist()))).values_list("pk", "path"))
    companies = _companies_by_team_path(sorted(set(paths.values())))
    company_of_unit = {u: companies[p] for u, p in paths.items()}
    issued_on = local_date(now)
    by_company: dict[int | None, list[int]] = {}
    for unit_id in sorted(company_of_unit):
        company = company_of_unit[unit_id]
        by_company.setdefault(company.pk if company else None, []).append(unit_id)
    for _company_id, unit_ids in sorted(by_company.items(), key=lambda item: item[0] or 0):
        company = company_of_unit[unit_ids[0]]
        rows = chosen[np.isin(unit_of, np.array(unit_ids, dtype=np.int64))]
        series = series_of(company=company, issued_on=issued_on)
        first = _reserve(series=series, company=company, count=len(rows))
        numbers[rows] = np.arange(first, first + len(rows), dtype=np.int64)
        for i in rows.tolist():
            series_out[i] = series
    return series_out, numbers
