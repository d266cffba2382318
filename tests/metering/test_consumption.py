import datetime as dt

import pytest

from gridcare.metering import consumption
from gridcare.metering.models import Meter, MeterInstallation, Reading
from tests import factories

pytestmark = pytest.mark.django_db


def test_consumption_is_the_difference_of_successive_readings_times_the_multiplier(world):
    acct = factories.account(world)
    Meter.objects.filter(installations__account=acct).update(multiplier=40)
    factories.readings(acct, [100, 130, 175])
    rows = consumption.readings_with_consumption(account=acct)
    assert [r.consumption_kwh for r in rows] == [None, 30 * 40, 45 * 40]


def test_a_rollover_adds_the_register_size_and_an_unflagged_decrease_shows_nothing(world):
    acct = factories.account(world, register_digits=4)
    made = factories.readings(acct, [9990, 20, 10])
    Reading.objects.filter(pk=made[1].pk).update(rollover=True)
    rows = consumption.readings_with_consumption(account=acct)
    assert [r.consumption_kwh for r in rows] == [None, 30, None]


def test_a_new_meter_starts_a_new_series(world):
    acct = factories.account(world)
    factories.readings(acct, [5000, 5100], start=dt.date(2025, 1, 5))
    old = MeterInstallation.objects.get(account=acct)
    old.removed_on = dt.date(2025, 2, 20)
    old.save()
    new_meter = Meter.objects.create(serial="NEW-1", kind=Meter.Kind.SMART)
    MeterInstallation.objects.create(
        meter=new_meter, service_point=old.service_point, account=acct, installed_on=dt.date(2025, 2, 20)
    )
    Reading.objects.bulk_create([
        Reading(meter=new_meter, account=acct, read_on=dt.date(2025, 3, 5), total=10),
        Reading(meter=new_meter, account=acct, read_on=dt.date(2025, 4, 5), total=210),
    ])  # fmt: skip
    rows = consumption.readings_with_consumption(account=acct)
    assert [r.consumption_kwh for r in rows] == [None, 100, None, 200]
    assert consumption.current_meter(account=acct, today=dt.date(2025, 4, 30)) == new_meter
    assert consumption.current_meter(account=acct, today=dt.date(2025, 2, 1)) == old.meter


def test_monthly_sums_put_each_period_in_the_month_of_its_closing_reading():
    R = consumption.ReadingWithConsumption
    readings = [
        R(read_on=dt.date(2024, 3, 5), total=0, consumption_kwh=80, meter_serial="m"),
        R(read_on=dt.date(2025, 2, 5), total=0, consumption_kwh=100, meter_serial="m"),
        R(read_on=dt.date(2025, 3, 1), total=0, consumption_kwh=10, meter_serial="m"),
        R(read_on=dt.date(2025, 3, 28), total=0, consumption_kwh=90, meter_serial="m"),
    ]
    monthly = consumption.monthly_consumption(readings=readings, months=3)
    assert monthly.months == [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert monthly.kwh == [None, 100, 100]
    assert monthly.kwh_year_before == [None, None, 80]


def test_no_readings_no_months():
    assert consumption.monthly_consumption(readings=[], months=24).months == []
