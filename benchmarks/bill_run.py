"""Benchmark of a bill run: the real, set-based run against a naive per-account ORM loop.

    python benchmarks/bill_run.py --accounts 100000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench_bill]

Builds the demo utility with N accounts in a throw-away database, bills the month before last (untimed, as a
cutover), bills a sample of accounts for last month with a naive loop by the same rule (query the previous bill
and the readings since, price in Python with the scalar engine, `save()` the bill and each line; then removed),
bills every account for last month with `bill_run_execute` (reading the inputs and writing bills and lines
included), checks that both agree on the sample, and prints a profile of the run and last

    RESULT bill_run accounts=<n> bills_per_s=<n> naive_bills_per_s=<n> ratio=<n> limit_bills_per_s=<n> limit_ratio=<n>

`limit_bills_per_s` is this machine's raw-SQL limit measured in the same run: the run's bills, lines and
"bill ready" messages copied with one INSERT … SELECT each into empty tables with the same columns and indexes.

With `--workers N` (PostgreSQL and a Redis at --redis-url), the same month is then billed again twice through the
task queue (`bill_run_execute_task` planning chunk tasks on the RQ backend), first by one `gridcare rqworker`
process, then by N, each time from enqueue to the run's end, and it prints

    RESULT bill_run_distributed workers=<n> bills_per_s=<n> single_worker_bills_per_s=<n> speedup=<n>
"""

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchdb import ROOT, demo_load, drop_database, use_database


def month_add(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, 1)


