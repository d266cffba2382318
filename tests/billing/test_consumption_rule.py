"""Bills follow the one consumption rule: they open where the previous bill closed, and bill every kWh once."""

import datetime as dt
import itertools

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.billing import runinputs, services
from gridcare.billing.calculation import ChunkInputs, bills_compute
from gridcare.billing.models import Bill, BillLine, BillRunSkip
from gridcare.customers.models import Account
from gridcare.metering import consumption
from gridcare.metering import selectors as metering_selectors
from gridcare.metering.models import Meter, MeterInstallation, Reading
from gridcare.notifications.selectors import period_consumption_for_alerts
from gridcare.notifications.services import consumption_alert_set
from gridcare.tariffs.selectors import compiled_catalogue
from tests import factories

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
MAY, JUNE, JULY = dt.date(2025, 5, 1), dt.date(2025, 6, 1), dt.date(2025, 7, 1)


def bill_month(world, period, **kwargs):
    run = services.bill_run_create(period=period, route=world["routes"][world["teams"][0]], now=NOW, **kwargs)
    return services.bill_run_execute(run=run, now=NOW)


def invoice(account, period):
    return Bill.objects.get(
        account=account, period=period, kind=Bill.Kind.INVOICE, status__in=["issued", "held"]
    )


def read(acct, meter, day, total, **extra):
    return Reading.objects.create(meter=meter, account=acct, read_on=day, total=total, **extra)


def meter_of(acct):
    return acct.meter_installations.get(removed_on__isnull=True).meter


def test_a_month_with_two_readings_bills_the_energy_between_them_too(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1100], start=dt.date(2025, 5, 5))
    meter = meter_of(acct)
    read(acct, meter, dt.date(2025, 7, 2), 1150, source=Reading.Source.HEAD_END)
    read(acct, meter, dt.date(2025, 7, 28), 1200, source=Reading.Source.MANUAL)  # a check read
    bill_month(world, JUNE)
    bill_month(world, JULY)
    june, july = invoice(acct, JUNE), invoice(acct, JULY)
    # July opens at June's closing reading (05/06, 1100), not at the reading before July's last one (02/07).
    assert (july.start_date, july.start_index, july.end_index, july.kwh) == (
        dt.date(2025, 6, 5),
        1100,
        1200,
        100,
    )
    assert july.start_reading_id == june.end_reading_id and july.days == 53


def test_a_gap_longer_than_any_window_is_billed_not_lost(world):
    acct = factories.account(world)
    factories.readings(acct, [900, 1000], start=dt.date(2025, 2, 5))
    read(acct, meter_of(acct), dt.date(2025, 7, 5), 1400)  # no reading for April, May, June
    bill_month(world, dt.date(2025, 3, 1))
    run = bill_month(world, JULY)
    july = invoice(acct, JULY)
    assert (july.start_date, july.start_index, july.kwh, july.days) == (dt.date(2025, 3, 5), 1000, 400, 122)
    assert not BillRunSkip.objects.filter(run=run).exists()


def test_a_meter_exchanged_inside_the_period_bills_both_meters(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1100], start=dt.date(2025, 5, 5))
    old_install = MeterInstallation.objects.get(account=acct)
    old = old_install.meter
    bill_month(world, JUNE)
    # Exchanged on 20/06: the old meter's removal reading 1130, the new meter's installation reading 10.
    read(acct, old, dt.date(2025, 6, 20), 1130)
    MeterInstallation.objects.filter(pk=old_install.pk).update(removed_on=dt.date(2025, 6, 20))
    new = Meter.objects.create(serial="EXCH-1", kind=Meter.Kind.ELECTRONIC)
    MeterInstallation.objects.create(meter=new, service_point=old_install.service_point, account=acct,
                                     installed_on=dt.date(2025, 6, 20), initial_total=10)  # fmt: skip
    read(acct, new, dt.date(2025, 6, 20), 10)
    read(acct, new, dt.date(2025, 7, 5), 210)
    bill_month(world, JULY)
    july = invoice(acct, JULY)
    # 30 kWh on the old meter (1100 → 1130) and 200 on the new one (10 → 210). The indexes shown are the opening
    # reading's (old meter) and the closing reading's (new meter); the reading links name both meters.
    assert july.kwh == 30 + 200
    assert (july.start_index, july.end_index) == (1100, 210)
    assert (july.start_reading.meter_id, july.end_reading.meter_id) == (old.pk, new.pk)


