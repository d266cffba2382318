"""Bank statements and collection-partner files in: parse, check every row, match, record and allocate (set-based).

The readings import's rules (docs/readings-import.md), for money: a file that cannot be read is refused whole with
a sentence saying why; otherwise every bad row is listed (row, column, value, why) and every good row is kept.
A line is keyed by (source, transaction id), a unique constraint, so importing the same file (or an overlapping
statement) again changes nothing. Matching, in order: a VietQR payment reference in the memo (`TD…`, check
digits verified; it names the bill), else the customer code (its column, or a code in the memo). A matched line
becomes a `Payment` (`<source>:<transaction id>`, the ledger's own idempotency key) allocated to the named bill
first, then as `payments.services` allocates; an unmatched one waits for a staff member (`statement_line_match`).

Columns (docs/payments-import.md): transaction_id, booked_on, amount, description [, customer_code, payer].
"""

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from gridcare.billing.models import Bill
from gridcare.billing.vietqr import bill_numbers_in_memo
from gridcare.core.bulk import bulk_insert, chunked, is_postgresql
from gridcare.core.formatting import BUSINESS_TZ, local_date
from gridcare.core.importfiles import (  # the readings' file rules
    ImportFileError,
    ImportLimits,
    RowError,
    header_problems,
    rows_from_file,
)
from gridcare.customers.models import Account
from gridcare.org import policy
from gridcare.payments import selectors, services
from gridcare.payments.models import Allocation, Channel, Payment, PaymentReversal
from gridcare.payments.statements_models import StatementImport, StatementLine

REQUIRED = ("transaction_id", "booked_on", "amount", "description")
OPTIONAL = ("customer_code", "payer")
# Column names banks and partners use, in Vietnamese or English, mapped to ours.
ALIASES = {
    "ma_giao_dich": "transaction_id", "so_giao_dich": "transaction_id", "reference": "transaction_id",
    "ngay": "booked_on", "ngay_giao_dich": "booked_on", "date": "booked_on",
    "so_tien": "amount", "credit": "amount",
    "noi_dung": "description", "dien_giai": "description", "memo": "description",
    "ma_khach_hang": "customer_code", "nguoi_nop": "payer",
}  # fmt: skip
CHANNEL_OF_KIND = {
    StatementImport.Kind.BANK: Channel.BANK_TRANSFER,
    StatementImport.Kind.PARTNER: Channel.COUNTER,
}
MAX_TRANSACTION_ID = 40
MAX_AMOUNT = 10**12  # a single credit above 1,000 billion đồng is a typo
_CUSTOMER_CODE = re.compile(r"(?<![A-Z0-9])([A-Z]{2}[A-Z0-9]{11})(?![A-Z0-9])")
_AMOUNT_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")
_AMOUNT_PLAIN = re.compile(r"^\d+([.,]0{1,2})?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_SOURCE = re.compile(r"^[A-Z0-9_]{2,20}$")


@dataclass
class StatementResult:
    """What an import did; `errors` lists every rejected row."""

    statement: StatementImport | None
    rows_total: int = 0
    matched: int = 0
    unmatched: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)


# --- reading and checking rows -----------------------------------------------------------------------


def _rows(content: bytes, filename: str, limits: ImportLimits) -> tuple[list[str], list[list[str]]]:
    """Header and body rows (as text) of a CSV or XLSX file."""
    parsed = rows_from_file(content=content, filename=filename, limits=limits)
    if isinstance(parsed, tuple):
        header, columns = parsed
        rows = [header, *map(list, zip(*columns, strict=True))]
    else:
        rows = parsed
    while rows and not any(str(c).strip() for c in rows[0]):
        rows = rows[1:]
    if not rows:
        raise ImportFileError(_("Tệp rỗng: không có dòng tiêu đề."), code="empty_file")
    return rows[0], rows[1:]


