import datetime as dt

import pytest
from django.utils import timezone

from gridcare.billing import billwrites, runinputs, services
from gridcare.billing.models import Bill, BillLine, BillRun, BillRunSkip
from gridcare.metering.models import Reading
from gridcare.tariffs import engine
from gridcare.tariffs.selectors import catalogue_load
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
JULY = dt.date(2025, 7, 1)


def run_for(world, period=JULY, team=None):
    team = team or world["teams"][0]
    return services.bill_run_create(period=period, route=world["routes"][team], now=NOW)


@pytest.fixture
def household(world):
    # Readings on 05/05, 05/06 and 05/07/2025. June's bill is its first (it opens at the first reading, 05/05);
    # July's opens at June's closing reading: 05/06 → 05/07 (30 days, one price, VAT 8%).
    acct = factories.account(world)
    factories.readings(acct, [1600, 1800, 1950], start=dt.date(2025, 5, 5))
    return acct


def test_a_plain_30_day_period_is_priced_tier_by_tier(household, world):
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    run = services.bill_run_execute(run=run_for(world), now=NOW)
    bill = Bill.objects.get(account=household, period=JULY)
    # 150 kWh under Decision 1279: 50 × 1,984 + 50 × 2,050 + 50 × 2,380, VAT 8 % rounded half-up.
    assert (bill.kwh, bill.days, bill.subtotal) == (150, 30, 50 * 1984 + 50 * 2050 + 50 * 2380)
    assert bill.vat == 25_656  # 320,700 × 8 % = 25,656 exactly
    assert bill.total == bill.subtotal + bill.vat
    assert [(li.tier, li.limit_kwh, li.kwh) for li in bill.lines.order_by("position")] == [
        (1, 50, 50),
        (2, 50, 50),
        (3, 100, 50),
    ]
    assert run.status == BillRun.Status.DONE and run.bills_created == 1


def test_a_period_across_a_price_change_matches_the_scalar_engine(household, world):
    # 05/05 → 05/06/2025 crosses Decision 1279 (from 10/05/2025): the period is split by days.
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    bill = Bill.objects.get(account=household, period=dt.date(2025, 6, 1))
    quote = engine.price_one(
        catalogue=catalogue_load(),
        purpose="residential",
        start=dt.date(2025, 5, 5),
        end=dt.date(2025, 6, 5),
        kwh=200,
    )
    assert {li.part_from for li in bill.lines.all()} == {dt.date(2025, 5, 5), dt.date(2025, 5, 10)}
    assert (bill.kwh, bill.subtotal, bill.vat, bill.total) == (200, quote.subtotal, quote.vat, quote.total)
    assert sum(li.kwh for li in bill.lines.all()) == bill.kwh


def test_running_again_bills_nobody_twice(household, world):
    services.bill_run_execute(run=run_for(world), now=NOW)
    second = services.bill_run_execute(run=run_for(world), now=NOW)
    assert Bill.objects.filter(account=household, period=JULY).count() == 1
    assert second.bills_created == 0


def test_an_interrupted_run_resumes_and_bills_every_account_exactly_once(world):
    accounts = [factories.account(world) for _ in range(7)]
    for i, acct in enumerate(accounts):
        factories.readings(
            acct, [100 * i, 100 * i + 120 + i, 100 * i + 250 + 2 * i], start=dt.date(2025, 5, 5)
        )
    run = run_for(world)
    partial = services.bill_run_execute(run=run, now=NOW, chunk_size=3, stop_after_chunks=1)
    assert Bill.objects.filter(period=JULY).count() == 3
    assert partial.status == BillRun.Status.RUNNING
    done = services.bill_run_execute(run=run, now=NOW, chunk_size=3)
    billed = list(Bill.objects.filter(period=JULY).values_list("account_id", flat=True))
    assert sorted(billed) == sorted(a.pk for a in accounts)
    assert done.status == BillRun.Status.DONE and done.accounts_done == 7
    # Each bill's lines add up to it: nothing written twice.
    for bill in Bill.objects.filter(period=JULY):
        assert sum(BillLine.objects.filter(bill=bill).values_list("amount", flat=True)) == bill.subtotal