def test_consecutive_bills_chain_and_add_up_to_the_meters_advance(world):
    acct = factories.account(world, register_digits=4)
    made = factories.readings(acct, [9000, 9500, 9900, 300, 800], start=dt.date(2025, 3, 5))
    Reading.objects.filter(pk=made[3].pk).update(rollover=True)
    for month in (4, 5, 6, 7):
        bill_month(world, dt.date(2025, month, 1))
    bills = list(Bill.objects.filter(account=acct, kind="invoice").order_by("period"))
    assert [b.kwh for b in bills] == [500, 400, 400, 500]
    assert all(
        b.start_index == a.end_index and b.start_reading_id == a.end_reading_id
        for a, b in itertools.pairwise(bills)
    )
    assert sum(b.kwh for b in bills) == (10_000 + 800) - 9000


def test_a_cancelled_bill_is_not_an_opening(world):
    acct = factories.account(world)
    factories.readings(acct, [100, 200, 350], start=dt.date(2025, 5, 5))
    bill_month(world, JUNE)
    services.bill_cancel(bill=invoice(acct, JUNE), reason="Sai chỉ số", now=NOW)
    bill_month(world, JULY)
    # June's energy was never billed (its bill is cancelled): July opens at June's opening, the first reading.
    assert (invoice(acct, JULY).start_index, invoice(acct, JULY).kwh) == (100, 250)


def test_time_of_use_registers_follow_the_same_rule(world):
    shop = factories.account(world, purpose="business", time_of_use=True)
    meter = meter_of(shop)
    for day, peak, normal, offpeak in ((dt.date(2025, 6, 5), 100, 300, 50), (dt.date(2025, 7, 2), 150, 450, 90),
                                       (dt.date(2025, 7, 28), 220, 600, 130)):  # fmt: skip
        read(shop, meter, day, peak + normal + offpeak, peak=peak, normal=normal, offpeak=offpeak)
    bill_month(world, JULY)
    july = invoice(shop, JULY)
    by_period = {}
    for line in BillLine.objects.filter(bill=july):
        by_period[line.period] = by_period.get(line.period, 0) + line.kwh
    assert by_period == {"peak": 120, "normal": 300, "offpeak": 80}
    assert july.kwh == 500


def test_a_cutover_run_opens_first_bills_at_the_last_reading_before_the_period(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1150, 1290, 1420, 1600, 1800, 1950])  # 5 Jan … 5 Jul
    bill_month(world, JULY, cutover=True)
    assert (invoice(acct, JULY).start_index, invoice(acct, JULY).kwh) == (1800, 150)


def test_the_bill_arrays_do_not_depend_on_the_order_inputs_come_in(world):
    accounts = [factories.account(world) for _ in range(5)]
    for i, acct in enumerate(accounts):
        factories.readings(acct, [100 * i, 100 * i + 50 + i, 100 * i + 130 + 3 * i, 100 * i + 260 + 5 * i],
                           start=dt.date(2025, 4, 5))  # fmt: skip
    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    inputs, _last = runinputs.load_chunk(run=run, after_id=0, size=100)
    rng = np.random.default_rng(9)
    by_reading, by_account = rng.permutation(len(inputs.reading_id)), rng.permutation(len(inputs.account_id))
    shuffled = ChunkInputs(**{
        name: getattr(inputs, name)[by_reading if name.startswith("reading_") else by_account]
        for name in ChunkInputs.__dataclass_fields__
    })  # fmt: skip
    period = {
        "period_first": JULY.toordinal(),
        "period_next": dt.date(2025, 8, 1).toordinal(),
        "catalogue": compiled_catalogue(),
    }
    straight, mixed = bills_compute(inputs=inputs, **period), bills_compute(inputs=shuffled, **period)
    assert len(straight.account_id) == 5
    for name in ("account_id", "start_reading", "end_reading", "kwh", "total", "start_index", "end_index"):
        assert getattr(mixed, name).tolist() == getattr(straight, name).tolist(), name
    assert mixed.lines.line_amount.tolist() == straight.lines.line_amount.tolist()
    # The 3-month first bills: 05/04 → 05/07 of each account.
    assert straight.kwh.tolist() == [260 + 5 * i for i in range(5)]
    # Readings of accounts outside the chunk play no part, even when the chunk keeps no account at all.
    for kept in ([1, 3], []):
        fewer = ChunkInputs(**{
            name: getattr(inputs, name) if name.startswith("reading_") else getattr(inputs, name)[kept]
            for name in ChunkInputs.__dataclass_fields__
        })  # fmt: skip
        assert bills_compute(inputs=fewer, **period).kwh.tolist() == straight.kwh[kept].tolist()


# --- re-issue and resume ----------------------------------------------------------------------------------