def _plain(name: str) -> str:
    """A column name without diacritics, lowercase, words joined by "_" ("Mã giao dịch" → "ma_giao_dich")."""
    text = unicodedata.normalize("NFD", name.strip().lstrip("\ufeff").lower().replace("đ", "d"))
    return "_".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def _header(raw: list[str]) -> list[str]:
    names = [ALIASES.get(n, n) for n in (_plain(str(c)) for c in raw)]
    while names and names[-1] == "":
        names.pop()
    parts, details = header_problems(names, required=REQUIRED, optional=OPTIONAL)
    if parts:
        raise ImportFileError(
            _("Tiêu đề tệp sao kê không hợp lệ: %(problems)s. Cần các cột %(required)s.")
            % {"problems": "; ".join(parts), "required": ", ".join(REQUIRED)},
            code="bad_header", details=details,
        )  # fmt: skip
    return names


def parse_amount(text: str) -> int | None:
    """Whole đồng from `1.234.567`, `1,234,567`, `1234567` or `1234567.00` (None when it is not one)."""
    value = (
        text.replace(" ", "").replace("\u00a0", "").removesuffix("₫").removesuffix("VND").removesuffix("đ")
    )
    if _AMOUNT_GROUPED.match(value):
        return int(re.sub(r"[.,]", "", value))
    if _AMOUNT_PLAIN.match(value):
        return int(re.split(r"[.,]", value)[0])
    return None


