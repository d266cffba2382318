"""Benchmark of payments: gateway callbacks over HTTP, and bank-statement rows imported, against naive baselines.

    python benchmarks/payments.py --payments 200000 [--database-url postgres://postgres@127.0.0.1:5432/gc_pay_bench]

Builds a throw-away database (a fresh PostgreSQL database named in the URL, dropped afterwards, or a temporary SQLite
file) with N accounts and one issued bill each, then

- callbacks: `run_callbacks(args)` (the gateway part, HOOK below: N callbacks settled over HTTP by several client
  threads against a running server); it prints its own lines and returns callbacks/s, or None when not run;
- statement: writes a bank statement of N credits (94 % with the bill's VietQR reference in the memo, 3 % with only
  the customer code, 3 % unknown) and imports it with `payments.statements.statement_import` (parse, check, match,
  record, allocate, set-based), then imports a sample with the naive way (per row: find the bill with the ORM,
  `payment_record(...)`, save the line);

and prints last

    RESULT payments callbacks_per_s=<n> statement_rows_per_s=<n> naive_rows_per_s=<n> ratio=<n>

(`ratio` = statement rows/s over naive rows/s; callbacks_per_s is `-` when the callback part did not run).
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchdb  # noqa: E402  (puts src/ on the path; sets up Django on the chosen database)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000, help="callbacks and statement rows (N)")
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument(
        "--naive-sample", type=int, default=1_000, help="statement rows imported the naive way"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-callbacks", action="store_true", help="measure the statement import only")
    return parser.parse_args()


def build(n: int):
    """Org, N accounts (codes PB13000000000+i) and one issued July bill each (number 202507-<id>), due 10/08."""
    from django.db import connection, transaction

    from gridcare.billing.models import Bill
    from gridcare.core.bulk import bulk_insert
    from gridcare.customers.models import Account, Customer, Premise
    from gridcare.org.models import Commune, Province, Unit
    from gridcare.org.services import unit_create

    province = Province.objects.create(code="92", name="Cần Thơ")
    commune = Commune.objects.create(
        province=province, code="92-001", name="Ninh Kiều", kind=Commune.Kind.WARD
    )
    corporation = unit_create(
        kind=Unit.Kind.CORPORATION, code="EVNSPC", name="Tổng công ty Điện lực miền Nam"
    )
    company = unit_create(kind=Unit.Kind.COMPANY, code="PCCT", name="Công ty Điện lực Cần Thơ", parent=corporation,
                          customer_code_prefix="PB")  # fmt: skip
    team = unit_create(kind=Unit.Kind.TEAM, code="PCCT-NK", name="Đội QLĐ Ninh Kiều", parent=company)
    premise = Premise.objects.create(province=province, commune=commune, street="30/4")
    customer = Customer.objects.create(name="Khách hàng thử")
    with transaction.atomic():
        bulk_insert(
            table=Account._meta.db_table,
            columns=("code", "customer_id", "unit_id", "premise_id", "purpose", "voltage", "households", "status", "phone",
                     "email", "zalo_user_id", "preferred_language", "start_date"),
            rows=((f"PB13{i:09d}", customer.pk, team.pk, premise.pk, "residential", "lt6kv", 1, "active", "", "", "", "vi",
                   dt.date(2020, 1, 1)) for i in range(n)),
        )  # fmt: skip
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    created = str(connection.ops.adapt_datetimefield_value(dt.datetime(2025, 8, 1, 2, tzinfo=dt.UTC)))
    with transaction.atomic():
        bulk_insert(
            table=Bill._meta.db_table,
            columns=("id", "number", "kind", "account_id", "period", "status", "hold_reason", "start_date", "end_date",
                     "days", "start_index", "end_index", "households", "kwh", "subtotal", "vat", "total", "estimated",
                     "created_at", "issued_at", "due_date"),
            rows=((i + 1, f"202507-{i + 1:09d}", "invoice", pk, "2025-07-01", "issued", "", "2025-07-05", "2025-08-05", 31,
                   0, 200, 1, 200, 400_000, 32_000, 432_000, False, created, created, "2025-08-10")
                  for i, pk in enumerate(accounts)),
        )  # fmt: skip
    return accounts


def write_statement(path: Path, n: int, first: int = 0) -> None:
    """N credits: the bill's reference in a bank-style memo; every 33rd by customer code only, every 33rd+1 unknown."""
    from gridcare.billing.vietqr import payment_reference

    with path.open("w", encoding="utf-8") as out:
        out.write("transaction_id,booked_on,amount,description,customer_code,payer\n")
        for i in range(first, first + n):
            if i % 33 == 0:
                memo, code = "thanh toan tien dien", f"PB13{i:09d}"
            elif i % 33 == 1:
                memo, code = "chuyen tien", ""
            else:
                memo, code = (
                    f"MBVCB.{i}.{payment_reference(bill_number=f'202507-{i + 1:09d}')}.CT tu 0011 NGUYEN VAN A",
                    "",
                )
            out.write(f"FT25{i:012d},04/08/2025,432.000,{memo},{code},NGUYEN VAN A\n")


