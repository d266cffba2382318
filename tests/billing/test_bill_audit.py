"""Bill cancellations and re-issues are audited by their services (bills carry no row triggers)."""

import datetime as dt

from django.contrib.auth import get_user_model

from gridcare.billing import services
from gridcare.billing.models import Bill
from gridcare.core.models import AuditEntry
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)


def _billed(world):
    acct = factories.account(world)
    factories.readings(acct, [1000, 1150, 1290, 1420, 1600, 1800, 1950])
    run = services.bill_run_create(
        period=dt.date(2025, 7, 1), route=world["routes"][world["teams"][0]], now=NOW
    )
    services.bill_run_execute(run=run, now=NOW)
    return Bill.objects.get(account=acct)


def test_a_cancellation_is_audited_with_who_and_why(world):
    bill = _billed(world)
    clerk = get_user_model().objects.create_user(username="clerk")
    note = services.bill_cancel(bill=bill, reason="sai chỉ số", user=clerk, now=NOW)
    entry = AuditEntry.objects.get(object_type="billing.bill", object_id=str(bill.pk))
    assert (entry.action, entry.actor, entry.reason) == ("update", clerk, "sai chỉ số")
    assert entry.before == {"status": bill.status, "credit_note": None}
    assert entry.after == {"status": "cancelled", "credit_note": note.number}


def test_a_reissue_is_audited_as_the_cancellation_of_the_old_bill(world):
    bill = _billed(world)
    clerk = get_user_model().objects.create_user(username="clerk")
    services.bill_reissue(bill=bill, reason="khách khiếu nại", user=clerk, now=NOW)
    entry = AuditEntry.objects.get(object_type="billing.bill", object_id=str(bill.pk))
    assert (entry.actor, entry.reason, entry.after["status"]) == (clerk, "khách khiếu nại", "cancelled")
    assert not AuditEntry.objects.filter(object_type__in=["billing.billline"]).exists()