def parse_day(text: str) -> dt.date | None:
    """A date from `dd/mm/yyyy` or `yyyy-mm-dd` (a time after it is ignored); None when it is not one."""
    try:
        if m := _DMY.match(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None


@dataclass
class _Good:
    row: int
    transaction_id: str
    booked_on: dt.date
    amount: int
    description: str
    customer_code: str
    payer: str


def check_rows(
    header: list[str], body: Sequence[Sequence[str]], *, today: dt.date
) -> tuple[list[_Good], list[RowError]]:
    """Every good row, and one error per bad value (row numbers as in the file: the header is row 1)."""
    width = len(header)
    at = {name: i for i, name in enumerate(header)}
    good: list[_Good] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(body, start=2):
        cells = [str(c).strip() for c in raw]
        if not any(cells):
            continue  # blank lines are not errors
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            errors.append(RowError(number, "", ",".join(cells)[:200],
                                   _("Dòng có %(found)d ô, cần %(expected)d.") % {"found": len(cells), "expected": width},
                                   f"Row has {len(cells)} cells, expected {width}."))  # fmt: skip
            continue
        bad = len(errors)
        txn = cells[at["transaction_id"]]
        if not txn or len(txn) > MAX_TRANSACTION_ID:
            errors.append(RowError(number, "transaction_id", txn[:80],
                                   _("Mã giao dịch trống hoặc dài quá %(n)d ký tự.") % {"n": MAX_TRANSACTION_ID},
                                   f"Transaction id is empty or longer than {MAX_TRANSACTION_ID} characters."))  # fmt: skip
        elif txn in seen:
            errors.append(RowError(number, "transaction_id", txn,
                                   _("Mã giao dịch trùng với dòng %(row)d của tệp.") % {"row": seen[txn]},
                                   f"Transaction id repeats row {seen[txn]} of the file."))  # fmt: skip
        day_text = cells[at["booked_on"]]
        day = parse_day(day_text)
        if day is None:
            errors.append(RowError(number, "booked_on", day_text[:40], _("Ngày không hợp lệ (cần dd/mm/yyyy)."),
                                   "Not a date (dd/mm/yyyy expected)."))  # fmt: skip
        elif day > today:
            errors.append(
                RowError(
                    number,
                    "booked_on",
                    day_text,
                    _("Ngày ghi có ở tương lai."),
                    "Booking date is in the future.",
                )
            )
        amount_text = cells[at["amount"]]
        amount = parse_amount(amount_text)
        if (
            amount is None
            and amount_text.startswith("-")
            and parse_amount(amount_text[1:].strip()) is not None
        ):
            amount = -1  # a debit: said so below, not "not an amount"
        if amount is None:
            errors.append(RowError(number, "amount", amount_text[:40],
                                   _("Số tiền không hợp lệ: cần số đồng nguyên dương, ví dụ 1.234.567."),
                                   "Not an amount: a positive whole number of đồng expected, e.g. 1.234.567."))  # fmt: skip
        elif amount <= 0 or amount > MAX_AMOUNT:
            errors.append(RowError(number, "amount", amount_text,
                                   _("Số tiền phải lớn hơn 0 và không quá 1.000 tỷ đồng (chỉ nhập các khoản ghi có)."),
                                   "The amount must be above 0 and at most 1,000 billion đồng (credits only)."))  # fmt: skip
        description = cells[at["description"]]
        if len(description) > 500:
            errors.append(RowError(number, "description", description[:80], _("Nội dung dài quá 500 ký tự."),
                                   "Description longer than 500 characters."))  # fmt: skip
        code = cells[at["customer_code"]].upper() if "customer_code" in at else ""
        if code and not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{11}", code):
            errors.append(RowError(number, "customer_code", code[:40],
                                   _("Mã khách hàng gồm 13 ký tự, bắt đầu bằng tiền tố của công ty."),
                                   "A customer code has 13 characters and starts with the company's prefix."))  # fmt: skip
        payer = cells[at["payer"]][:200] if "payer" in at else ""
        if len(errors) == bad:
            seen[txn] = number
            good.append(_Good(number, txn, day, amount, description, code, payer))
    return good, errors


# --- writing -----------------------------------------------------------------------------------------


def _reserve_payment_ids(count: int) -> list[int]:
    """Ids for `count` new payments (the sequence on PostgreSQL; after MAX(id) under SQLite's write lock)."""
    table = Payment._meta.db_table
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


def _chunk() -> int:
    """Rows per round of set-based queries."""
    return 5_000


def _among(values) -> list:
    """The right side of an `__in` lookup. (An unnested array parameter was tried on PostgreSQL, 2026-12-01: the
    planner then rescanned the array for every bill — see benchmarks/README.md — so the values go as a list.)"""
    return list(values)


def _present(*, source: str, transaction_ids: list[str]) -> set[str]:
    """The transaction ids of `source` already imported. PostgreSQL: one query, the ids as one array parameter
    (`= ANY`, an index scan of the unique key), not thousands of quoted literals to bind, parse and plan."""
    if not transaction_ids:
        return set()
    table = StatementLine._meta.db_table
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f"SELECT transaction_id FROM {table} WHERE source = %s AND transaction_id = ANY(%s)",  # noqa: S608
                           [source, transaction_ids])  # fmt: skip
            return {row[0] for row in cursor.fetchall()}
    found: set[str] = set()
    for part in chunked(transaction_ids, _chunk()):
        found |= set(
            StatementLine.objects.filter(source=source, transaction_id__in=part).values_list(
                "transaction_id", flat=True
            )
        )
    return found


