"""Due-date reminders, arrears notices and the disconnection warning, once per bill and stage (a daily job).

Stages, each a setting (days):
- `due_soon`: GRIDCARE_PAYMENT_REMINDER_DAYS_BEFORE days before the due date, a bill still owed;
- `overdue` (arrears notice): GRIDCARE_ARREARS_NOTICE_DAYS_AFTER days after the due date;
- `disconnection_warning`: GRIDCARE_DISCONNECTION_WARNING_DAYS_AFTER_NOTICE days after the arrears notice, a
  bill still owed after the two notices before it (EVN's practice before cutting supply for debt).
A day missed (the job did not run) is caught up: each stage takes every bill past its day that has not had it.
Set-based: one query selects a stage's bills, one INSERT records them (the unique (bill, stage) is the
idempotency key), and one notice per due date tells the accounts, in their language, through `notify()`.
"""

import datetime as dt
import hashlib

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce

from gridcare.billing.models import Bill
from gridcare.core.bulk import bulk_insert
from gridcare.notifications.models import Topic
from gridcare.notifications.services import RecipientNumbers, notify
from gridcare.payments import selectors
from gridcare.payments.statements_models import PaymentReminder

TEMPLATES = {
    PaymentReminder.Stage.DUE_SOON: "payment_due_soon",
    PaymentReminder.Stage.OVERDUE: "payment_overdue",
    PaymentReminder.Stage.DISCONNECTION_WARNING: "disconnection_warning",
}


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _stage_bills(*, stage: str, today: dt.date):
    """(bill id, account id, due date, outstanding) of the owed bills that reached `stage` today and never had it."""
    owed = (
        Bill.objects.filter(selectors.OWED, due_date__isnull=False)
        .annotate(
            allocated=Coalesce(selectors._allocated_to_bill(), Value(0), output_field=BigIntegerField())
        )
        .annotate(outstanding=F("total") - F("allocated"))
        .filter(outstanding__gt=0)
        .exclude(Exists(PaymentReminder.objects.filter(bill=OuterRef("pk"), stage=stage)))
    )
    if stage == PaymentReminder.Stage.DUE_SOON:
        before = _days("GRIDCARE_PAYMENT_REMINDER_DAYS_BEFORE", 3)
        owed = owed.filter(due_date__lte=today + dt.timedelta(days=before), due_date__gte=today)
    elif stage == PaymentReminder.Stage.OVERDUE:
        owed = owed.filter(
            due_date__lte=today - dt.timedelta(days=_days("GRIDCARE_ARREARS_NOTICE_DAYS_AFTER", 1))
        )
    else:
        after = _days("GRIDCARE_DISCONNECTION_WARNING_DAYS_AFTER_NOTICE", 7)
        noticed = PaymentReminder.objects.filter(bill=OuterRef("pk"), stage=PaymentReminder.Stage.OVERDUE,
                                                 sent_on__lte=today - dt.timedelta(days=after))  # fmt: skip
        owed = owed.filter(Exists(noticed))
    return list(
        owed.order_by("due_date", "account_id", "pk").values_list(
            "pk", "account_id", "due_date", "outstanding"
        )
    )


@transaction.atomic
def payment_reminders_send(*, today: dt.date, now: dt.datetime) -> dict[str, int]:
    """Send every reminder due today (and any missed before); returns how many bills each stage reminded of."""
    sent: dict[str, int] = {}
    # The latest stage first, so that a bill one stage reaches today is not also told of an earlier one the same day.
    for stage in (
        PaymentReminder.Stage.DISCONNECTION_WARNING,
        PaymentReminder.Stage.OVERDUE,
        PaymentReminder.Stage.DUE_SOON,
    ):
        rows = _stage_bills(stage=stage, today=today)
        sent[stage.value] = len(rows)
        if not rows:
            continue
        bulk_insert(table=PaymentReminder._meta.db_table, columns=["bill_id", "account_id", "stage", "sent_on", "amount"],
                    rows=[(b, a, stage.value, today.isoformat(), left) for b, a, _d, left in rows])  # fmt: skip
        by_due: dict[dt.date, dict[int, int]] = {}
        for _bill, account, due, left in rows:
            per_account = by_due.setdefault(due, {})
            per_account[account] = per_account.get(account, 0) + left
        for due, per_account in sorted(by_due.items()):
            ids = np.array(sorted(per_account), dtype=np.int64)
            amounts = np.array([per_account[i] for i in ids.tolist()], dtype=np.int64)
            digest = hashlib.sha256(ids.tobytes()).hexdigest()[:16]
            notify(
                topic=Topic.PAYMENTS, template=TEMPLATES[stage], context={"due_on": {"date": due.isoformat()}},
                recipients=RecipientNumbers(account_ids=ids, numbers={"amount": ("vnd", amounts)}),
                key=f"{TEMPLATES[stage]}:{today.isoformat()}:{due.isoformat()}:{len(ids)}:{digest}", now=now,
            )  # fmt: skip
    return sent