def naive_bill(account, period, catalogue, now):
    """One account the obvious way, by the same rule: ORM reads, scalar pricing, one save() per row.

    The bill opens at the closing reading of the account's latest standing invoice and adds what every reading
    after it adds (`metering.consumption`'s rule, written out per reading).
    """
    from gridcare.billing.models import Bill, BillLine
    from gridcare.metering.models import Reading
    from gridcare.tariffs import engine

    previous = (Bill.objects.filter(account=account, kind="invoice", period__lt=period).exclude(status="cancelled")
                .select_related("end_reading").order_by("-period").first())  # fmt: skip
    if previous is None or previous.end_reading is None:
        return False
    readings = list(Reading.objects.filter(account=account, read_on__gte=previous.end_date, read_on__lt=month_add(period, 1))
                    .select_related("meter").order_by("read_on", "pk"))  # fmt: skip
    start = next((r for r in readings if r.pk == previous.end_reading_id), None)
    after = readings[readings.index(start) + 1 :] if start else []
    if start is None or not after or after[-1].read_on < period:
        return False
    last_total, kwh = {start.meter_id: previous.end_index}, 0
    for r in after:
        if r.meter_id in last_total:
            kwh += (
                r.total - last_total[r.meter_id] + (10**r.meter.register_digits if r.rollover else 0)
            ) * r.meter.multiplier
        last_total[r.meter_id] = r.total
    end = after[-1]
    try:
        quote = engine.price_one(
            catalogue=catalogue,
            purpose=account.purpose,
            start=start.read_on,
            end=end.read_on,
            kwh=kwh,
            households=account.households,
            voltage=account.voltage,
        )
    except engine.PricingError:
        return False
    bill = Bill(
        number=f"NAIVE-{account.pk}-{period:%Y%m}",
        account=account,
        period=period,
        status="issued",
        start_date=start.read_on,
        end_date=end.read_on,
        days=quote.days,
        start_index=previous.end_index,
        end_index=end.total,
        kwh=kwh,
        subtotal=quote.subtotal,
        vat=quote.vat,
        total=quote.total,
        households=account.households,
        created_at=now,
        start_reading=start,
        end_reading=end,
    )
    bill.save()
    for i, line in enumerate(quote.lines, start=1):
        BillLine(
            bill=bill,
            position=i,
            part_from=line.start,
            part_to=line.end,
            tier=line.tier,
            period=line.period or "",
            limit_kwh=line.limit_kwh,
            kwh=line.kwh,
            unit_price=line.unit_price,
            amount=line.amount,
        ).save()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="print where the run's time goes")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=0, help="also bill through N RQ worker processes (PostgreSQL)"
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
                        help="a Redis database the benchmark may flush (with --workers)")  # fmt: skip
    args = parser.parse_args()

    local = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).hour
    # The "bill ready" SMS wait for the end of quiet hours from now on, in both runs alike: the workers' delivery
    # tasks then find nothing due and the figures are the bill run's, not the SMS provider's.
    os.environ.setdefault("GRIDCARE_NOTIFY_QUIET_HOURS", f"{local}-{(local + 2) % 24}")
    if args.workers:
        os.environ.update(TASKS_BACKEND="gridcare.core.tasks_rq.RQBackend", REDIS_URL=args.redis_url,
                          GRIDCARE_BILL_RUN_CHUNK_SIZE=str(args.chunk_size))  # fmt: skip
    url = use_database(args.database_url)
    from django.utils import timezone

    from gridcare.billing.models import Bill, BillLine
    from gridcare.billing.services import bill_run_create, bill_run_execute
    from gridcare.customers.models import Account
    from gridcare.tariffs.selectors import catalogue_load

    today = dt.date(2026, 11, 28)
    t = time.perf_counter()
    demo_load(customers=args.accounts, seed=1, today=today, interval_days=1)
    print(f"demo utility: {args.accounts:,} accounts in {time.perf_counter() - t:.1f} s")

    period = month_add(today, -1)
    now = timezone.now()
    # The month before is billed first (untimed), as a cutover from a previous system: the measured run is then a
    # regular month, each bill opening at the previous bill's closing reading.
    t = time.perf_counter()
    opening = bill_run_create(period=month_add(period, -1), route=None, now=now, cutover=True)
    opening = bill_run_execute(run=opening, now=now, chunk_size=args.chunk_size, notify_customers=False)
    print(
        f"opening run {month_add(period, -1):%m/%Y} (cutover, untimed): {opening.bills_created:,} bills "
        f"in {time.perf_counter() - t:.2f} s"
    )

    # The naive loop bills a sample for the measured month, then its bills are removed (untimed).
    catalogue = catalogue_load()
    sample = list(Account.objects.order_by("pk")[: args.naive_sample])
    t = time.perf_counter()
    naive_done = sum(naive_bill(a, period, catalogue, now) for a in sample)
    naive_elapsed = time.perf_counter() - t
    naive_per_s = naive_done / naive_elapsed
    naive = Bill.objects.filter(number__startswith="NAIVE-")
    assert naive.count() == naive_done
    naive_kwh = dict(naive.values_list("account_id", "kwh"))
    naive.delete()
    print(
        f"naive loop {period:%m/%Y}: {naive_done:,} bills in {naive_elapsed:.2f} s → {naive_per_s:,.0f} bills/s"
    )

    run = bill_run_create(period=period, route=None, now=now)
    profiler = cProfile.Profile() if args.profile else None
    t = time.perf_counter()
    if profiler:
        profiler.enable()
    run = bill_run_execute(run=run, now=now, chunk_size=args.chunk_size)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - t
    lines = BillLine.objects.filter(bill__run=run).count()
    bills_per_s = run.bills_created / elapsed
    print(
        f"bill run {period:%m/%Y}: {run.bills_created:,} bills, {lines:,} lines, {run.bills_held:,} held, "
        f"{run.accounts_skipped:,} skipped in {elapsed:.2f} s → {bills_per_s:,.0f} bills/s"
    )
    # The same rule both ways: the run's kWh are the naive loop's.
    run_kwh = dict(
        Bill.objects.filter(run=run, account_id__in=list(naive_kwh)).values_list("account_id", "kwh")
    )
    assert run_kwh == naive_kwh, "the bill run and the naive loop disagree"
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())

    limit = raw_limit(run) if url.startswith("postgres") else None
    limit_text = f" limit_bills_per_s={limit:.0f} limit_ratio={bills_per_s / limit:.2f}" if limit else ""
    distributed = None
    if args.workers:
        distributed = bill_through_workers(args=args, url=url, run=run, period=period)
    if not args.keep:
        drop_database(url)
    print(
        f"RESULT bill_run accounts={args.accounts} bills_per_s={bills_per_s:.0f} "
        f"naive_bills_per_s={naive_per_s:.0f} ratio={bills_per_s / naive_per_s:.1f}{limit_text}"
    )
    if distributed:
        one, many = distributed
        print(
            f"RESULT bill_run_distributed workers={args.workers} bills_per_s={many:.0f} "
            f"single_worker_bills_per_s={one:.0f} speedup={many / one:.2f}"
        )