def test_reissue_bills_exactly_that_account_even_when_it_is_no_longer_active(world):
    closed = factories.account(world)
    factories.readings(closed, [100, 200, 350], start=dt.date(2025, 5, 5))
    bill_month(world, JUNE)
    bill_month(world, JULY)
    # The next account by id, on another route, not billed for July.
    neighbour = factories.account(world, team=world["teams"][1])
    factories.readings(neighbour, [0, 500, 900], start=dt.date(2025, 5, 5))
    Account.objects.filter(pk=closed.pk).update(status=Account.Status.CLOSED)
    old = invoice(closed, JULY)
    new = services.bill_reissue(bill=old, reason="Kiểm tra lại", now=NOW)
    assert (new.account_id, new.kwh, new.replaces_id) == (closed.pk, 150, old.pk)
    assert not Bill.objects.filter(account=neighbour).exists()


def test_reissue_that_cannot_bill_refuses_and_changes_nothing(world):
    acct = factories.account(world)
    factories.readings(acct, [100, 200, 350], start=dt.date(2025, 5, 5))
    bill_month(world, JULY)
    bill = invoice(acct, JULY)
    # July's reading was another customer's: moved to them, this account has no reading for July any more.
    other = factories.account(world)
    Reading.objects.filter(account=acct, read_on=dt.date(2025, 7, 5)).update(account=other)
    with pytest.raises(services.BillingError, match="chưa có chỉ số kỳ này"):
        services.bill_reissue(bill=bill, reason="Ghi nhầm khách hàng", now=NOW)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.ISSUED
    assert not Bill.objects.filter(kind=Bill.Kind.CREDIT_NOTE).exists()


def test_accounts_skipped_first_and_billed_on_resume_are_not_listed_as_skipped(world):
    late = factories.account(world)
    factories.readings(late, [100, 200], start=dt.date(2025, 5, 5))  # July's reading is not in yet
    on_time = factories.account(world)
    factories.readings(on_time, [100, 200, 300], start=dt.date(2025, 5, 5))
    run = services.bill_run_create(period=JULY, route=None, now=NOW)
    partial = services.bill_run_execute(run=run, now=NOW, chunk_size=1, stop_after_chunks=1)
    assert list(BillRunSkip.objects.filter(run=run).values_list("account_id", "reason")) == [
        (late.pk, "no_reading")
    ]
    assert partial.accounts_skipped == 1
    read(late, meter_of(late), dt.date(2025, 7, 5), 260)
    done = services.bill_run_execute(run=run, now=NOW, chunk_size=1)
    assert not BillRunSkip.objects.filter(run=run).exists()
    assert (done.accounts_skipped, done.bills_created, done.accounts_done) == (0, 2, 2)
    assert invoice(late, JULY).kwh == 160


def test_bulk_written_bills_store_datetimes_as_the_orm_does(world):
    acct = factories.account(world)
    factories.readings(acct, [100, 200], start=dt.date(2025, 6, 5))
    bill_month(world, JULY)
    # 09:00 UTC is 16:00 on 20/07 in Asia/Ho_Chi_Minh.
    assert Bill.objects.filter(created_at=NOW).count() == 1
    assert (
        Bill.objects.filter(
            created_at__date=dt.date(2025, 7, 20), issued_at__date=dt.date(2025, 7, 20)
        ).count()
        == 1
    )
    assert (
        Bill.objects.filter(
            created_at__gte=NOW - dt.timedelta(seconds=1), created_at__lt=NOW + dt.timedelta(seconds=1)
        ).count()
        == 1
    )
    assert invoice(acct, JULY).created_at == NOW


# --- any readings, any periods ----------------------------------------------------------------------------


