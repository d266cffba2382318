"""Benchmark of a bill run: the real, set-based run against a naive per-account ORM loop.

    python benchmarks/bill_run.py --accounts 100000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench_bill]

Builds the demo utility with N accounts in a throw-away database, bills the month before last (untimed, as a
cutover), bills a sample of accounts for last month with a naive loop by the same rule (query the previous bill
and the readings since, price in Python with the scalar engine, `save()` the bill and each line; then removed),
bills every account for last month with `bill_run_execute` (reading the inputs and writing bills and lines
included), checks that both agree on the sample, and prints a profile of the run and last

    RESULT bill_run accounts=<n> bills_per_s=<n> naive_bills_per_s=<n> ratio=<n>
"""

import argparse
import cProfile
import datetime as dt
import io
import pstats
import time

from benchdb import drop_database, use_database


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
            kwh += (r.total - last_total[r.meter_id] + (10**r.meter.register_digits if r.rollover else 0)) * r.meter.multiplier
        last_total[r.meter_id] = r.total
    end = after[-1]
    try:
        quote = engine.price_one(catalogue=catalogue, purpose=account.purpose, start=start.read_on, end=end.read_on,
                                 kwh=kwh, households=account.households, voltage=account.voltage)
    except engine.PricingError:
        return False
    bill = Bill(number=f"NAIVE-{account.pk}-{period:%Y%m}", account=account, period=period, status="issued",
                start_date=start.read_on, end_date=end.read_on, days=quote.days, start_index=previous.end_index,
                end_index=end.total, kwh=kwh, subtotal=quote.subtotal, vat=quote.vat, total=quote.total,
                households=account.households, created_at=now, start_reading=start, end_reading=end)
    bill.save()
    for i, line in enumerate(quote.lines, start=1):
        BillLine(bill=bill, position=i, part_from=line.start, part_to=line.end, tier=line.tier,
                 period=line.period or "", limit_kwh=line.limit_kwh, kwh=line.kwh, unit_price=line.unit_price,
                 amount=line.amount).save()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)")
    parser.add_argument("--naive-sample", type=int, default=500)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true", help="print where the run's time goes")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.utils import timezone

    from gridcare.billing.models import Bill, BillLine
    from gridcare.billing.services import bill_run_create, bill_run_execute
    from gridcare.customers.models import Account
    from gridcare.demo.services import demo_data_load
    from gridcare.tariffs.selectors import catalogue_load

    today = dt.date(2026, 11, 28)
    t = time.perf_counter()
    demo_data_load(customers=args.accounts, seed=1, today=today, interval_days=1)
    print(f"demo utility: {args.accounts:,} accounts in {time.perf_counter() - t:.1f} s")

    period = month_add(today, -1)
    now = timezone.now()
    # The month before is billed first (untimed), as a cutover from a previous system: the measured run is then a
    # regular month, each bill opening at the previous bill's closing reading.
    t = time.perf_counter()
    opening = bill_run_create(period=month_add(period, -1), route=None, now=now, cutover=True)
    opening = bill_run_execute(run=opening, now=now, chunk_size=args.chunk_size, notify_customers=False)
    print(f"opening run {month_add(period, -1):%m/%Y} (cutover, untimed): {opening.bills_created:,} bills "
          f"in {time.perf_counter() - t:.2f} s")

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
    print(f"naive loop {period:%m/%Y}: {naive_done:,} bills in {naive_elapsed:.2f} s → {naive_per_s:,.0f} bills/s")

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
    print(f"bill run {period:%m/%Y}: {run.bills_created:,} bills, {lines:,} lines, {run.bills_held:,} held, "
          f"{run.accounts_skipped:,} skipped in {elapsed:.2f} s → {bills_per_s:,.0f} bills/s")
    # The same rule both ways: the run's kWh are the naive loop's.
    run_kwh = dict(Bill.objects.filter(run=run, account_id__in=list(naive_kwh)).values_list("account_id", "kwh"))
    assert run_kwh == naive_kwh, "the bill run and the naive loop disagree"
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())

    if not args.keep:
        drop_database(url)
    print(f"RESULT bill_run accounts={args.accounts} bills_per_s={bills_per_s:.0f} "
          f"naive_bills_per_s={naive_per_s:.0f} ratio={bills_per_s / naive_per_s:.1f}")


if __name__ == "__main__":
    main()
