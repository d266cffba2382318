"""Reminders before the due date, arrears notices after it, then the disconnection warning: once per bill and stage."""

import datetime as dt

import pytest

from gridcare.notifications.models import Notice, OutboxMessage
from gridcare.notifications.rendering import render, template_find
from gridcare.payments import reminders, services
from gridcare.payments.models import PaymentReminder
from tests import factories
from tests.payments.builders import NOW, bill

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, settings):
    settings.GRIDCARE_PAYMENT_REMINDER_DAYS_BEFORE = 3
    settings.GRIDCARE_ARREARS_NOTICE_DAYS_AFTER = 1
    settings.GRIDCARE_DISCONNECTION_WARNING_DAYS_AFTER_NOTICE = 7
    late = factories.account(world, email="late@example.vn")
    paid = factories.account(world, email="paid@example.vn")
    late_bill = bill(late, total=300_000, due_date=dt.date(2025, 8, 10))
    paid_bill = bill(paid, total=100_000, due_date=dt.date(2025, 8, 10))
    services.payment_record(channel="counter", reference="P1", account=paid, amount=100_000, received_at=NOW)
    return late, paid, late_bill, paid_bill


def _stages():
    return sorted(PaymentReminder.objects.values_list("bill__account__email", "stage", "sent_on", "amount"))


def test_each_stage_reaches_only_the_unpaid_bill_once(setup):
    late, paid, late_bill, _ = setup
    assert reminders.payment_reminders_send(today=dt.date(2025, 8, 6), now=NOW) == {
        "disconnection_warning": 0, "overdue": 0, "due_soon": 0}  # fmt: skip
    reminders.payment_reminders_send(today=dt.date(2025, 8, 7), now=NOW)  # 3 days before 10/08
    reminders.payment_reminders_send(today=dt.date(2025, 8, 7), now=NOW)  # again: nothing new
    assert _stages() == [("late@example.vn", "due_soon", dt.date(2025, 8, 7), 300_000)]
    services.payment_record(channel="counter", reference="P2", account=late, amount=100_000, received_at=NOW)
    reminders.payment_reminders_send(today=dt.date(2025, 8, 11), now=NOW)  # a day after the due date
    reminders.payment_reminders_send(
        today=dt.date(2025, 8, 17), now=NOW
    )  # six days after the notice: not yet
    reminders.payment_reminders_send(today=dt.date(2025, 8, 18), now=NOW)
    reminders.payment_reminders_send(today=dt.date(2025, 8, 25), now=NOW)
    assert _stages() == [
        ("late@example.vn", "disconnection_warning", dt.date(2025, 8, 18), 200_000),
        ("late@example.vn", "due_soon", dt.date(2025, 8, 7), 300_000),
        ("late@example.vn", "overdue", dt.date(2025, 8, 11), 200_000),
    ]
    assert sorted(Notice.objects.values_list("template_key", flat=True)) == ["disconnection_warning", "payment_due_soon",
                                                                             "payment_overdue"]  # fmt: skip
    assert set(OutboxMessage.objects.values_list("account_id", flat=True)) == {late.pk}


def test_a_missed_day_is_caught_up_without_telling_of_a_stage_already_past(setup):
    reminders.payment_reminders_send(today=dt.date(2025, 8, 14), now=NOW)
    assert [s[1] for s in _stages()] == ["overdue"]


def test_the_message_is_in_the_customers_language_with_the_amount_owed(setup, settings):
    late, *_ = setup
    late.preferred_language = "fr"
    late.save()
    reminders.payment_reminders_send(today=dt.date(2025, 8, 11), now=NOW)
    message = OutboxMessage.objects.get(account=late, channel="email")
    assert message.context == {"amount": {"vnd": 300_000}}
    notice = message.notice
    template = template_find(key=notice.template_key, channel="email", language="fr")
    text = render(
        template=template,
        context={**notice.context, **message.context, "customer_code": late.code},
        language="fr",
    ).body
    assert "impayés" in text and "300" in text and "11/08/2025" not in text and "10/08/2025" in text
