"""The daily reconciliation per channel: the gateways' signed daily lists (sandbox, over HTTP), bank statements and
partner files against the payments recorded; differences stored, re-runs idempotent, resolved ones stay resolved."""

import datetime as dt

import pytest
from django.core.management import call_command

from gridcare.org.models import StaffRole
from gridcare.org.policy import AccessDenied
from gridcare.payments import reconciliation, statements
from gridcare.payments.models import Payment, ReconciliationDifference, ReconciliationRun
from gridcare.payments.services import payment_record
from tests import factories
from tests.backoffice.builders import staff
from tests.payments.builders import bill
from tests.payments.paid import paid_through

HCM = dt.timezone(dt.timedelta(hours=7))
DAY = dt.date(2025, 11, 20)
AT = dt.datetime(2025, 11, 20, 10, 0, tzinfo=HCM)
NOW = dt.datetime(2025, 11, 21, 6, 0, tzinfo=HCM)


def _differences(channel):
    return {(d.kind, d.reference, d.our_amount, d.their_amount)
            for d in ReconciliationDifference.objects.filter(channel=channel, day=DAY)}  # fmt: skip


@pytest.fixture
def day_of_vnpay(world, gateways):
    a, b, c = (factories.account(world) for _i in range(3))
    for acct in (a, b, c):
        bill(acct, total=300_000, due_date=dt.date(2025, 11, 30))
    agreed, _p = paid_through(gateways, a, gateway="vnpay", amount=120_000, paid_at=AT)
    unheard, _p = paid_through(
        gateways, b, gateway="vnpay", amount=90_000, paid_at=AT, record=False
    )  # no IPN came
    other_day, _p = paid_through(
        gateways, c, gateway="vnpay", amount=70_000, paid_at=AT - dt.timedelta(days=1)
    )
    # The gateway's list counts a transaction we know nothing about, and we booked one it does not list.
    gateways.settlement_extra[("vnpay", "20251120")] = [
        {"reference": "GC251120ZZZZZZ", "amount": 55_000, "transaction": "1"}
    ]
    payment_record(channel="vnpay", reference="GC251120MANUAL", account=c, amount=40_000, received_at=AT)
    return {"agreed": agreed, "unheard": unheard, "other_day": other_day, "b": b, "c": c}


def test_a_vnpay_day_lists_every_difference_and_counts_the_totals(day_of_vnpay):
    (run,) = reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",))
    assert (run.their_count, run.their_total) == (3, 120_000 + 90_000 + 55_000)
    assert (run.our_count, run.our_total, run.matched_count, run.difference_count) == (2, 160_000, 1, 3)
    assert _differences("vnpay") == {
        ("missing_ours", day_of_vnpay["unheard"].reference, None, 90_000),
        ("missing_ours", "GC251120ZZZZZZ", None, 55_000),
        ("missing_theirs", "GC251120MANUAL", 40_000, None),
    }
    unheard = ReconciliationDifference.objects.get(reference=day_of_vnpay["unheard"].reference)
    assert unheard.account == day_of_vnpay["b"] and unheard.unit_id == day_of_vnpay["b"].unit_id
    assert ReconciliationDifference.objects.get(reference="GC251120ZZZZZZ").unit_id is None


def test_rerunning_changes_nothing_and_a_resolved_difference_stays_resolved(day_of_vnpay, world):
    reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",))
    manual = ReconciliationDifference.objects.get(reference="GC251120MANUAL")
    clerk = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    reconciliation.difference_resolve(
        difference=manual, by=clerk, now=NOW, note="thu tại quầy, ghi nhầm kênh"
    )
    reconciliation.reconcile_day(day=DAY, now=NOW + dt.timedelta(hours=1), channels=("vnpay",))
    assert ReconciliationRun.objects.count() == 1 and ReconciliationDifference.objects.count() == 3
    manual.refresh_from_db()
    assert manual.status == "resolved" and manual.note == "thu tại quầy, ghi nhầm kênh"


def test_money_the_gateway_has_is_recorded_by_asking_the_gateway_again(day_of_vnpay, world):
    reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",))
    unheard = ReconciliationDifference.objects.get(reference=day_of_vnpay["unheard"].reference)
    clerk = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    assert reconciliation.difference_record_from_gateway(difference=unheard, by=clerk, now=NOW) is True
    assert Payment.objects.get(reference=day_of_vnpay["unheard"].reference).amount == 90_000
    unheard.refresh_from_db()
    assert unheard.status == "resolved"
    (run,) = reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",))
    assert run.matched_count == 2


def test_staff_of_another_team_see_and_change_nothing(day_of_vnpay, world):
    reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",))
    outsider = staff(unit=world["teams"][1], role=StaffRole.MANAGER)
    assert not reconciliation.open_differences(user=outsider).exists()
    unheard = ReconciliationDifference.objects.get(reference=day_of_vnpay["unheard"].reference)
    unknown = ReconciliationDifference.objects.get(reference="GC251120ZZZZZZ")
    for difference in (unheard, unknown):
        with pytest.raises(AccessDenied):
            reconciliation.difference_resolve(difference=difference, by=outsider, now=NOW, note="x")
    team_a = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    assert set(reconciliation.open_differences(user=team_a).values_list("reference", flat=True)) == {
        unheard.reference,
        "GC251120MANUAL",
    }  # the unknown one is the company's
    company = staff(unit=world["company"], role=StaffRole.OPERATOR)
    assert reconciliation.open_differences(user=company).count() == 3
    assert ReconciliationDifference.objects.filter(status="open").count() == 3


def test_a_forged_daily_list_is_refused_and_the_day_left_alone(day_of_vnpay, settings):
    settings.GRIDCARE_VNPAY_HASH_SECRET = "another-secret"
    assert reconciliation.reconcile_day(day=DAY, now=NOW, channels=("vnpay",)) == []
    assert not ReconciliationRun.objects.exists()


def test_bank_statement_lines_against_bank_transfers_of_the_day(world):
    acct = factories.account(world)
    bill(acct, total=100_000, due_date=dt.date(2025, 11, 30))
    text = ("transaction_id,booked_on,amount,description,customer_code,payer\n"
            f"FT1,20/11/2025,100.000,tien dien {acct.code},,\nFT2,20/11/2025,30.000,khong ro,,\n")  # fmt: skip
    statements.statement_import(content=text.encode(), filename="vcb.csv", kind="bank", source="VCB", now=NOW)
    payment_record(channel="bank_transfer", reference="HAND-1", account=acct, amount=5_000, received_at=AT)
    (run,) = reconciliation.reconcile_day(day=DAY, now=NOW, channels=("bank_transfer",))
    assert (run.their_count, run.their_total, run.our_count, run.matched_count) == (2, 130_000, 2, 1)
    assert _differences("bank_transfer") == {("missing_ours", "VCB:FT2", None, 30_000),
                                             ("missing_theirs", "HAND-1", 5_000, None)}  # fmt: skip


def test_the_command_reconciles_a_day_and_says_so(day_of_vnpay, capsys):
    call_command("reconcile", "--day", "2025-11-20", "--channel", "vnpay", "--channel", "counter")
    out = capsys.readouterr().out
    assert "20/11/2025" in out and "chênh lệch 3" in out
    assert set(ReconciliationRun.objects.values_list("channel", flat=True)) == {"vnpay", "counter"}