def naive(path: Path, sample: int, now) -> float:
    """The obvious way, per row: parse, find the bill (or the account) with the ORM, `payment_record`, save the line."""
    import re

    from gridcare.billing.models import Bill
    from gridcare.billing.vietqr import bill_numbers_in_memo
    from gridcare.customers.models import Account
    from gridcare.payments.models import StatementImport, StatementLine
    from gridcare.payments.services import payment_record

    statement = StatementImport.objects.create(
        kind="bank", source="NAIVE", filename=path.name, sha256="0" * 64, started_at=now
    )
    with path.open(encoding="utf-8") as handle:
        next(handle)
        rows = [next(handle).rstrip("\n").split(",") for _ in range(sample)]
    started = time.perf_counter()
    for txn, booked, amount, memo, code, payer in rows:
        day = dt.datetime.strptime(booked, "%d/%m/%Y").date()
        value = int(re.sub(r"[.,]", "", amount))
        if StatementLine.objects.filter(source="NAIVE", transaction_id=txn).exists():
            continue
        numbers = bill_numbers_in_memo(memo)
        bill = Bill.objects.filter(number=numbers[0]).first() if numbers else None
        account = (
            Account.objects.filter(pk=bill.account_id).first()
            if bill
            else Account.objects.filter(code=code).first()
        )
        line = StatementLine(statement=statement, source="NAIVE", transaction_id=txn, booked_on=day, amount=value,
                             description=memo, customer_code=code, payer=payer, status="unmatched")  # fmt: skip
        if account is not None:
            payment, _new = payment_record(channel="bank_transfer", reference=f"NAIVE:{txn}", account=account, amount=value,
                                           received_at=now, bills=[bill] if bill else None, now=now)  # fmt: skip
            line.status, line.account, line.bill, line.payment = "matched", account, bill, payment
            line.matched_by = "reference" if bill else "customer_code"
        line.save()
    return len(rows) / (time.perf_counter() - started)


def run_callbacks(args) -> float | None:
    """The gateway part: `payment_callbacks.py` (its own throw-away database, a gunicorn server, 16 client threads on
    kept-alive connections) settles N VNPAY IPNs over HTTP; returns its callbacks/s, or None when it failed."""
    import re
    import subprocess

    url = f"{args.database_url}_callbacks" if args.database_url else ""
    command = [
        sys.executable,
        str(Path(__file__).with_name("payment_callbacks.py")),
        "--payments",
        str(args.payments),
        "--naive-sample",
        "0",
    ]  # its per-row baseline is not this RESULT's (the statement's naive import is)
    done = subprocess.run(
        command + (["--database-url", url] if url else []), capture_output=True, text=True, check=False
    )
    print(done.stdout.strip().replace("RESULT payments", "callback part:"))
    found = re.search(r"callbacks_per_s=([0-9.]+)", done.stdout)
    return float(found.group(1)) if done.returncode == 0 and found else None


def main() -> None:
    args = parse_args()
    url = benchdb.use_database(args.database_url)
    from django.db import connection
    from django.utils import timezone

    from gridcare.payments.models import Allocation, Payment, StatementLine
    from gridcare.payments.statements import statement_import

    n = args.payments
    t0 = time.perf_counter()
    build(n)
    print(f"{connection.vendor}: {n} accounts and bills (setup {time.perf_counter() - t0:.1f} s)")
    callbacks = None if args.no_callbacks else run_callbacks(args)
    now = timezone.now()
    workdir = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite") else Path("/tmp")
    path = workdir / f"statement-{n}.csv"
    sample = min(args.naive_sample, n // 10 or 1)
    # The naive sample pays bills of the last accounts, so the real import below finds them paid already
    # (like a day's second statement): it still records every payment, keeping the overpayments as credit.
    write_statement(path, sample, first=n - sample)
    naive_rate = naive(path, sample, now)
    print(f"naive per-row import: {sample} rows, {naive_rate:,.0f} rows/s")
    write_statement(path, n)
    content = path.read_bytes()
    started = time.perf_counter()
    result = statement_import(content=content, filename=path.name, kind="bank", source="VCB", now=now)
    seconds = time.perf_counter() - started
    rate = n / seconds
    print(f"statement import: {n} rows ({len(content) / 1e6:.1f} MB) in {seconds:.2f} s: {result.matched} matched, "
          f"{result.unmatched} unmatched, {len(result.errors)} errors")  # fmt: skip
    import os

    print(f"load average {os.getloadavg()[0]:.2f}")
    again = time.perf_counter()
    repeat = statement_import(content=content, filename=path.name, kind="bank", source="VCB", now=now)
    print(f"re-import of the same file: {repeat.already_present} already present, {repeat.matched} new, "
          f"{time.perf_counter() - again:.2f} s")  # fmt: skip
    lines = StatementLine.objects.filter(source="VCB").count()
    payments = Payment.objects.filter(reference__startswith="VCB:").count()
    allocations = Allocation.objects.count()
    print(f"stored: {lines} lines, {payments} payments, {allocations} allocations")
    if not args.keep:
        benchdb.drop_database(url)
    shown = "-" if callbacks is None else f"{callbacks:.0f}"
    print(f"RESULT payments callbacks_per_s={shown} statement_rows_per_s={rate:.0f} naive_rows_per_s={naive_rate:.0f} "
          f"ratio={rate / naive_rate:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