def raw_limit(run) -> float:
    """Bills per second of the raw SQL that writes the same rows: the run's bills, lines and outbox messages, each
    copied by one INSERT … SELECT into an empty table with the same columns and indexes (`LIKE … INCLUDING ALL`),
    committed. The source rows are read once first (untimed), so they come from the cache."""
    from django.db import connection

    bills, lines, messages = "billing_bill", "billing_billline", "notifications_outboxmessage"
    sources = {
        bills: f"SELECT * FROM {bills} WHERE run_id = {run.pk}",
        lines: f"SELECT l.* FROM {lines} l JOIN {bills} b ON b.id = l.bill_id WHERE b.run_id = {run.pk}",
        messages: f"SELECT m.* FROM {messages} m JOIN notifications_notice n ON n.id = m.notice_id "
                  f"WHERE n.key LIKE 'bill_ready:%%:run{run.pk}:%%'",
    }  # fmt: skip
    with connection.cursor() as cursor:
        for table, sql in sources.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_raw_{table}")
            cursor.execute(f"CREATE TABLE bench_raw_{table} (LIKE {table} INCLUDING ALL)")
            cursor.execute(f"SELECT count(*) FROM ({sql}) s")
    started = time.perf_counter()
    counts = {}
    with connection.cursor() as cursor:
        for table, sql in sources.items():
            cursor.execute(f"INSERT INTO bench_raw_{table} {sql}")
            counts[table] = cursor.rowcount
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in sources:
            cursor.execute(f"DROP TABLE bench_raw_{table}")
    print(f"raw SQL limit: INSERT … SELECT of the same {counts[bills]:,} bills, {counts[lines]:,} lines and "
          f"{counts[messages]:,} messages into empty indexed tables: {seconds:.2f} s")  # fmt: skip
    return counts[bills] / seconds


def forget_run(run) -> None:
    """Remove what a run wrote (its messages, notices, lines, bills, skips, chunks), to bill the month again."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        notices = f"SELECT id FROM notifications_notice WHERE key LIKE 'bill_ready:%%:run{run.pk}:%%'"
        cursor.execute(f"DELETE FROM notifications_outboxmessage WHERE notice_id IN ({notices})")
        cursor.execute(f"DELETE FROM notifications_notice WHERE id IN ({notices})")
        cursor.execute(
            f"DELETE FROM billing_billline WHERE bill_id IN (SELECT id FROM billing_bill WHERE run_id = {run.pk})"
        )
        for table in ("billing_bill", "billing_billrunskip", "billing_billrunchunk"):
            cursor.execute(f"DELETE FROM {table} WHERE run_id = {run.pk}")
        cursor.execute(f"DELETE FROM billing_billrun WHERE id = {run.pk}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE billing_bill")  # the next run's look-ups meet no dead rows


def bill_through_workers(*, args, url: str, run, period: dt.date) -> tuple[float, float]:
    """Bill the month again through the queue with one worker, then with N; returns (bills/s with 1, with N)."""
    import redis
    from django.utils import timezone

    from gridcare.billing.models import BillRun
    from gridcare.billing.services import bill_run_create
    from gridcare.billing.tasks import bill_run_execute_task

    if not url.startswith("postgres"):
        sys.exit("--workers needs PostgreSQL (--database-url): SQLite has one writer")
    rates = []
    env = {**os.environ, "DATABASE_URL": url}
    for count in (1, args.workers):
        forget_run(run)
        redis.Redis.from_url(args.redis_url).flushdb()
        logs = [open(f"/tmp/gc-bench-worker-{os.getpid()}-{i}.log", "w") for i in range(count)]  # noqa: SIM115, S108
        gridcare = str(Path(sys.executable).with_name("gridcare"))
        workers = [
            subprocess.Popen([gridcare, "rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"],
                             env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            for log in logs
        ]  # fmt: skip
        try:
            client = redis.Redis.from_url(args.redis_url)
            deadline = time.monotonic() + 120
            while len(client.smembers("rq:workers")) < count and time.monotonic() < deadline:
                time.sleep(0.1)  # every worker started and listening
            run = bill_run_create(period=period, route=None, now=timezone.now())
            started = time.perf_counter()
            bill_run_execute_task.enqueue(run.pk)
            while (
                BillRun.objects.filter(pk=run.pk).values_list("status", flat=True).get()
                != BillRun.Status.DONE
            ):
                if time.perf_counter() - started > 3600:
                    sys.exit("the distributed run did not finish within an hour")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=30)
            for log in logs:
                log.close()
        run.refresh_from_db()
        rates.append(run.bills_created / elapsed)
        print(f"through the queue, {count} worker process(es): {run.bills_created:,} bills in {elapsed:.2f} s "
              f"→ {rates[-1]:,.0f} bills/s")  # fmt: skip
    return rates[0], rates[1]


if __name__ == "__main__":
    main()
