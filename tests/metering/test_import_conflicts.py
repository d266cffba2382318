"""Two imports of one meter: a reading stored meanwhile with another value is a conflict, not "already present"."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections

from gridcare.metering import readingwrites, selectors, services
from gridcare.metering.models import Reading
from tests import factories
from tests.metering.builders import NOW, meter_of

APRIL = dt.date(2025, 4, 5)


@pytest.fixture
def metered(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1200, 1400])
    return acct


def _record(serial, total):
    return [{"meter_serial": serial, "read_on": APRIL.isoformat(), "total_kwh": str(total)}]


def test_a_reading_stored_meanwhile_with_another_value_is_a_conflict(metered, monkeypatch):
    meter = meter_of(metered)
    real_history = selectors.reading_history

    def another_writer_stores_meanwhile(**kwargs):
        history = real_history(**kwargs)
        Reading.objects.create(
            meter=meter, account=metered, read_on=APRIL, total=1650, source=Reading.Source.MANUAL
        )
        return history

    monkeypatch.setattr(selectors, "reading_history", another_writer_stores_meanwhile)
    outcome = services.reading_import_records(records=_record(meter.serial, 1600), now=NOW)

    assert (outcome.inserted, outcome.already_present, outcome.rejected) == (0, 0, 1)
    [error] = outcome.errors
    assert (error.row, error.column, error.value) == (1, "total_kwh", "1600")
    assert "Xung đột" in error.reason and "1650" in error.reason and "Conflict" in error.reason_en
    assert list(Reading.objects.filter(read_on=APRIL).values_list("total", flat=True)) == [1650]


def test_a_reading_stored_meanwhile_with_the_same_value_is_already_present(metered, monkeypatch):
    meter = meter_of(metered)
    real_history = selectors.reading_history

    def another_writer_stores_meanwhile(**kwargs):
        history = real_history(**kwargs)
        Reading.objects.create(
            meter=meter, account=metered, read_on=APRIL, total=1600, source=Reading.Source.MANUAL
        )
        return history

    monkeypatch.setattr(selectors, "reading_history", another_writer_stores_meanwhile)
    outcome = services.reading_import_records(records=_record(meter.serial, 1600), now=NOW)

    assert (outcome.inserted, outcome.already_present, outcome.rejected) == (0, 1, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite: one writer at a time (BEGIN IMMEDIATE)"
)
def test_two_concurrent_imports_of_one_meter_validate_against_each_other(monkeypatch):
    world = factories.utility()
    acct = factories.account(world)
    factories.readings(acct, [1000, 1200, 1400])
    serial = meter_of(acct).serial
    first_validated, outcomes, failures = threading.Event(), {}, []
    real_insert = readingwrites.insert_columns

    def slow_insert_for_the_first(**kwargs):
        if threading.current_thread().name == "first":
            first_validated.set()
            time.sleep(0.5)  # the second import starts and must wait for this one's meters
        return real_insert(**kwargs)

    monkeypatch.setattr(readingwrites, "insert_columns", slow_insert_for_the_first)

    def run(name, total):
        try:
            outcomes[name] = services.reading_import_records(records=_record(serial, total), now=NOW)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=run, args=("first", 1600), name="first")
    second = threading.Thread(target=run, args=("second", 1650), name="second")
    first.start()
    assert first_validated.wait(10)
    second.start()
    first.join(20)
    second.join(20)

    assert failures == []
    assert (outcomes["first"].inserted, outcomes["first"].rejected) == (1, 0)
    assert (outcomes["second"].inserted, outcomes["second"].already_present, outcomes["second"].rejected) == (
        0,
        0,
        1,
    )
    assert "1600" in outcomes["second"].errors[0].reason
    assert list(Reading.objects.filter(read_on=APRIL).values_list("total", flat=True)) == [1600]


def test_an_interval_stored_meanwhile_with_another_value_is_a_conflict(world, monkeypatch):
    from gridcare.metering.models import IntervalReading, Meter

    meter = meter_of(factories.account(world, meter_kind=Meter.Kind.SMART))
    start = dt.datetime(2025, 11, 5, 3, 0, tzinfo=dt.UTC)  # 10:00 in Hanoi
    real_history, calls = selectors.interval_history, []

    def another_writer_stores_meanwhile(**kwargs):
        history = real_history(**kwargs)
        if not calls:
            IntervalReading.objects.create(meter=meter, start=start, energy_wh=700)
        calls.append(kwargs)
        return history

    monkeypatch.setattr(selectors, "interval_history", another_writer_stores_meanwhile)
    records = [{"meter_serial": meter.serial, "start": "2025-11-05T10:00:00+07:00", "energy_kwh": "0.5"},
               {"meter_serial": meter.serial, "start": "2025-11-05T10:30:00+07:00", "energy_kwh": "0.25"}]  # fmt: skip
    outcome = services.reading_import_records(records=records, now=NOW)

    assert (outcome.inserted, outcome.already_present, outcome.rejected) == (1, 0, 1)
    [error] = outcome.errors
    assert (
        (error.row, error.column) == (1, "energy_kwh")
        and "0.7" in error.reason
        and "Conflict" in error.reason_en
    )


def test_reimporting_an_interval_with_another_value_is_a_conflict(world):
    from gridcare.metering.models import IntervalReading, Meter

    meter = meter_of(factories.account(world, meter_kind=Meter.Kind.SMART))
    first = [{"meter_serial": meter.serial, "start": "2025-11-05T10:00:00+07:00", "energy_kwh": "0.5"}]
    assert services.reading_import_records(records=first, now=NOW).inserted == 1
    again = [{"meter_serial": meter.serial, "start": "2025-11-05 10:00", "energy_kwh": "0.6"}]
    outcome = services.reading_import_records(records=again, now=NOW)
    assert (outcome.inserted, outcome.already_present, outcome.rejected) == (0, 0, 1)
    assert "0.5" in outcome.errors[0].reason
    assert list(IntervalReading.objects.values_list("energy_wh", flat=True)) == [500]