def test_accounts_without_a_reading_are_listed_with_a_reason(world):
    read = factories.account(world)
    factories.readings(read, [10, 200, 380], start=dt.date(2025, 5, 5))
    missing = factories.account(world)
    factories.readings(missing, [10, 200], start=dt.date(2025, 5, 5))
    first = factories.account(world)
    factories.readings(first, [0], start=dt.date(2025, 7, 5))
    run = services.bill_run_execute(run=run_for(world), now=NOW)
    skips = dict(BillRunSkip.objects.filter(run=run).values_list("account_id", "reason"))
    assert skips == {missing.pk: "no_reading", first.pk: "no_previous_reading"}
    assert run.accounts_skipped == 2 and run.bills_created == 1


def test_a_rollover_counts_the_energy_through_zero(world):
    acct = factories.account(world, register_digits=5)
    factories.readings(acct, [99_900, 99_990], start=dt.date(2025, 5, 5))
    meter = acct.meter_installations.get().meter
    Reading.objects.create(meter=meter, account=acct, read_on=dt.date(2025, 7, 5), total=140, rollover=True)
    services.bill_run_execute(run=run_for(world), now=NOW)
    # The first bill opens at the first reading (05/05): 90 kWh to June's reading, then 10 + 140 through zero.
    assert Bill.objects.get(account=acct, period=JULY).kwh == (99_990 - 99_900) + (100_000 - 99_990 + 140)


def test_a_bill_up_30_percent_is_held_until_released(world):
    acct = factories.account(world)
    factories.readings(acct, [100, 200, 400], start=dt.date(2025, 5, 5))  # June 100 kWh, July 200 kWh
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    june = Bill.objects.get(account=acct, period=dt.date(2025, 6, 1))
    run = services.bill_run_execute(run=run_for(world), now=NOW)
    july = Bill.objects.get(account=acct, period=JULY)
    assert june.status == Bill.Status.ISSUED
    assert july.status == Bill.Status.HELD and "%" in july.hold_reason and july.issued_at is None
    assert run.bills_held == 1
    released = services.bill_release(bill=july, now=NOW)
    assert released.status == Bill.Status.ISSUED and released.due_date == dt.date(2025, 7, 30)


def test_cancel_and_reissue_keeps_history_with_a_credit_note(household, world):
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    services.bill_run_execute(run=run_for(world), now=NOW)
    bill = Bill.objects.get(account=household, period=JULY, kind=Bill.Kind.INVOICE)
    Reading.objects.filter(account=household, read_on=dt.date(2025, 7, 5)).update(total=1900)
    new = services.bill_reissue(bill=bill, reason="Ghi sai chỉ số", now=timezone.now())
    bill.refresh_from_db()
    note = Bill.objects.get(kind=Bill.Kind.CREDIT_NOTE, refers_to=bill)
    assert bill.status == Bill.Status.CANCELLED
    assert (note.total, note.kwh) == (-bill.total, -bill.kwh)
    assert new.replaces_id == bill.pk and new.kwh == 100
    standing = Bill.objects.filter(account=household, period=JULY, kind="invoice").exclude(status="cancelled")
    assert list(standing) == [new]


