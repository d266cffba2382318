"""Benchmark of notification fan-out: set-based `notify` against a naive per-customer loop, then paced delivery.

    python benchmarks/fanout.py --recipients 1000000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench_fanout]

Builds the demo utility with N accounts in a throw-away database (contacts as the demo generator
draws them; a push subscription for one account in five; a few stored preferences), then:

1. queues a planned-outage notice for every account, given as a list of account ids (COPY into a
   staging table, then one INSERT … SELECT that resolves channels from contacts and preferences),
   and once more by grid element (every feeder → transformer stations → service points → accounts);
2. does the same naively for a sample (one ORM query per account and one `save()` per row), scaled;
3. delivers SMS to a local provider server at a configured rate limit and reports the achieved rate.

The last line is

    RESULT fanout recipients=<n> rows_per_s=<n> naive_rows_per_s=<n> ratio=<n> limit_rows_per_s=<n> limit_ratio=<n>

`limit_rows_per_s` (PostgreSQL) is this machine's raw-SQL limit for the same rows, measured in the same run: the
notice's outbox rows copied by one INSERT … SELECT into an empty table with the outbox's columns and indexes.
"""

import argparse
import datetime as dt
import sys
import time

from benchdb import ROOT, demo_load, drop_database, use_database

sys.path.insert(0, str(ROOT))  # the local provider servers of the test suite


def naive_fanout(accounts, notice, topic, now):
    """The obvious way: per account, read its preferences and subscriptions, decide, save() each row."""
    from gridcare.notifications.models import OutboxMessage, Preference, PushSubscription

    rows = 0
    for account in accounts:
        prefs = {p.channel: p.enabled for p in Preference.objects.filter(account=account, topic=topic)}
        has_push = PushSubscription.objects.filter(account=account, active=True).exists()
        has_portal = account.customer.user_id is not None
        contact = {
            "inbox": has_portal, "email": bool(account.email), "zalo": bool(account.zalo_user_id and account.phone),
            "push": has_push, "sms": bool(account.phone),
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
                    urgent=True,
                    available_at=now,
                    created_at=now,
                    status="delivered" if channel == "inbox" else "queued",
                ).save()
                rows += 1
    return rows