@st.composite
def history(draw):
    """Readings of one account from June to December 2025, with a possible meter exchange and rollovers.

    Returns rows (meter index, day, total, rollover), the meter digits, and per reading the kWh it truly measured.
    """
    digits = [draw(st.integers(4, 5)), draw(st.integers(4, 5))]
    exchange_at = draw(st.one_of(st.none(), st.integers(1, 10)))
    rows, measured = [], []
    meter, total = 0, draw(st.integers(0, 10 ** digits[0] - 1))
    for month in range(6, 13):
        days = sorted(draw(st.sets(st.integers(1, 28), min_size=1 if month == 12 else 0, max_size=3)))
        for day in days:
            if exchange_at is not None and meter == 0 and len(rows) == exchange_at:
                # Removal reading of the old meter and installation reading of the new one, the same day.
                step = draw(st.integers(0, 300))
                rolled = total + step >= 10 ** digits[0]
                total = (total + step) % 10 ** digits[0]
                rows.append((0, dt.date(2025, month, day), total, rolled))
                measured.append(step)
                meter, total = 1, draw(st.integers(0, 10 ** digits[1] - 1))
                rows.append((1, dt.date(2025, month, day), total, False))
                measured.append(0)
                continue
            step = draw(st.integers(0, 900)) if rows else 0
            modulus = 10 ** digits[meter]
            rolled = bool(rows) and total + step >= modulus
            total = (total + step) % modulus
            rows.append((meter, dt.date(2025, month, day), total, rolled))
            measured.append(step)
    runs = sorted(set(draw(st.lists(st.integers(7, 11), max_size=5))) | {12})
    return rows, digits, measured, runs


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=history())
def test_any_readings_billed_in_any_months_bill_every_kwh_once_and_the_chart_and_alerts_agree(world, case):
    rows, digits, measured, runs = case
    sid = transaction.savepoint()
    try:
        acct = factories.account(world, register_digits=digits[0])
        install = MeterInstallation.objects.get(account=acct)
        meters = [install.meter]
        if any(m == 1 for m, *_ in rows):
            exchange_day = next(d for m, d, *_ in rows if m == 1)
            MeterInstallation.objects.filter(pk=install.pk).update(removed_on=exchange_day)
            meters.append(
                Meter.objects.create(
                    serial=f"X{acct.pk}", kind=Meter.Kind.ELECTRONIC, register_digits=digits[1]
                )
            )
            MeterInstallation.objects.create(meter=meters[1], service_point=install.service_point, account=acct,
                                             installed_on=exchange_day)  # fmt: skip
        made = Reading.objects.bulk_create(
            Reading(meter=meters[m], account=acct, read_on=day, total=total, rollover=rolled)
            for m, day, total, rolled in rows
        )
        for month in runs:
            bill_month(world, dt.date(2025, month, 1))
        bills = list(Bill.objects.filter(account=acct, kind="invoice").order_by("period"))
        if not bills:  # a single reading, in December: nothing to bill yet
            assert len(made) == 1
            return
        # Every kWh measured up to the last billed reading is billed exactly once.
        last_billed = max(i for i, r in enumerate(made) if r.pk == bills[-1].end_reading_id)
        assert sum(b.kwh for b in bills) == sum(measured[: last_billed + 1])
        assert bills[0].start_reading_id == made[0].pk
        assert all(b.start_reading_id == a.end_reading_id and b.start_index == a.end_index
                   for a, b in itertools.pairwise(bills))  # fmt: skip
        # The chart's months add up to the same energy, and each month alone is what a monthly bill would be.
        series, _serials = metering_selectors.account_reading_series(account=acct)
        months = consumption.consumption_by_month(series=series)
        assert int(months.consumption.kwh.sum()) == sum(measured)
        monthly = consumption.monthly_consumption(series=series, months=7, until=dt.date(2025, 12, 31))
        assert sum(v or 0 for v in monthly.kwh) == sum(measured)
        # The alert's latest month is December's period; it is December's bill when that bill opened at the last
        # reading before December.
        consumption_alert_set(account=acct, kind="kwh", threshold=1)
        alert = period_consumption_for_alerts(since=dt.date(2025, 12, 1))
        december_kwh = sum(s for s, (_m, day, *_r) in zip(measured, rows, strict=True) if day.month == 12)
        if alert["account_id"].tolist() == [acct.pk]:
            assert int(alert["kwh"][0]) == december_kwh
        else:
            assert december_kwh <= 1
        earlier = [r.pk for r in made if r.read_on < dt.date(2025, 12, 1)]  # in (day, id) order
        before_december = earlier[-1] if earlier else None
        if bills[-1].period == dt.date(2025, 12, 1) and bills[-1].start_reading_id == before_december:
            assert bills[-1].kwh == december_kwh
    finally:
        transaction.savepoint_rollback(sid)


def test_the_chart_and_the_alert_count_a_month_with_two_readings_as_its_bill(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1100], start=dt.date(2025, 5, 5))
    meter = meter_of(acct)
    read(acct, meter, dt.date(2025, 7, 2), 1150)
    read(acct, meter, dt.date(2025, 7, 28), 1230)
    bill_month(world, JUNE)
    bill_month(world, JULY)
    series, _serials = metering_selectors.account_reading_series(account=acct)
    monthly = consumption.monthly_consumption(series=series, months=2)
    assert monthly.kwh == [100, 130] == [invoice(acct, JUNE).kwh, invoice(acct, JULY).kwh]
    consumption_alert_set(account=acct, kind="percent", threshold=25)
    alert = period_consumption_for_alerts(since=dt.date(2025, 7, 20))
    # The latest month is all of July (50 + 80), not only its last step (80), against all of June (100).
    assert (alert["kwh"].tolist(), alert["previous_kwh"].tolist()) == ([130], [100])
    assert alert["read_on"].tolist() == [dt.date(2025, 7, 28)]
