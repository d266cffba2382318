"""Benchmark of an outage notice: publish a planned outage on feeders covering N customers, until every outbox row exists.

    python benchmarks/outage_notice.py --customers 100000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench_outage]

Builds the demo utility with N accounts in a throw-away database (contacts as the demo generator draws them),
plans a planned outage naming every feeder of the company, and times `outages.services.outage_publish` from the
call until its transaction has committed: the affected customers are resolved by topology in the database (one
query staged by `notify`) and one outbox row per customer and channel is written. Then the same notice the naive
way for a sample: per customer, one query for whether a service point hangs off one of the feeders, its
preferences and subscriptions, and one `save()` per row (scaled to customers per second).

The last line is

    RESULT outage_notice customers=<n> per_s=<n> naive_per_s=<n> ratio=<n>
"""

import argparse
import datetime as dt
import time

from benchdb import drop_database, use_database


def naive_notice(accounts, notice, feeder_ids, topic, now) -> int:
    """The obvious way: for each customer, is it under the outage? which channels? save() each row."""
    from gridcare.customers.models import ServicePoint
    from gridcare.notifications.models import OutboxMessage, Preference, PushSubscription

    rows = 0
    for account in accounts:
        if not ServicePoint.objects.filter(
            account=account, transformer_station__feeder_id__in=feeder_ids
        ).exists():
            continue
        prefs = {p.channel: p.enabled for p in Preference.objects.filter(account=account, topic=topic)}
        has_push = PushSubscription.objects.filter(account=account, active=True).exists()
        contact = {
            "inbox": account.customer.user_id is not None, "email": bool(account.email),
            "zalo": bool(account.zalo_user_id and account.phone), "push": has_push, "sms": bool(account.phone),
        }  # fmt: skip
        default = dict(
            contact, sms=bool(account.phone) and not (account.email or account.zalo_user_id or has_push)
        )
        for channel in ("inbox", "push", "email", "zalo", "sms"):
            if contact[channel] and prefs.get(channel, default[channel]):
                OutboxMessage(
                    notice=notice,
                    account=account,
                    channel=channel,
                    available_at=now,
                    created_at=now,
                    status="delivered" if channel == "inbox" else "queued",
                ).save()
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--naive-sample", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.db import connection, transaction
    from django.utils import timezone

    from gridcare.customers.models import Account
    from gridcare.demo.services import demo_data_load
    from gridcare.network.models import Feeder
    from gridcare.notifications.models import Notice, OutboxMessage
    from gridcare.org.models import Unit
    from gridcare.outages import services

    t = time.perf_counter()
    demo_data_load(customers=args.customers, seed=1, today=dt.date(2026, 11, 28), interval_days=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"demo utility: {Account.objects.count():,} accounts in {time.perf_counter() - t:.1f} s")

    now = timezone.now()
    feeders = list(Feeder.objects.order_by("pk"))
    outage = services.outage_plan(
        unit=Unit.objects.filter(kind=Unit.Kind.COMPANY).order_by("pk").first(), place="toàn bộ xuất tuyến của công ty",
        reason="bảo trì trạm 110 kV", scheduled_start=now + dt.timedelta(days=6), scheduled_end=now + dt.timedelta(days=6, hours=8),
        feeders=feeders, by=None, now=now,
    )  # fmt: skip
    t = time.perf_counter()
    with transaction.atomic():
        outage = services.outage_publish(outage=outage, by=None, now=now)
    elapsed = time.perf_counter() - t  # committed: every outbox row exists
    notice = Notice.objects.get(key=f"outage:{outage.pk}:published")
    customers = outage.customers_at_publish
    per_s = customers / elapsed
    print(f"publish: {customers:,} customers affected on {len(feeders)} feeders → {notice.messages:,} outbox rows "
          f"in {elapsed:.2f} s ({per_s:,.0f} customers/s, {notice.messages / elapsed:,.0f} rows/s)")  # fmt: skip

    sample = list(Account.objects.select_related("customer").order_by("?")[: args.naive_sample])
    naive = Notice.objects.create(key="bench-naive", topic="planned_outage", template_key="planned_outage",
                                  context=notice.context, created_at=now)  # fmt: skip
    t = time.perf_counter()
    with transaction.atomic():
        naive_rows = naive_notice(sample, naive, [f.pk for f in feeders], "planned_outage", now)
    naive_elapsed = time.perf_counter() - t
    naive_per_s = len(sample) / naive_elapsed
    expected = OutboxMessage.objects.filter(notice=notice, account__in=sample).count()
    assert naive_rows == expected, (
        naive_rows,
        expected,
    )  # both ways reach the same customers on the same channels
    print(f"naive loop: {len(sample):,} customers → {naive_rows:,} rows in {naive_elapsed:.2f} s "
          f"({naive_per_s:,.0f} customers/s; {customers / naive_per_s:,.0f} s for all, scaled)")  # fmt: skip
    if not args.keep:
        drop_database(url)
    print(
        f"RESULT outage_notice customers={customers} per_s={per_s:.0f} naive_per_s={naive_per_s:.0f} "
        f"ratio={per_s / naive_per_s:.1f}"
    )


if __name__ == "__main__":
    main()