def extras(n_push_every: int, now):
    """Push subscriptions for one account in `n_push_every`, and some stored preferences, written in bulk."""
    from django.db import connection

    from gridcare.core.bulk import bulk_insert
    from gridcare.customers.models import Account

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    push = ((a, f"https://push.example/{a}", "p256dh", "auth", True, now) for a in ids[::n_push_every])
    bulk_insert(table="notifications_pushsubscription", columns=["account_id", "endpoint", "p256dh", "auth", "active", "created_at"],
                rows=push)  # fmt: skip
    prefs = ((a, "planned_outage", "sms", True) for a in ids[3::50])
    bulk_insert(
        table="notifications_preference", columns=["account_id", "topic", "channel", "enabled"], rows=prefs
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return ids


def delivery_demo(*, url: str, messages: int, rate: float, workers: int, latency: float = 0.0) -> dict:
    """Deliver `messages` SMS to the local server with `workers` worker processes sharing a `rate` limit.

    Returns the messages accepted by the server, the sustained rate (acceptances between the server's
    first and last acceptance, so without the workers' start-up), and the wall time from starting the
    worker processes until they all exited (Django start-up included). `latency` (seconds) makes the
    local server answer each request that much later, as a provider across the internet would.
    """
    import bisect
    import os
    import resource
    import subprocess

    from django.db import connections, transaction
    from tests.notifications.servers import SmsServer

    from gridcare.customers.models import Account
    from gridcare.notifications import services
    from gridcare.notifications.models import OutboxMessage, Template

    # The outage notices' own SMS rows are not part of this measurement.
    OutboxMessage.objects.filter(channel="sms", status="queued").update(status="sent")
    Template.objects.update_or_create(key="bench_sms", channel="sms", language="vi",
                                      defaults={"topic": "incident", "body": "Thu nghiem {customer_code}"})  # fmt: skip
    ids = list(Account.objects.exclude(phone="").order_by("pk").values_list("pk", flat=True)[:messages])
    with transaction.atomic():
        services.notify(topic="incident", recipients=ids, template="bench_sms", urgency="urgent", channels=["sms"],
                        honour_preferences=False, key="bench-delivery")  # fmt: skip
    queued = OutboxMessage.objects.filter(channel="sms", status="queued").count()
    connections.close_all()
    server = SmsServer().start()
    server.delay = latency
    env = dict(
        os.environ, DATABASE_URL=url, GRIDCARE_SMS_URL=f"{server.url}/v1/messages", GRIDCARE_SMS_API_KEY=server.api_key,
        GRIDCARE_NOTIFY_RATE_LIMITS=f"sms={rate}", GRIDCARE_NOTIFY_BATCH_SIZE=str(max(50, int(rate // 2))),
    )  # fmt: skip
    command = [
        str(ROOT / ".venv" / "bin" / "gridcare"),
        "notifications-deliver",
        "--once",
        "--channel",
        "sms",
        "-v0",
    ]
    t, started = time.perf_counter(), time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    processes = [subprocess.Popen(command, env=env) for _ in range(workers)]
    for process in processes:
        process.wait()
    elapsed = time.perf_counter() - t
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    server.stop()
    arrivals = server.arrivals
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    # The most acceptances within any one second: a burst above the limit would show here.
    peak = max((bisect.bisect_left(arrivals, a + 1.0) - i for i, a in enumerate(arrivals)), default=0)
    left = OutboxMessage.objects.filter(channel="sms").exclude(status="sent").count()
    return {
        "queued": queued, "sent": len(server.accepted), "duplicates": sum(server.duplicates.values()),
        "not_sent": left, "seconds": elapsed, "wall_per_s": len(server.accepted) / elapsed,
        "span": span, "sustained_per_s": (len(arrivals) - 1) / span if span else 0.0,
        "startup": arrivals[0] - started if arrivals else 0.0, "worker_cpu": cpu, "peak_1s": peak,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--naive-sample", type=int, default=2000)
    parser.add_argument("--deliver", type=int, default=10_000, help="SMS to deliver (0: none)")
    parser.add_argument("--rate", type=float, default=500.0, help="configured SMS messages per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--provider-latency", type=float, default=0.0, help="SMS server answer delay, ms")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.db import transaction
    from django.utils import timezone

    from gridcare.customers.models import Account
    from gridcare.network.models import Feeder
    from gridcare.notifications import selectors, services
    from gridcare.notifications.models import Notice, OutboxMessage

    t = time.perf_counter()
    demo_load(customers=args.recipients, seed=1, today=dt.date(2026, 11, 28), interval_days=0)
    now = timezone.now()
    ids = extras(5, now)
    print(f"demo utility: {len(ids):,} accounts in {time.perf_counter() - t:.1f} s")
    context = {
        "start": "08:00 02/12/2026",
        "end": "16:00 02/12/2026",
        "place": "toàn thành phố",
        "reason": "bảo trì",
    }

    t = time.perf_counter()
    with transaction.atomic():
        notice = services.notify(topic="planned_outage", recipients=ids, template="planned_outage", context=context,
                                 urgency="urgent", key="bench-list", now=now)  # fmt: skip
    elapsed = time.perf_counter() - t
    rows_per_s = notice.messages / elapsed
    by_channel = selectors.messages_for_notice(notice_id=notice.pk)
    print(f"by list: {notice.recipients:,} recipients → {notice.messages:,} rows in {elapsed:.2f} s "
          f"({rows_per_s:,.0f} rows/s, {notice.recipients / elapsed:,.0f} recipients/s); "
          + ", ".join(f"{c} {sum(s.values()):,}" for c, s in by_channel.items()))  # fmt: skip

    t = time.perf_counter()
    with transaction.atomic():
        recipients = selectors.accounts_on_grid(feeder_ids=list(Feeder.objects.values_list("pk", flat=True)))
        grid = services.notify(topic="planned_outage", recipients=recipients, template="planned_outage",
                               context=context, urgency="urgent", key="bench-grid", now=now)  # fmt: skip
    grid_elapsed = time.perf_counter() - t
    print(
        f"by grid (all feeders): {grid.recipients:,} recipients → {grid.messages:,} rows in {grid_elapsed:.2f} s"
    )

    sample = list(Account.objects.select_related("customer").order_by("?")[: args.naive_sample])
    naive_notice = Notice.objects.create(key="bench-naive", topic="planned_outage", template_key="planned_outage",
                                         context=context, urgency="urgent", created_at=now)  # fmt: skip
    t = time.perf_counter()
    with transaction.atomic():
        naive_rows = naive_fanout(sample, naive_notice, "planned_outage", now)
    naive_elapsed = time.perf_counter() - t
    naive_per_s = naive_rows / naive_elapsed
    expected = OutboxMessage.objects.filter(notice=notice, account__in=sample).count()
    assert naive_rows == expected, (naive_rows, expected)  # both ways pick the same channels
    print(
        f"naive loop: {len(sample):,} recipients → {naive_rows:,} rows in {naive_elapsed:.2f} s "
        f"({naive_per_s:,.0f} rows/s; {notice.recipients * naive_elapsed / len(sample):,.0f} s for all, scaled)"
    )

    limit = raw_limit(notice) if url.startswith("postgres") else None
    limit_text = f" limit_rows_per_s={limit:.0f} limit_ratio={rows_per_s / limit:.2f}" if limit else ""
    if args.deliver:
        d = delivery_demo(url=url, messages=args.deliver, rate=args.rate, workers=args.workers,
                          latency=args.provider_latency / 1000)  # fmt: skip
        print(f"delivery: {d['sent']:,} of {d['queued']:,} SMS accepted by the local server (duplicates {d['duplicates']}, "
              f"rows not sent {d['not_sent']}), limit {args.rate:,.0f}/s, provider latency {args.provider_latency:g} ms, "
              f"{args.workers} worker processes: "
              f"sustained {d['sustained_per_s']:,.0f} messages/s ({d['sent'] - 1:,} in {d['span']:.2f} s between the first "
              f"and last acceptance, first after {d['startup']:.2f} s of start-up; at most {d['peak_1s']} in any second); wall {d['seconds']:.2f} s including "
              f"start-up → {d['wall_per_s']:,.0f} messages/s; workers' CPU {d['worker_cpu']:.1f} s "
              f"({1000 * d['worker_cpu'] / max(d['sent'], 1):.2f} ms a message, start-up included)")  # fmt: skip
    if not args.keep:
        drop_database(url)
    print(
        f"RESULT fanout recipients={notice.recipients} rows_per_s={rows_per_s:.0f} "
        f"naive_rows_per_s={naive_per_s:.0f} ratio={rows_per_s / naive_per_s:.1f}{limit_text}"
    )


def raw_limit(notice) -> float:
    """Rows per second of the raw SQL that writes the notice's rows: one INSERT … SELECT of them into an empty table
    with the same columns and indexes (`LIKE … INCLUDING ALL`), committed; the rows are read once first (untimed)."""
    from django.db import connection

    table, source = (
        "notifications_outboxmessage",
        f"SELECT * FROM notifications_outboxmessage WHERE notice_id = {notice.pk}",
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_outbox")
        cursor.execute(f"CREATE TABLE bench_raw_outbox (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"SELECT count(*) FROM ({source}) s")
        started = time.perf_counter()
        cursor.execute(f"INSERT INTO bench_raw_outbox {source}")
        rows, seconds = cursor.rowcount, time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_outbox")
    print(f"raw SQL limit: INSERT … SELECT of the same {rows:,} rows into an empty indexed outbox: {seconds:.2f} s "
          f"({rows / seconds:,.0f} rows/s)")  # fmt: skip
    return rows / seconds


if __name__ == "__main__":
    main()