def test_the_bill_document_explains_itself_and_renders_to_pdf(household, world):
    from gridcare.billing.documents import bill_html, bill_pdf

    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    services.bill_run_execute(run=run_for(world), now=NOW)
    july = Bill.objects.get(account=household, period=JULY)
    html = bill_html(bill=july)
    assert "Hoá đơn tiền điện" in html and household.code in html
    # June (200 kWh, 31 days) → July (150 kWh, 30 days): fewer days and less use are both said.
    assert "Kỳ này có 30 ngày, kỳ trước 31 ngày" in html
    assert "giảm" in html
    assert "<svg" in html
    # Unit prices are grouped the language's way (units are in the column headers).
    assert ">1.984<" in html
    english = bill_html(bill=july, language="en")
    assert ">1,984<" in english and ">1.984<" not in english
    pdf = bill_pdf(bill=july)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_a_crash_in_the_middle_of_writing_a_chunk_loses_nothing_and_doubles_nothing(world, monkeypatch):
    accounts = [factories.account(world) for _ in range(4)]
    for i, acct in enumerate(accounts):
        factories.readings(acct, [0, 100 + i, 220 + i], start=dt.date(2025, 5, 5))
    run = run_for(world)
    calls = {"n": 0}
    real_write_lines = billwrites._write_lines

    def crash_on_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError(
                "worker killed"
            )  # bills of chunk 2 are written, its lines are not: all rolls back
        return real_write_lines(**kwargs)

    monkeypatch.setattr(billwrites, "_write_lines", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        services.bill_run_execute(run=run, now=NOW, chunk_size=2)
    assert Bill.objects.filter(period=JULY).count() == 2
    run.refresh_from_db()
    assert run.status == BillRun.Status.FAILED and "worker killed" in run.error
    monkeypatch.setattr(billwrites, "_write_lines", real_write_lines)
    services.bill_run_execute(run=run, now=NOW, chunk_size=2)
    assert sorted(Bill.objects.filter(period=JULY).values_list("account_id", flat=True)) == sorted(
        a.pk for a in accounts
    )
    assert all(b.lines.count() > 0 for b in Bill.objects.filter(period=JULY))


def test_issued_bills_tell_their_customers_and_held_ones_wait_for_release(world):
    from gridcare.notifications.models import Notice, OutboxMessage

    steady = factories.account(world, email="an@example.vn")
    factories.readings(steady, [100, 200, 300], start=dt.date(2025, 5, 5))
    jumped = factories.account(world, email="binh@example.vn")
    factories.readings(jumped, [100, 200, 400], start=dt.date(2025, 5, 5))
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW, notify_customers=False)
    assert not OutboxMessage.objects.exists()
    services.bill_run_execute(run=run_for(world), now=NOW)
    emailed = set(OutboxMessage.objects.filter(channel="email").values_list("account_id", flat=True))
    assert emailed == {steady.pk}
    notice = Notice.objects.get()
    assert notice.template_key == "bill_ready"
    # The text the customer gets names the contract, the period, the amount and the due date.
    from gridcare.core.formatting import format_vnd
    from gridcare.notifications.selectors import outbox_message_text

    text = outbox_message_text(message=OutboxMessage.objects.get(account=steady, channel="email"))
    bill = Bill.objects.get(account=steady, period=JULY)
    assert steady.code in text and "07/2025" in text and format_vnd(bill.total) in text
    assert f"{bill.due_date:%d/%m/%Y}" in text
    held = Bill.objects.get(account=jumped, period=JULY)
    services.bill_release(bill=held, now=NOW)
    assert set(OutboxMessage.objects.filter(channel="email").values_list("account_id", flat=True)) == {
        steady.pk,
        jumped.pk,
    }
    # Running again sends nothing more: no new bills, no new messages.
    services.bill_run_execute(run=run_for(world), now=NOW)
    assert OutboxMessage.objects.filter(channel="email").count() == 2


def test_an_account_whose_purpose_the_run_cannot_map_is_skipped_as_no_tariff(world, monkeypatch):
    # Administrative is the engine's last purpose, and priced in the catalogue: an unknown code (-1) must not be
    # priced with its prices.
    acct = factories.account(world)
    factories.readings(acct, [1000, 1150, 1290, 1420, 1600, 1800, 1950])
    # As if the column held a value the run's code table does not know (the database now refuses such values).
    monkeypatch.setattr(
        runinputs, "_PURPOSE_INDEX", {k: v for k, v in runinputs._PURPOSE_INDEX.items() if k != "residential"}
    )
    services.bill_run_execute(run=run_for(world), now=NOW)
    assert not Bill.objects.filter(account=acct).exists()
    assert BillRunSkip.objects.get(account=acct).reason == BillRunSkip.Reason.NO_TARIFF
