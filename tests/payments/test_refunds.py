"""Refunds through the sandbox gateways' refund APIs (VNPAY `refund`, ZaloPay `/v2/refund`), over real HTTP."""

import datetime as dt

import pytest

from gridcare.core.models import AuditEntry
from gridcare.org.models import StaffRole
from gridcare.org.policy import AccessDenied
from gridcare.payments import refunds, selectors
from gridcare.payments.models import PaymentReversal, Refund
from gridcare.payments.services import PaymentError
from tests import factories
from tests.backoffice.builders import staff
from tests.payments.builders import bill
from tests.payments.paid import paid_through

NOW = dt.datetime(2025, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def paid(world, gateways):
    acct = factories.account(world)
    owed = bill(acct, total=200_000, due_date=dt.date(2025, 11, 30))
    _order, payment = paid_through(gateways, acct, gateway="vnpay", amount=200_000, paid_at=NOW)
    clerk = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    return acct, owed, payment, clerk


def _owed(acct):
    return selectors.account_balance(account=acct, today=dt.date(2025, 11, 21)).due


def test_a_vnpay_refund_is_done_when_vnpay_confirms_and_the_bill_is_owed_again(paid, gateways):
    acct, owed, payment, clerk = paid
    assert _owed(acct) == 0
    refund = refunds.refund_request(
        payment=payment, amount=200_000, reason="thu trùng", by=clerk, now=NOW, request_key="k1"
    )
    assert refund.status == Refund.Status.DONE and refund.result_code == "00"
    reversal = PaymentReversal.objects.get(payment=payment)
    assert refund.reversal == reversal and reversal.kind == "refund" and reversal.amount == 200_000
    assert _owed(acct) == 200_000
    assert gateways.refunds[refund.reference]["amount"] == 200_000  # the gateway got the signed request
    assert AuditEntry.objects.filter(object_type="payments.refund", object_id=str(refund.pk)).exists()


def test_the_same_request_key_is_the_same_refund_and_asks_nothing_again(paid, gateways):
    _acct, _owed_bill, payment, clerk = paid
    first = refunds.refund_request(
        payment=payment, amount=50_000, reason="giảm trừ", by=clerk, now=NOW, request_key="same"
    )
    again = refunds.refund_request(
        payment=payment, amount=50_000, reason="giảm trừ", by=clerk, now=NOW, request_key="same"
    )
    assert first.pk == again.pk and len(gateways.refunds) == 1
    assert PaymentReversal.objects.filter(payment=payment).count() == 1
    with pytest.raises(PaymentError) as too_much:
        refunds.refund_request(
            payment=payment, amount=150_001, reason="x", by=clerk, now=NOW, request_key="other"
        )
    assert too_much.value.code == "exceeds_payment"


def test_a_forged_vnpay_answer_is_refused_and_the_refund_stays_pending_without_a_ledger_entry(paid, gateways):
    _acct, _bill, payment, clerk = paid
    gateways.refund_mode = "forge"
    refund = refunds.refund_request(
        payment=payment, amount=200_000, reason="x", by=clerk, now=NOW, request_key="f"
    )
    assert refund.status == Refund.Status.PENDING and refund.result_code == "gateway_bad_signature"[:16]
    assert not PaymentReversal.objects.exists()
    # Asked again once the gateway answers genuinely: the same request id, done once.
    gateways.refund_mode = "approve"
    assert refunds.refund_ask(refund=refund, now=NOW) == Refund.Status.DONE
    assert refunds.refund_ask(refund=refund, now=NOW) == Refund.Status.DONE
    assert PaymentReversal.objects.filter(payment=payment).count() == 1


def test_a_replayed_answer_about_another_transaction_is_refused(paid, gateways):
    _acct, _bill, payment, clerk = paid
    gateways.refund_mode = "replay"
    refund = refunds.refund_request(
        payment=payment, amount=10_000, reason="x", by=clerk, now=NOW, request_key="r"
    )
    assert refund.status == Refund.Status.PENDING and refund.result_code == "gateway_mismatch"
    assert not PaymentReversal.objects.exists()


def test_a_declined_refund_fails_and_changes_nothing(paid, gateways):
    acct, _bill, payment, clerk = paid
    gateways.refund_mode = "decline"
    refund = refunds.refund_request(
        payment=payment, amount=10_000, reason="x", by=clerk, now=NOW, request_key="d"
    )
    assert refund.status == Refund.Status.FAILED and refund.result_code == "95"
    assert not PaymentReversal.objects.exists() and _owed(acct) == 0


def test_a_zalopay_refund_processing_is_done_after_the_query(world, gateways):
    acct = factories.account(world)
    _order, payment = paid_through(gateways, acct, gateway="zalopay", amount=80_000, paid_at=NOW)
    clerk = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    gateways.refund_mode = "processing"
    refund = refunds.refund_request(
        payment=payment, amount=30_000, reason="tính sai", by=clerk, now=NOW, request_key="z"
    )
    assert refund.status == Refund.Status.PENDING and refund.result_code == "3"
    assert refund.reference.startswith("251120_2553_")  # yymmdd_appid_xxx
    assert not PaymentReversal.objects.exists()
    gateways.refund_mode = "approve"  # ZaloPay has finished processing
    assert refunds.refund_ask(refund=refund, now=NOW, query=True) == Refund.Status.DONE
    assert PaymentReversal.objects.get(payment=payment).amount == 30_000


def test_a_staff_member_of_another_team_or_a_viewer_refunds_nothing(paid, world, gateways):
    _acct, _bill, payment, _clerk = paid
    for outsider in (
        staff(unit=world["teams"][1], role=StaffRole.MANAGER),
        staff(unit=world["teams"][0], role=StaffRole.VIEWER),
    ):
        with pytest.raises(AccessDenied):
            refunds.refund_request(
                payment=payment, amount=1_000, reason="x", by=outsider, now=NOW, request_key="o"
            )
    assert not Refund.objects.exists() and not gateways.refunds


def test_a_counter_payment_is_not_refunded_through_a_gateway(world, gateways):
    from gridcare.payments.services import payment_record

    acct = factories.account(world)
    payment, _new = payment_record(
        channel="counter", reference="Q-1", account=acct, amount=10_000, received_at=NOW
    )
    clerk = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    with pytest.raises(PaymentError) as refused:
        refunds.refund_request(payment=payment, amount=10_000, reason="x", by=clerk, now=NOW, request_key="c")
    assert refused.value.code == "refund_not_by_gateway"
