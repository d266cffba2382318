"""Benchmark of an advice segment: set-based selection and staging against a naive per-customer ORM loop.

    python benchmarks/advice_segment.py --customers 100000 [--database-url postgres://postgres@127.0.0.1:5432/gc_insights_bench]

Builds a throw-away utility (a company, ten teams, their communes) with N residential and business accounts and
three months of standing invoices (set-based inserts), then selects the segment "residential customers of the
company, the 10 % highest users of the last three months, and of them those with a bill-shock hold in the last
60 days or not" — here: the high users — and stages it into `AdviceRecipient`:

1. set-based: `insights.selectors.segment_accounts` (one grouped query for the threshold, one filter) and
   `services._stage_recipients` (one INSERT … SELECT);
2. naive, in the same process: per account, read its purpose and its invoices with the ORM, sum them in Python,
   sort, keep the top 10 %, then `save()` one `AdviceRecipient` per customer. The naive loop runs over a sample of
   accounts (`--naive-sample`, default all up to 5,000) and its time is scaled to N linearly (it is one loop).

Both must pick the same customers on the sample's population. The last line is

    RESULT advice_segment customers=<n> seconds=<n> naive_seconds=<n> ratio=<n>
"""

import argparse
import datetime as dt
import math
import time

from benchdb import drop_database, use_database

MONTHS = (dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1))
NOW = dt.datetime(2025, 11, 20, 3, 0, tzinfo=dt.UTC)


def build(customers: int):
    """The utility, accounts and invoices, written in bulk; returns the company unit."""
    from django.db import connection

    from gridcare.core.bulk import bulk_insert
    from gridcare.org.models import Commune, Province, Unit
    from gridcare.org.services import unit_create

    province = Province.objects.create(code="92", name="Cần Thơ")
    corporation = unit_create(
        kind=Unit.Kind.CORPORATION, code="EVNSPC", name="Tổng công ty Điện lực miền Nam"
    )
    company = unit_create(kind=Unit.Kind.COMPANY, code="PCCT", name="Công ty Điện lực Cần Thơ", parent=corporation,
                          customer_code_prefix="PB")  # fmt: skip
    teams, communes = [], []
    for t in range(10):
        team = unit_create(kind=Unit.Kind.TEAM, code=f"PCCT-{t:02d}", name=f"Đội {t}", parent=company)
        commune = Commune.objects.create(
            province=province, code=f"92-{t:03d}", name=f"Phường {t}", kind=Commune.Kind.WARD
        )
        team.communes.add(commune)
        teams.append(team.pk)
        communes.append(commune.pk)
    created = NOW.isoformat()
    bulk_insert(table="customers_customer", columns=["kind", "name", "tax_code", "created_at"],
                rows=(("person", f"Khách {i}", "", created) for i in range(customers)))  # fmt: skip
    first_customer = _first_id("customers_customer")
    bulk_insert(table="customers_premise", columns=["province_id", "commune_id", "street"],
                rows=((province.pk, communes[i % 10], f"{i} đường 30/4") for i in range(customers)))  # fmt: skip
    first_premise = _first_id("customers_premise")
    bulk_insert(
        table="customers_account",
        columns=["code", "customer_id", "unit_id", "premise_id", "purpose", "voltage", "households", "status", "phone",
                 "email", "zalo_user_id", "preferred_language", "start_date"],
        rows=((f"PB{i:011d}", first_customer + i, teams[i % 10], first_premise + i,
               "business" if i % 7 == 0 else "residential", "lt6kv", 1, "active", f"+849{i:08d}", "", "", "vi", "2020-01-01")
              for i in range(customers)),
    )  # fmt: skip
    first_account = _first_id("customers_account")
    rows = []
    for m, period in enumerate(MONTHS):
        end = dt.date(period.year + (period.month == 12), period.month % 12 + 1, 1)
        for i in range(customers):
            kwh = 50 + (i * 7919 + m * 104729) % 900
            rows.append((f"B{m}-{i}", "invoice", first_account + i, period.isoformat(), "issued",
                         "Tăng 40%" if i % 50 == 0 else "", period.isoformat(), end.isoformat(), (end - period).days, 0, kwh, 1,
                         kwh, kwh * 2000, kwh * 160, kwh * 2160, False, created))  # fmt: skip
    bulk_insert(table="billing_bill",
                columns=["number", "kind", "account_id", "period", "status", "hold_reason", "start_date", "end_date", "days",
                         "start_index", "end_index", "households", "kwh", "subtotal", "vat", "total", "estimated", "created_at"],
                rows=iter(rows))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Unit.objects.get(pk=company.pk)


