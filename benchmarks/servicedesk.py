"""Benchmark of the service desk: the SLA clocks and breach scan over N open requests, and the pages' queries.

    python benchmarks/servicedesk.py --requests 100000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench_sd]

Builds one team with N/10 contracts and N open requests (ten request types, opened over the last two weeks, so
that many are warned or breached), then times the clocks (`clocks_recompute`: every deadline recomputed on the
calendar as arrays) and the breach scan (`clock_scan`: set-based on the stored deadlines, the new warnings and
breaches written once; the teams' e-mail left out) against a naive scan (each request loaded as an object and
its deadline stepped day by day in Python), and counts, for a staff member of the team, the queries of the
back office's workday page (`/backoffice/`: the unit's queues, requests by state and clock among them, and key
figures) and of the team's request-queue page (the list of the team's requests, printed on its own line). Last line,
with `page_queries` the workday page's count:

    RESULT servicedesk requests=<n> scan_s=<n> page_queries=<n> naive_scan_s=<n> ratio=<n>
"""

import argparse
import datetime as dt
import time

from benchdb import drop_database, use_database


def build(n: int, now: dt.datetime):
    from gridcare.core.bulk import bulk_insert
    from gridcare.customers.models import Account, Customer, Premise
    from gridcare.org.models import Commune, Province, StaffRole, Unit
    from gridcare.org.services import staff_membership_set, unit_create
    from gridcare.servicedesk import clock, services
    from gridcare.servicedesk.models import PromiseUnit, RequestType, ServiceRequest

    province = Province.objects.create(code="92", name="Cần Thơ")
    commune = Commune.objects.create(
        province=province, code="92-001", name="Ninh Kiều", kind=Commune.Kind.WARD
    )
    corporation = unit_create(kind=Unit.Kind.CORPORATION, code="EVNSPC", name="Tổng công ty")
    company = unit_create(
        kind=Unit.Kind.COMPANY, code="PCCT", name="PC Cần Thơ", parent=corporation, customer_code_prefix="PB"
    )
    team = unit_create(kind=Unit.Kind.TEAM, code="PCCT-NK", name="Đội Ninh Kiều", parent=company)
    team.communes.add(commune)
    kinds = list(RequestType.objects.order_by("position", "pk"))
    accounts_needed = -(-n // len(kinds))
    Customer.objects.bulk_create(
        [Customer(name=f"Khách {i}") for i in range(accounts_needed)], batch_size=5000
    )
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    Premise.objects.bulk_create([Premise(province=province, commune=commune, street=f"{i} đường 30/4") for i in range(accounts_needed)],
                                batch_size=5000)  # fmt: skip
    premises = list(Premise.objects.order_by("pk").values_list("pk", flat=True))
    Account.objects.bulk_create([
        Account(code=f"PB13{i:09d}", customer_id=customers[i], unit=team, premise_id=premises[i], start_date=dt.date(2020, 1, 1))
        for i in range(accounts_needed)
    ], batch_size=5000)  # fmt: skip
    accounts = list(Account.objects.order_by("pk").values_list("pk", "customer_id", "premise_id"))
    import numpy as np

    index = np.arange(n)
    start = clock.to_minutes(now) - (index * 7919) % (14 * 1440)
    amount = np.array([kinds[i % len(kinds)].promise_amount for i in range(n)])
    unit = np.array(
        [1 if kinds[i % len(kinds)].promise_unit == PromiseUnit.WORKING_HOURS else 0 for i in range(n)]
    )
    due, warn = clock.deadlines(
        start=start,
        amount=amount,
        unit=unit,
        calendar=services.business_calendar(years=range(now.year - 1, now.year + 2)),
    )
    rows = []
    for i in range(n):
        account_id, customer_id, premise_id = accounts[i // len(kinds)]
        opened = clock.from_minutes(start[i])
        rows.append((f"YC{i:012d}", customer_id, account_id, premise_id, kinds[i % len(kinds)].pk, "", "{}", False, "portal", "new",
                     team.pk, opened, clock.from_minutes(due[i]), clock.from_minutes(warn[i]), "", ""))  # fmt: skip
    columns = ["number", "customer_id", "account_id", "premise_id", "request_type_id", "description", "fields", "extra_works",
               "channel", "state", "team_id", "opened_at", "due_at", "warn_at", "resolution", "outage_reference"]  # fmt: skip
    bulk_insert(table=ServiceRequest._meta.db_table, columns=columns, rows=rows)
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.create_user(username="truongdoi", password="x-bench-2025-long")
    staff_membership_set(user=lead, unit=team, role=StaffRole.MANAGER)
    return lead


def page_queries(user, urls: list[str]) -> list[int]:
    """The queries of each page (each asked once before, so that session and permission caches are warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    counts = []
    for url in urls:
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        counts.append(len(captured.captured_queries))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.utils import timezone

    from gridcare.servicedesk.models import ClockAlert
    from gridcare.servicedesk.services import clock_scan, clock_scan_naive, clocks_recompute

    now = timezone.now()
    t = time.perf_counter()
    lead = build(args.requests, now)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE"
            )  # as autovacuum would have: the planner knows how many requests are open
    print(f"set-up: {args.requests:,} open requests in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    moved = clocks_recompute(now=now)
    clocks_s = time.perf_counter() - t
    print(
        f"clocks: {args.requests:,} deadlines recomputed on the calendar as arrays in {clocks_s:.3f} s ({moved} moved)"
    )
    t = time.perf_counter()
    result = clock_scan(now=now, tell_teams=False)
    scan_s = time.perf_counter() - t
    print(f"scan: {result} in {scan_s:.3f} s; alerts {ClockAlert.objects.count():,}")
    t = time.perf_counter()
    again = clock_scan(now=now, tell_teams=False)
    print(f"scan again (idempotent): {again} in {time.perf_counter() - t:.3f} s")
    assert again["warnings"] == again["breaches"] == 0

    t = time.perf_counter()
    found = clock_scan_naive(now=now)
    naive_s = time.perf_counter() - t
    print(f"naive scan: {found:,} warned or breached in {naive_s:.3f} s")

    queries, queue_queries = page_queries(lead, ["/backoffice/", "/backoffice/servicedesk/servicerequest/"])
    print(f"workday page: {queries} queries for a unit with {args.requests:,} requests")
    print(f"queue page: {queue_queries} queries for {args.requests:,} requests")
    if not args.keep:
        drop_database(url)
    print(
        f"RESULT servicedesk requests={args.requests} scan_s={scan_s:.3f} page_queries={queries} "
        f"naive_scan_s={naive_s:.3f} ratio={naive_s / scan_s:.1f}"
    )


if __name__ == "__main__":
    main()
