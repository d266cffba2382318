"""Benchmark of the meter-reading import: the real service against a naive ORM loop.

    python benchmarks/import_readings.py --rows 1000000 [--database-url postgres://postgres@127.0.0.1:5432/gc_import_bench]

Builds a throw-away database (a fresh PostgreSQL database named in the URL, dropped afterwards, or a
temporary SQLite file), creates rows/12 metered accounts with bulk inserts and one earlier reading each,
writes a CSV of 12 monthly readings per meter, imports it with `reading_import_file` (parse, validate,
COPY), then imports a sample of the same rows with a naive per-row loop (look up the meter, its
installation and previous reading, `save()`), and prints

    RESULT import_readings rows_per_s=<n> naive_rows_per_s=<n> ratio=<n>
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument("--naive-sample", type=int, default=2_000, help="rows imported by the naive loop")
    parser.add_argument("--keep", action="store_true", help="keep the database and the file afterwards")
    return parser.parse_args()


def fresh_postgres(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_utility(meter_count: int, first_day: dt.date):
    """Org, grid and `meter_count` accounts, each with a service point, an installed meter and one reading."""
    from gridcare.core.bulk import bulk_insert
    from gridcare.customers.models import Account, Customer, Premise, ServicePoint
    from gridcare.metering.models import Meter, MeterInstallation, Reading
    from gridcare.network.models import Feeder, Substation, TransformerStation
    from gridcare.org.models import Commune, Province, Unit
    from gridcare.org.services import unit_create

    province = Province.objects.create(code="92", name="Cần Thơ")
    commune = Commune.objects.create(
        province=province, code="92-001", name="Ninh Kiều", kind=Commune.Kind.WARD
    )
    corporation = unit_create(
        kind=Unit.Kind.CORPORATION, code="EVNSPC", name="Tổng công ty Điện lực miền Nam"
    )
    company = unit_create(
        kind=Unit.Kind.COMPANY,
        code="PCCT",
        name="Công ty Điện lực Cần Thơ",
        parent=corporation,
        customer_code_prefix="PB",
    )
    team = unit_create(kind=Unit.Kind.TEAM, code="PCCT-NK", name="Đội QLĐ Ninh Kiều", parent=company)
    substation = Substation.objects.create(unit=company, code="E-CT1", name="Trạm 110 kV Cần Thơ 1")
    feeder = Feeder.objects.create(substation=substation, unit=company, code="471-CT1", name="Lộ 471")
    station = TransformerStation.objects.create(
        feeder=feeder, unit=team, commune=commune, code="T-NK-1", name="TBA Ninh Kiều 1", capacity_kva=400
    )
    premise = Premise.objects.create(province=province, commune=commune, street="30/4")
    customer = Customer.objects.create(name="Khách hàng thử")
    install_day = dt.date(2020, 1, 1)
    for table, columns, rows in (
        (Account._meta.db_table, ("code", "customer_id", "unit_id", "premise_id", "purpose", "voltage", "households",
                                  "status", "phone", "email", "zalo_user_id", "preferred_language", "start_date"),
         ((f"PB13{i:09d}", customer.pk, team.pk, premise.pk, "residential", "lt6kv", 1, "active", "", "", "", "vi", install_day)
          for i in range(meter_count))),
        (Meter._meta.db_table, ("serial", "kind", "time_of_use", "register_digits", "multiplier", "manufacturer"),
         ((f"BM{i:09d}", "electronic", False, 6, 1, "") for i in range(meter_count))),
    ):  # fmt: skip
        with transaction.atomic():
            bulk_insert(table=table, columns=columns, rows=rows)
    accounts = dict(Account.objects.values_list("code", "pk"))
    meters = dict(Meter.objects.values_list("serial", "pk"))
    with transaction.atomic():
        bulk_insert(
            table=ServicePoint._meta.db_table, columns=("code", "account_id", "premise_id", "transformer_station_id"),
            rows=((f"SP{i:09d}", accounts[f"PB13{i:09d}"], premise.pk, station.pk) for i in range(meter_count)),
        )  # fmt: skip
    points = dict(ServicePoint.objects.values_list("code", "pk"))
    with transaction.atomic():
        bulk_insert(
            table=MeterInstallation._meta.db_table,
            columns=("meter_id", "service_point_id", "account_id", "installed_on", "removed_on", "initial_total"),
            rows=((meters[f"BM{i:09d}"], points[f"SP{i:09d}"], accounts[f"PB13{i:09d}"], install_day, None, 0)
                  for i in range(meter_count)),
        )  # fmt: skip
        bulk_insert(
            table=Reading._meta.db_table,
            columns=("meter_id", "account_id", "read_on", "total", "rollover", "source"),
            rows=((meters[f"BM{i:09d}"], accounts[f"PB13{i:09d}"], first_day, 10_000 + i % 5_000, False, "manual")
                  for i in range(meter_count)),
        )  # fmt: skip
    return [f"BM{i:09d}" for i in range(meter_count)]


def write_file(path: Path, serials: list[str], rows: int, first_day: dt.date) -> int:
    """12 monthly readings per meter (fewer for the last meters), month by month like a reading route."""
    rng = random.Random(7)
    totals = [10_000 + i % 5_000 for i in range(len(serials))]
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("meter_serial,read_on,total_kwh\n")
        for month in range(1, 13):
            day = dt.date(
                first_day.year + (first_day.month - 1 + month) // 12,
                (first_day.month - 1 + month) % 12 + 1,
                5,
            )
            stamp = day.isoformat()
            lines = []
            for i, serial in enumerate(serials):
                if written >= rows:
                    break
                totals[i] += rng.randint(80, 400)
                lines.append(f"{serial},{stamp},{totals[i]}\n")
                written += 1
            out.writelines(lines)
    return written


def naive_import(path: Path, sample: int) -> tuple[int, float]:
    """The obvious way: for each row, look things up with the ORM and save() one Reading."""
    from gridcare.metering.models import MeterInstallation, Reading

    with path.open(encoding="utf-8") as handle:
        next(handle)
        rows = [next(handle).rstrip("\n").split(",") for _ in range(sample)]
    started = time.perf_counter()
    saved = []
    for serial, read_on, total in rows:
        day = dt.date.fromisoformat(read_on)
        value = int(total)
        installation = MeterInstallation.objects.select_related("meter").get(
            meter__serial=serial, removed_on__isnull=True
        )
        previous = (
            Reading.objects.filter(meter_id=installation.meter_id, read_on__lt=day)
            .order_by("-read_on")
            .first()
        )
        if previous is not None and value < previous.total:
            continue
        if Reading.objects.filter(meter_id=installation.meter_id, read_on=day).exists():
            continue
        reading = Reading(
            meter_id=installation.meter_id, account_id=installation.account_id, read_on=day, total=value
        )
        reading.save()
        saved.append(reading.pk)
    elapsed = time.perf_counter() - started
    Reading.objects.filter(pk__in=saved).delete()
    return len(rows), elapsed


def raw_copy_limit(import_id: int) -> float:
    """This machine's limit, now: the rows the import wrote, COPYed raw into an empty copy of the readings table
    (the same indexes and constraints, holding the same earlier readings), committed; text and binary COPY, the
    faster one. The COPY data is read back from the database first (untimed), so no client work is timed."""
    import psycopg
    from django.db import connection

    table = "metering_reading"
    columns = (
        "meter_id, account_id, read_on, total, peak, normal, offpeak, rollover, source, reading_import_id"
    )
    best = None
    for form in ("text", "binary"):
        with connection.cursor() as cursor:
            raw = cursor.cursor
            data = bytearray()
            with raw.copy(f"COPY (SELECT {columns} FROM {table} WHERE reading_import_id = {import_id} ORDER BY id) "
                          f"TO STDOUT WITH (FORMAT {form})") as copy:  # fmt: skip
                for block in copy:
                    data += block
        rows = outcome_rows(import_id)
        dsn = connection.get_connection_params()
        with psycopg.connect(
            **{k: v for k, v in dsn.items() if k in ("dbname", "user", "host", "port", "password")}
        ) as own:
            own.execute("DROP TABLE IF EXISTS bench_raw_copy")
            own.execute(f"CREATE TABLE bench_raw_copy (LIKE {table} INCLUDING ALL)")
            own.execute(
                f"INSERT INTO bench_raw_copy ({columns}) SELECT {columns} FROM {table} WHERE reading_import_id IS NULL"
            )
            own.commit()
            started = time.perf_counter()
            with own.cursor().copy(
                f"COPY bench_raw_copy ({columns}) FROM STDIN WITH (FORMAT {form})"
            ) as copy:
                copy.write(bytes(data))
            own.commit()
            seconds = time.perf_counter() - started
            own.execute("DROP TABLE bench_raw_copy")
            own.commit()
        print(f"raw {form} COPY of the same {rows} rows into the same indexed table: {seconds:.2f} s "
              f"({rows / seconds:,.0f} rows/s)")  # fmt: skip
        best = max(best or 0, rows / seconds)
    return best


def outcome_rows(import_id: int) -> int:
    from gridcare.metering.models import Reading

    return Reading.objects.filter(reading_import_id=import_id).count()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gc-bench-import-"))
    os.environ["GRIDCARE_DATA_DIR"] = str(workdir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        fresh_postgres(args.database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    os.environ.setdefault("GRIDCARE_DEV", "1")  # a throw-away database: the development key will do
    import django

    django.setup()
    global transaction
    from django.core.management import call_command
    from django.db import connection, transaction

    from gridcare.core.formatting import BUSINESS_TZ
    from gridcare.metering import readingwrites
    from gridcare.metering.services import reading_import_file

    call_command("migrate", verbosity=0)
    first_day = dt.date(2024, 12, 5)
    meter_count = -(-args.rows // 12)
    t0 = time.perf_counter()
    serials = build_utility(meter_count, first_day)
    path = workdir / "readings.csv"
    rows = write_file(path, serials, args.rows, first_day)
    print(f"{connection.vendor}: {meter_count} meters, {rows} rows in {path.stat().st_size / 1e6:.1f} MB "
          f"(setup {time.perf_counter() - t0:.1f} s)")  # fmt: skip

    sample = min(args.naive_sample, rows)
    naive_rows, naive_seconds = naive_import(path, sample)
    naive_rate = naive_rows / naive_seconds
    print(f"naive ORM loop: {naive_rows} rows in {naive_seconds:.2f} s")

    # Time spent writing, to show the parse-and-validate rate apart from the database's insert cost.
    insert_seconds, insert_cpu = [0.0], [0.0]
    real_insert = readingwrites.insert_columns

    def timed_insert(**kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return real_insert(**kwargs)
        finally:
            insert_seconds[0] += time.perf_counter() - started
            insert_cpu[0] += time.process_time() - cpu

    readingwrites.insert_columns = timed_insert
    now = dt.datetime(2026, 1, 10, 9, 0, tzinfo=BUSINESS_TZ)
    started, cpu = time.perf_counter(), time.process_time()
    outcome = reading_import_file(path=path, now=now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"service: {outcome.summary()} in {seconds:.2f} s")
    validate_seconds = seconds - insert_seconds[0]
    print(f"  read + validate: {validate_seconds:.2f} s ({rows / validate_seconds:,.0f} rows/s); "
          f"insert (COPY + commit): {insert_seconds[0]:.2f} s ({rows / insert_seconds[0]:,.0f} rows/s)")  # fmt: skip
    print(f"  CPU time of this process: read + validate {cpu - insert_cpu[0]:.2f} s "
          f"({rows / (cpu - insert_cpu[0]):,.0f} rows/s), insert {insert_cpu[0]:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    if outcome.inserted != rows:
        print(f"ERROR: expected {rows} new rows, got {outcome.inserted}", file=sys.stderr)
        sys.exit(1)
    started = time.perf_counter()
    again = reading_import_file(path=path, now=now)
    print(f"re-import: {again.summary()} in {time.perf_counter() - started:.2f} s")
    rate = rows / seconds
    limit = raw_copy_limit(outcome.reading_import.pk) if connection.vendor == "postgresql" else None
    if args.database_url and not args.keep:
        drop_postgres(args.database_url)
    limit_text = f" limit_rows_per_s={limit:.0f} limit_ratio={rate / limit:.2f}" if limit else ""
    print(
        f"RESULT import_readings rows_per_s={rate:.0f} naive_rows_per_s={naive_rate:.0f} ratio={rate / naive_rate:.0f}"
        f"{limit_text}"
    )


if __name__ == "__main__":
    main()