def _first_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id) FROM {table}")  # noqa: S608 - a constant table name
        return cursor.fetchone()[0]


def naive(*, company, advice, account_ids: list[int], percent: int) -> set[int]:
    """Per account: its purpose, its invoices of the three months (ORM), a sum in Python; top `percent` %; save() each."""
    from gridcare.billing.models import Bill
    from gridcare.customers.models import Account
    from gridcare.insights.models import AdviceRecipient

    totals = {}
    for pk in account_ids:
        account = Account.objects.select_related("unit").get(pk=pk)
        if (
            account.status == "closed"
            or account.purpose != "residential"
            or not account.unit.path.startswith(company.path)
        ):
            continue
        bills = Bill.objects.filter(account=account, kind="invoice", period__gte=MONTHS[0]).exclude(
            status="cancelled"
        )
        totals[pk] = sum(b.kwh for b in bills)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = max(1, math.ceil(len(ranked) * percent / 100))
    threshold = ranked[keep - 1][1]
    chosen = {pk for pk, total in ranked if total >= threshold}
    for pk in sorted(chosen):
        AdviceRecipient(advice=advice, account_id=pk).save()
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=5_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.db import transaction

    from gridcare.customers.models import Account
    from gridcare.insights import selectors, services
    from gridcare.insights.models import Advice, AdviceRecipient

    t = time.perf_counter()
    company = build(args.customers)
    print(
        f"set-up: {args.customers:,} accounts and {len(MONTHS) * args.customers:,} invoices in {time.perf_counter() - t:.1f} s"
    )
    segment = selectors.Segment(
        unit_id=company.pk, purposes=("residential",), high_users_percent=10, high_users_months=3
    )
    advice = Advice.objects.create(unit=company, title_vi="Tiết kiệm điện", body_vi="x", created_at=NOW)

    t = time.perf_counter()
    with transaction.atomic():
        staged = services._stage_recipients(
            advice=advice, accounts=selectors.segment_accounts(segment=segment, now=NOW)
        )
    seconds = time.perf_counter() - t
    print(f"set-based: {staged:,} customers selected and staged in {seconds:.3f} s")

    # The naive loop over a sample: the first accounts, whose own top 10 % the set-based code must agree with.
    sample = list(Account.objects.order_by("pk").values_list("pk", flat=True)[: args.naive_sample])
    other = Advice.objects.create(unit=company, title_vi="Mẫu", body_vi="x", created_at=NOW)
    t = time.perf_counter()
    with transaction.atomic():
        chosen = naive(company=company, advice=other, account_ids=sample, percent=10)
    naive_sample_s = time.perf_counter() - t
    naive_seconds = naive_sample_s * args.customers / len(sample)
    print(
        f"naive: {len(chosen):,} of a {len(sample):,}-account sample in {naive_sample_s:.3f} s → {naive_seconds:.1f} s for {args.customers:,}"
    )
    if len(sample) == args.customers:
        assert chosen == set(
            AdviceRecipient.objects.filter(advice=advice).values_list("account_id", flat=True)
        )
        print("check: both pick the same customers")
    if not args.keep:
        drop_database(url)
    print(
        f"RESULT advice_segment customers={args.customers} seconds={seconds:.3f} naive_seconds={naive_seconds:.3f} "
        f"ratio={naive_seconds / seconds:.1f}"
    )


if __name__ == "__main__":
    main()
