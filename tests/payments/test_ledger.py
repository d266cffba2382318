"""The ledger: recorded once per (channel, reference), allocated oldest due first, bounded by the database."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from gridcare.billing.models import Bill
from gridcare.payments import ledger_triggers, selectors, services
from gridcare.payments.models import Allocation, Payment, PaymentReversal
from tests import factories
from tests.payments.builders import NOW, bill

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 8, 1)


def _allocated(b):
    return selectors.bill_paid_amount(bill=b)


@pytest.fixture
def acct(world):
    return factories.account(world)


def test_the_same_reference_is_recorded_once_and_a_replay_changes_nothing(acct):
    b = bill(acct, total=300_000, due_date=dt.date(2025, 8, 10))
    first, new = services.payment_record(
        channel="vnpay", reference="T1", account=acct, amount=100_000, received_at=NOW
    )
    again, new_again = services.payment_record(channel="vnpay", reference="T1", account=acct, amount=999_999,
                                               received_at=NOW)  # fmt: skip
    assert new and not new_again and again.pk == first.pk and again.amount == 100_000
    assert Payment.objects.count() == 1 and _allocated(b) == 100_000
    # The same reference on another channel is another transaction.
    _other, other_new = services.payment_record(channel="zalopay", reference="T1", account=acct, amount=5_000,
                                                received_at=NOW)  # fmt: skip
    assert other_new and _allocated(b) == 105_000


def test_a_payment_pays_the_oldest_due_bill_first_and_partly_the_next(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    august = bill(acct, total=200_000, due_date=dt.date(2025, 8, 10))
    services.payment_record(channel="counter", reference="Q1", account=acct, amount=150_000, received_at=NOW)
    assert (_allocated(july), _allocated(august)) == (100_000, 50_000)
    balance = selectors.account_balance(account=acct, today=TODAY)
    assert (balance.due, balance.overdue, balance.credit) == (150_000, 0, 0)
    assert [(d.bill.pk, d.outstanding) for d in balance.bills] == [(august.pk, 150_000)]


def test_named_bills_are_paid_first(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    august = bill(acct, total=200_000, due_date=dt.date(2025, 8, 10))
    services.payment_record(
        channel="vnpay", reference="Q2", account=acct, amount=250_000, received_at=NOW, bills=[august]
    )
    assert (_allocated(july), _allocated(august)) == (50_000, 200_000)
    balance = selectors.account_balance(account=acct, today=TODAY)
    assert (balance.due, balance.overdue) == (50_000, 50_000)  # July's rest is past its due date


def test_an_overpayment_stays_as_credit_and_pays_the_next_bill(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    services.payment_record(
        channel="bank_transfer", reference="FT1", account=acct, amount=180_000, received_at=NOW
    )
    assert _allocated(july) == 100_000
    assert selectors.account_balance(account=acct, today=TODAY).credit == 80_000
    august = bill(acct, total=200_000, due_date=dt.date(2025, 8, 10))
    # Before allocation the balance already counts the credit; then allocation makes it so, once.
    balance = selectors.account_balance(account=acct, today=TODAY)
    assert (balance.due, balance.credit) == (120_000, 0)
    assert services.payments_allocate(accounts=[acct], now=NOW) == 80_000
    assert services.payments_allocate(accounts=[acct], now=NOW) == 0
    assert _allocated(august) == 80_000
    assert selectors.account_balance(account=acct, today=TODAY).due == 120_000


def test_money_on_a_cancelled_bill_moves_to_the_bill_that_replaced_it(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    services.payment_record(channel="counter", reference="Q3", account=acct, amount=100_000, received_at=NOW)
    Bill.objects.filter(pk=july.pk).update(status=Bill.Status.CANCELLED)
    replacement = bill(acct, total=90_000, due_date=dt.date(2025, 7, 20), period=july.period)
    services.payments_allocate(accounts=[acct.pk], now=NOW)
    assert (_allocated(july), _allocated(replacement)) == (0, 90_000)
    assert selectors.account_balance(account=acct, today=TODAY).credit == 10_000
    assert (
        Allocation.objects.filter(amount__lt=0, reason="bill_cancelled").count() == 1
    )  # released, never edited


def test_a_reversal_releases_allocations_and_the_bill_is_owed_again(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    payment, _ = services.payment_record(
        channel="vnpay", reference="R1", account=acct, amount=120_000, received_at=NOW
    )
    refund, new = services.payment_reverse(payment=payment, kind="refund", amount=20_000, reference="RF1",
                                           reason="trả lại tiền thừa", now=NOW)  # fmt: skip
    assert new and _allocated(july) == 100_000  # the refund took the credit only
    assert services.payment_reverse(payment=payment, kind="refund", amount=20_000, reference="RF1", reason="x",
                                    now=NOW)[1] is False  # fmt: skip
    services.payment_reverse(
        payment=payment, kind="reversal", amount=60_000, reference="CB1", reason="tra soát", now=NOW
    )
    assert _allocated(july) == 40_000
    assert selectors.account_balance(account=acct, today=TODAY).due == 60_000
    with pytest.raises(services.PaymentError):
        services.payment_reverse(
            payment=payment, kind="reversal", amount=40_001, reference="CB2", reason="x", now=NOW
        )
    assert PaymentReversal.objects.count() == 2


def test_the_database_refuses_allocating_more_than_a_payment_or_a_bill(acct):
    july = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10))
    august = bill(acct, total=100_000, due_date=dt.date(2025, 8, 10))
    payment = Payment.objects.create(channel="counter", reference="X", account=acct, amount=150_000, received_at=NOW,
                                     recorded_at=NOW)  # fmt: skip
    Allocation.objects.create(payment=payment, bill=july, amount=100_000, created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():  # beyond the payment
        Allocation.objects.create(payment=payment, bill=august, amount=50_001, created_at=NOW)
    other = Payment.objects.create(channel="counter", reference="Y", account=acct, amount=150_000, received_at=NOW,
                                   recorded_at=NOW)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():  # beyond the bill
        Allocation.objects.create(payment=other, bill=july, amount=1, created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():  # a bulk write of rows that together exceed it
        Allocation.objects.bulk_create(
            [Allocation(payment=other, bill=august, amount=60_000, created_at=NOW)] * 2
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:  # raw SQL too
        cursor.execute("INSERT INTO payments_allocation (payment_id, bill_id, amount, reason, created_at) "
                       "VALUES (%s, %s, %s, 'allocate', %s)", [other.pk, july.pk, 5, NOW])  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():  # releasing more than was allocated
        Allocation.objects.create(payment=other, bill=july, amount=-1, created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():  # a refund of more than the payment holds
        PaymentReversal.objects.create(payment=payment, kind="refund", amount=50_001, reference="r", reason="x",
                                       created_at=NOW)  # fmt: skip
    assert _allocated(july) == 100_000 and _allocated(august) == 0


def test_only_owed_bills_take_money_and_entries_are_never_edited(acct):
    held = bill(acct, total=100_000, due_date=dt.date(2025, 7, 10), status=Bill.Status.HELD)
    payment = Payment.objects.create(channel="counter", reference="Z", account=acct, amount=150_000, received_at=NOW,
                                     recorded_at=NOW)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(payment=payment, bill=held, amount=10, created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=1)
    owed = bill(acct, total=100_000, due_date=dt.date(2025, 8, 10))
    allocation = Allocation.objects.create(payment=payment, bill=owed, amount=10, created_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(amount=100_000)
    Payment.objects.filter(pk=payment.pk).update(note="ghi chú")  # what is not money may be annotated


def test_the_ledger_triggers_are_installed():
    assert {
        f"{ledger_triggers.PREFIX}_allocation",
        f"{ledger_triggers.PREFIX}_reversal",
    } <= ledger_triggers.installed()