def _lock_accounts(account_ids: list[int]) -> None:
    """The allocator's per-account lock (as `payments.services`), set-based: FOR NO KEY UPDATE on PostgreSQL."""
    for part in chunked(sorted(set(account_ids)), _chunk()):
        list(
            Account.objects.select_for_update(no_key=True)
            .filter(pk__in=_among(part))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _outstanding(bill_ids: list[int]) -> dict[int, int]:
    """What is left to pay on each owed bill among `bill_ids` (bills not owed: absent)."""
    left: dict[int, int] = {}
    for part in chunked(sorted(set(bill_ids)), _chunk()):
        totals = dict(Bill.objects.filter(selectors.OWED, pk__in=_among(part)).values_list("pk", "total"))
        paid = dict(Allocation.objects.filter(bill_id__in=_among(totals)).order_by().values("bill_id")
                    .annotate(s=Sum("amount")).values_list("bill_id", "s"))  # fmt: skip
        for pk, total in totals.items():
            left[pk] = total - paid.get(pk, 0)
    return left


def statement_import(
    *,
    content: bytes,
    filename: str,
    kind: str,
    source: str,
    now: dt.datetime,
    user: Any = None,
    unit: Any = None,
    limits: ImportLimits | None = None,
) -> StatementResult:
    """Import a statement (`kind` bank) or a collection partner's file (`kind` partner) from `source` (VCB, VNPOST…).

    Refuses the whole file (`ImportFileError`) when it cannot be read; otherwise keeps every good row. `user` needs
    the "payments.import_statements" rule; unmatched lines go to the queue of `unit` (the user's unit by default).
    One transaction; a fixed number of set-based queries per 5,000 rows, whatever the file.
    """
    if user is not None:
        policy.require(user=user, action="payments.import_statements",
                       message=_("Cần quyền nhập sao kê thanh toán."))  # fmt: skip
        membership = getattr(user, "staff_membership", None) if not user.is_superuser else None
        unit = unit or (membership.unit if membership else None)
    source = source.strip().upper()
    if not _SOURCE.match(source):
        raise ImportFileError(
            _("Mã ngân hàng / đối tác gồm 2–20 chữ in hoa, số hoặc '_', ví dụ VCB."), code="bad_source"
        )
    if kind not in CHANNEL_OF_KIND:
        raise ImportFileError(
            _("Loại tệp phải là sao kê ngân hàng hoặc tệp đối tác thu hộ."), code="bad_kind"
        )
    header_raw, body = _rows(content, filename, limits or ImportLimits.from_settings())
    header = _header(header_raw)
    good, errors = check_rows(header, body, today=local_date(now))
    result = StatementResult(
        statement=None, rows_total=len(good) + len({e.row for e in errors}), errors=errors
    )
    channel = CHANNEL_OF_KIND[kind]
    with transaction.atomic():
        statement = StatementImport.objects.create(
            kind=kind, source=source, filename=filename[:200], sha256=hashlib.sha256(content).hexdigest(), started_at=now,
            unit=unit, created_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        result.statement = statement
        # The lines already imported (this file again, or a statement that overlaps one), in one look-up: a
        # re-import is a parse and this query.
        present = _present(source=source, transaction_ids=[r.transaction_id for r in good])
        if present:
            result.already_present = sum(r.transaction_id in present for r in good)
            good = [r for r in good if r.transaction_id not in present]
        for part in chunked(good, _chunk()):
            _import_chunk(part, statement=statement, channel=channel, now=now, result=result)
        StatementImport.objects.filter(pk=statement.pk).update(
            rows_total=result.rows_total, rows_matched=result.matched, rows_unmatched=result.unmatched,
            rows_already_present=result.already_present, rows_rejected=len({e.row for e in errors}),
            errors=[e.as_dict() for e in errors[:1000]],
            status=StatementImport.Status.DONE_WITH_ERRORS if errors else StatementImport.Status.DONE,
        )  # fmt: skip
        statement.refresh_from_db()
    return result


def _import_chunk(rows: list[_Good], *, statement: StatementImport, channel: str, now: dt.datetime,
                  result: StatementResult) -> None:  # fmt: skip
    source = statement.source
    # Match: a bill reference in the memo first (it names the bill), then a customer code (column, then memo).
    wanted_bill = [next(iter(bill_numbers_in_memo(r.description)), None) for r in rows]
    bills, units = {}, {}
    for number, pk, account_id, unit_id in (Bill.objects.filter(number__in=_among({n for n in wanted_bill if n}))
                                            .values_list("number", "pk", "account_id", "account__unit_id")):  # fmt: skip
        bills[number] = (pk, account_id)
        units[account_id] = unit_id
    wanted_code = [
        r.customer_code or next(iter(_CUSTOMER_CODE.findall(r.description.upper())), "") for r in rows
    ]
    accounts = {
        code: (pk, unit_id)
        for code, pk, unit_id in Account.objects.filter(code__in=_among({c for c in wanted_code if c}))
        .values_list("code", "pk", "unit_id")
    }  # fmt: skip
    matched: list[tuple[int, int | None, str, int]] = []  # (row index, bill id, how, account id)
    for i in range(len(rows)):
        if wanted_bill[i] in bills:
            bill_id, account_id = bills[wanted_bill[i]]
            matched.append((i, bill_id, StatementLine.MatchedBy.REFERENCE, account_id))
        elif wanted_code[i] in accounts:
            matched.append((i, None, StatementLine.MatchedBy.CUSTOMER_CODE, accounts[wanted_code[i]][0]))
    units.update(dict(accounts.values()))
    _lock_accounts([m[3] for m in matched])
    ids = _reserve_payment_ids(len(matched)) if matched else []
    recorded = str(connection.ops.adapt_datetimefield_value(now))
    received = {}
    payment_rows = []
    for (i, _bill, _how, account_id), pk in zip(matched, ids, strict=True):
        r = rows[i]
        moment = dt.datetime.combine(r.booked_on, dt.time(0), BUSINESS_TZ)
        received[i] = str(connection.ops.adapt_datetimefield_value(moment))
        payment_rows.append((pk, channel, f"{source}:{r.transaction_id}", account_id, r.amount, received[i], recorded,
                             None, "", r.payer, r.description[:300]))  # fmt: skip
    if payment_rows:
        bulk_insert(table=Payment._meta.db_table,
                    columns=["id", "channel", "reference", "account_id", "amount", "received_at", "recorded_at", "order_id",
                             "gateway_transaction", "payer", "note"], rows=payment_rows)  # fmt: skip
    payment_of = {m[0]: (pk, m) for m, pk in zip(matched, ids, strict=True)}
    line_rows = []
    for i, r in enumerate(rows):
        pk_match = payment_of.get(i)
        if pk_match:
            pk, (_i, bill_id, how, account_id) = pk_match
            line_rows.append((statement.pk, source, r.transaction_id, r.booked_on.isoformat(), r.amount, r.description,
                              r.customer_code, r.payer, StatementLine.Status.MATCHED.value, how.value, account_id, bill_id,
                              pk, units.get(account_id), recorded))  # fmt: skip
        else:
            line_rows.append((statement.pk, source, r.transaction_id, r.booked_on.isoformat(), r.amount, r.description,
                              r.customer_code, r.payer, StatementLine.Status.UNMATCHED.value, "", None, None, None,
                              statement.unit_id, None))  # fmt: skip
    bulk_insert(table=StatementLine._meta.db_table,
                columns=["statement_id", "source", "transaction_id", "booked_on", "amount", "description", "customer_code",
                         "payer", "status", "matched_by", "account_id", "bill_id", "payment_id", "unit_id", "matched_at"],
                rows=line_rows)  # fmt: skip
    result.matched += len(matched)
    result.unmatched += len(rows) - len(matched)
    _allocate(matched=matched, rows=rows, ids=ids, now=now)


def _sums(model, account_path: str, account_ids: list[int]) -> dict[int, int]:
    rows = (model.objects.filter(**{f"{account_path}__in": _among(account_ids)}).order_by().values(account_path)
            .annotate(s=Sum("amount")).values_list(account_path, "s"))  # fmt: skip
    return dict(rows)


def _allocate(*, matched, rows: list[_Good], ids: list[int], now: dt.datetime) -> None:
    """Each new payment to the bill its reference names, then to its account's other owed bills oldest due first
    (the order of `payments.services`), what is left staying as credit — set-based. An account that already held
    unallocated credit before this file goes through `payments.services.payments_allocate` instead (its older
    money pays first there)."""
    left = _outstanding([bill_id for _i, bill_id, _h, _a in matched if bill_id])
    created = str(connection.ops.adapt_datetimefield_value(now))
    allocations = []
    remaining: list[tuple[int, int, int]] = []  # (payment id, account id, amount left), in file order
    for (i, bill_id, _how, account_id), payment_id in zip(matched, ids, strict=True):
        amount = rows[i].amount
        part = min(amount, left.get(bill_id, 0)) if bill_id else 0
        if part > 0:
            allocations.append((payment_id, bill_id, part, Allocation.Reason.ALLOCATE.value, created))
            left[bill_id] -= part
        if part < amount:
            remaining.append((payment_id, account_id, amount - part))
    rest: set[int] = set()
    if remaining:
        accounts = sorted({a for _p, a, _r in remaining})
        new_money: dict[int, int] = {}
        for i, _b, _h, account_id in matched:
            new_money[account_id] = new_money.get(account_id, 0) + rows[i].amount
        owed: dict[int, list[int]] = {}
        older_credit: set[int] = set()
        for part in chunked(accounts, _chunk()):
            received = _sums(Payment, "account_id", part)
            reversed_ = _sums(PaymentReversal, "payment__account_id", part)
            allocated = _sums(Allocation, "payment__account_id", part)
            older_credit |= {a for a in part
                             if received.get(a, 0) - new_money[a] - reversed_.get(a, 0) - allocated.get(a, 0) > 0}  # fmt: skip
            for pk, account_id, outstanding in selectors.bills_outstanding_of(accounts=part):
                if pk not in left:
                    left[pk] = outstanding
                owed.setdefault(account_id, []).append(pk)
        for payment_id, account_id, amount in remaining:
            if account_id in older_credit:
                rest.add(account_id)
                continue
            for bill_id in owed.get(account_id, ()):
                if amount <= 0:
                    break
                part = min(amount, left[bill_id])
                if part > 0:
                    allocations.append((payment_id, bill_id, part, Allocation.Reason.ALLOCATE.value, created))
                    left[bill_id] -= part
                    amount -= part
    if allocations:
        bulk_insert(table=Allocation._meta.db_table, columns=["payment_id", "bill_id", "amount", "reason", "created_at"],
                    rows=allocations)  # fmt: skip
    if rest:
        services.payments_allocate(accounts=sorted(rest), now=now)


# --- the queue of unmatched lines --------------------------------------------------------------------


class StatementError(Exception):
    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


def statement_line_match(*, line: StatementLine, account: Account, bill: Bill | None = None, user: Any, now: dt.datetime
                         ) -> StatementLine:  # fmt: skip
    """Match an unmatched line to `account` (and `bill`, paid first): records and allocates its payment once.

    `user` must be allowed to change the line and to see the account (both within their units).
    """
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if not policy.may_record(user=user, model=StatementLine, verb="change", obj=line):
            raise policy.AccessDenied(_("Dòng sao kê này không thuộc đơn vị của bạn."))
        if not policy.records(Account.objects.filter(pk=account.pk), user=user).exists():
            raise policy.AccessDenied(_("Khách hàng này không thuộc đơn vị của bạn."))
        if line.status != StatementLine.Status.UNMATCHED:
            raise StatementError("already_matched", _("Dòng sao kê này đã được khớp."))
        if bill is not None and bill.account_id != account.pk:
            raise StatementError("bill_of_another_account", _("Hoá đơn không thuộc khách hàng đã chọn."))
        channel = CHANNEL_OF_KIND[
            StatementImport.objects.values_list("kind", flat=True).get(pk=line.statement_id)
        ]
        payment, _new = services.payment_record(
            channel=channel, reference=f"{line.source}:{line.transaction_id}", account=account, amount=line.amount,
            received_at=dt.datetime.combine(line.booked_on, dt.time(0), BUSINESS_TZ), bills=[bill] if bill else None,
            payer=line.payer, note=line.description[:300], now=now,
        )  # fmt: skip
        StatementLine.objects.filter(pk=line.pk).update(
            status=StatementLine.Status.MATCHED, matched_by=StatementLine.MatchedBy.MANUAL, account=account,
            bill=bill, payment=payment, unit_id=account.unit_id, matched_at=now,
            matched_by_user=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        line.refresh_from_db()
        return line
