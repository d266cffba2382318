"""Writes of billing: bill runs (`billing.runs`, re-exported here), release of held bills, cancel and re-issue.

The jobs live in modules of one job each: `runs` (record, execute, plan and bill chunks of a run),
`runinputs` (what a chunk reads), `calculation` (pricing, no ORM), `billwrites` (bills, lines, skips and the
"bill ready" notices written). Callers keep importing the run's entry points from here.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridcare.billing.billwrites import bill_ready_notify, due_days_by_purpose, write_chunk
from gridcare.billing.calculation import bills_compute
from gridcare.billing.errors import BillingError
from gridcare.billing.invoices import invoice_numbers_assign, lookup_code
from gridcare.billing.models import Bill, BillLine, BillRun, BillRunSkip
from gridcare.billing.runinputs import load_single, month_add
from gridcare.billing.runs import (
    bill_run_chunk_execute,
    bill_run_chunks_stale,
    bill_run_create,
    bill_run_execute,
    bill_run_plan,
)
from gridcare.core.audit import audit_record, audit_records
from gridcare.core.formatting import local_date
from gridcare.tariffs import engine
from gridcare.tariffs.selectors import compiled_catalogue

__all__ = [
    "BillingError", "bill_cancel", "bill_release", "bill_reissue", "bill_run_chunk_execute", "bill_run_chunks_stale",
    "bill_run_create", "bill_run_execute", "bill_run_plan", "bills_release", "due_days_by_purpose",
]  # fmt: skip


def bill_release(*, bill: Bill, user: Any = None, now: dt.datetime) -> Bill:
    """Issue one bill held for review (staff checked it); refuses a bill that is not held."""
    with transaction.atomic():
        if not bills_release(bills=[bill.pk], user=user, now=now):
            raise BillingError("Chỉ phát hành được hoá đơn đang chờ kiểm tra.")
    return Bill.objects.get(pk=bill.pk)


@transaction.atomic
def bills_release(*, bills: QuerySet[Bill] | Iterable[int], user: Any = None, now: dt.datetime) -> int:
    """Issue every bill held for review among `bills` (a queryset or ids) at once; returns how many.

    One set-based UPDATE, one INSERT of audit entries and one "bill ready" notice per period (the notice's
    text names the period; a release is normally one run's period, so one notice), whatever the number of
    bills. The notice's key is made of the released bills, so a retry of the same release queues nothing twice.
    Bills that are not held (issued meanwhile, cancelled) are left as they are.
    """
    chosen = bills.values("pk") if isinstance(bills, QuerySet) else [int(pk) for pk in bills]
    held = Bill.objects.filter(pk__in=chosen, status=Bill.Status.HELD, kind=Bill.Kind.INVOICE)
    # Locked (the write lock on SQLite, IMMEDIATE transactions): the UPDATE below changes exactly these rows.
    rows = list(
        held.select_for_update()
        .order_by("period", "account_id", "pk")
        .values_list("pk", "account_id", "period", "total")
    )
    if not rows:
        return 0
    # The due date by each account's purpose: one UPDATE per purpose (five at most), never one per bill.
    today = local_date(now)
    delays = dict(zip(engine.PURPOSES, due_days_by_purpose().tolist(), strict=False))
    default = int(getattr(settings, "GRIDCARE_BILL_DUE_DAYS", 10))
    for purpose in sorted(set(held.values_list("account__purpose", flat=True).distinct())):
        due_on = today + dt.timedelta(days=delays.get(purpose, default))
        Bill.objects.filter(pk__in=held.filter(account__purpose=purpose).values("pk")).update(
            status=Bill.Status.ISSUED, issued_at=now, due_date=due_on
        )
    released = Bill.objects.filter(pk__in=[pk for pk, _a, _p, _t in rows])
    invoice_numbers_assign(bills=released, now=now)
    audit_records(action="update", object_type="billing.bill", user=user, reason="release", now=now,
                  changes=[(pk, {"status": "held"}, {"status": "issued"}) for pk, _a, _p, _t in rows])  # fmt: skip
    due_of = dict(released.values_list("pk", "due_date"))
    table = np.array([(pk, account, total) for pk, account, _p, total in rows], dtype=np.int64).reshape(-1, 3)
    groups = [(period, due_of[pk]) for pk, _a, period, _t in rows]
    for period, due in sorted(set(groups)):
        mine = np.array([g == (period, due) for g in groups])
        ids = table[mine, 0]
        digest = hashlib.sha256(ids.tobytes()).hexdigest()[:24]
        bill_ready_notify(account_ids=table[mine, 1], totals=table[mine, 2], period=period, due=due.isoformat(),
                           key=f"bill_ready:release:{period:%Y-%m}:{len(ids)}:{digest}", now=now)  # fmt: skip
    return len(rows)


@transaction.atomic
def bill_cancel(*, bill: Bill, reason: str, user: Any = None, now: dt.datetime) -> Bill | None:
    """Cancel a bill: an issued one by a credit note that refers to it (the same lines negated); returns the note.

    A bill held for review was never sent to the customer, so there is nothing to credit: it is only marked
    cancelled (audited, with the reason) and None is returned. Customers never see it (it was never issued).
    """
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    if bill.kind != Bill.Kind.INVOICE or bill.status == Bill.Status.CANCELLED:
        raise BillingError("Hoá đơn này đã huỷ hoặc không phải hoá đơn bán điện.")
    note = None
    if bill.status == Bill.Status.ISSUED:
        note = Bill.objects.create(
            number=f"DC-{bill.number}", kind=Bill.Kind.CREDIT_NOTE, account_id=bill.account_id, period=bill.period,
            run=None, status=Bill.Status.ISSUED, hold_reason=reason[:300], start_date=bill.start_date,
            end_date=bill.end_date, days=bill.days, start_index=bill.start_index, end_index=bill.end_index,
            households=bill.households, kwh=-bill.kwh, subtotal=-bill.subtotal, vat=-bill.vat, total=-bill.total,
            created_at=now, issued_at=now, refers_to=bill, lookup_code=lookup_code(number=f"DC-{bill.number}"),
        )  # fmt: skip
        invoice_numbers_assign(bills=Bill.objects.filter(pk=note.pk), now=now)
        BillLine.objects.bulk_create(
            BillLine(bill=note, position=line.position, part_from=line.part_from, part_to=line.part_to, tier=line.tier,
                     period=line.period, limit_kwh=line.limit_kwh, kwh=-line.kwh, unit_price=line.unit_price,
                     amount=-line.amount)
            for line in bill.lines.order_by("position")
        )  # fmt: skip
    Bill.objects.filter(pk=bill.pk).update(status=Bill.Status.CANCELLED)
    after = {"status": "cancelled", "credit_note": note.number if note else None}
    audit_record(action="update", object_type="billing.bill", object_id=bill.pk, before={"status": bill.status},
                 after=after, user=user, reason=reason)  # fmt: skip
    return note


def bill_reissue(*, bill: Bill, reason: str, user: Any = None, now: dt.datetime) -> Bill:
    """Cancel `bill` and bill its account again for the same period from the readings as they are now.

    Only that account is loaded; if it cannot be billed (no reading, no tariff, …) nothing changes and the
    reason is raised as a `BillingError`.
    """
    with transaction.atomic():
        bill_cancel(bill=bill, reason=reason, user=user, now=now)
        run = BillRun.objects.create(period=bill.period, route=None, created_at=now, accounts_total=1,
                                     created_by=user if getattr(user, "is_authenticated", False) else None)  # fmt: skip
        inputs = load_single(account_id=bill.account_id, run=run)
        # A first bill made at a cutover opened at the reading before its period: so does its re-issue.
        cutover = bool(bill.run_id and BillRun.objects.filter(pk=bill.run_id, cutover=True).exists())
        bills = bills_compute(
            inputs=inputs,
            period_first=run.period.toordinal(),
            period_next=month_add(run.period, 1).toordinal(),
            catalogue=compiled_catalogue(),
            cutover=cutover,
        )
        if set(bills.account_id.tolist()) - {bill.account_id}:
            raise BillingError(
                _("Dữ liệu lập lại hoá đơn lẫn khách hàng khác: không lập lại.")
            )  # a bug, never a bill
        if not len(bills.account_id):
            why = bills.skipped_reason[0] if bills.skipped_reason else BillRunSkip.Reason.NO_READING
            raise BillingError(
                _("Không lập lại được hoá đơn: %(reason)s.") % {"reason": BillRunSkip.Reason(why).label}
            )
        threshold = int(getattr(settings, "GRIDCARE_BILL_SHOCK_PERCENT", 30))
        write_chunk(run=run, bills=bills, inputs=inputs, now=now, threshold=threshold)
        BillRun.objects.filter(pk=run.pk).update(status=BillRun.Status.DONE, finished_at=now, accounts_done=1,
                                                 bills_created=len(bills.account_id))  # fmt: skip
        new = Bill.objects.get(run=run, account_id=bill.account_id)
        Bill.objects.filter(pk=new.pk).update(replaces=bill)
        new.refresh_from_db()
        return new
