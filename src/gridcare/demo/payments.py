"""Demo payments: every state a customer's money can be in, written set-based after the bill runs.

Bills before the latest month are past their due date and paid (one payment per account, on its channel); the
latest month's bill is, by account: paid (4 in 10), partly paid (2 in 10), paid with money left over as credit
(1 in 10), unpaid and overdue (2 in 10), unpaid and due soon (1 in 10).
"""

import datetime as dt

from django.db import transaction

from gridcare.billing.models import Bill
from gridcare.payments.models import Allocation, Channel, Payment

CHANNELS = (Channel.VNPAY, Channel.ZALOPAY, Channel.BANK_TRANSFER, Channel.COUNTER)
CREDIT = 50_000


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def demo_payments_load(*, today: dt.date, now: dt.datetime) -> int:
    """Record the demo's payments and allocations; returns the number of payments."""
    owed = Bill.objects.filter(kind=Bill.Kind.INVOICE, status=Bill.Status.ISSUED)
    if not owed.exists():
        return 0
    with transaction.atomic():
        rows = list(
            owed.order_by("account_id", "period", "pk").values_list("pk", "account_id", "period", "total")
        )
        by_account: dict[int, list] = {}
        for row in rows:
            by_account.setdefault(row[1], []).append(row)
        # Each account's latest bill is the one in play; the earlier ones were due weeks after their month.
        latest_ids = {bills[-1][0] for bills in by_account.values()}
        for period in {row[2] for row in rows}:
            owed.filter(period=period).exclude(pk__in=latest_ids).update(
                due_date=_next_month(period) + dt.timedelta(days=15)
            )
        overdue = [bills[-1][0] for a, bills in by_account.items() if a % 10 in (7, 8)]
        owed.filter(pk__in=overdue).update(due_date=today - dt.timedelta(days=5))
        payments, plans = [], []  # plans: (payment index, [(bill id, amount)])
        for account_id, bills in by_account.items():
            history, current = bills[:-1], bills[-1:]
            channel = CHANNELS[account_id % len(CHANNELS)]
            if history:
                paid_on = dt.datetime.combine(
                    _next_month(history[-1][2]) + dt.timedelta(days=7), dt.time(9), tzinfo=dt.UTC
                )
                payments.append(Payment(channel=channel, reference=f"DEMO-{account_id}-H", account_id=account_id,
                                        amount=sum(b[3] for b in history), received_at=paid_on, recorded_at=paid_on))  # fmt: skip
                plans.append([(b[0], b[3]) for b in history])
            kind = account_id % 10
            if current and kind <= 6 and current[0][3] > 0:
                bill_id, total = current[0][0], current[0][3]
                amount = max(1, {4: total // 2, 5: total // 3, 6: total + CREDIT}.get(kind, total))
                at = now - dt.timedelta(days=1 + kind)
                payments.append(Payment(channel=channel, reference=f"DEMO-{account_id}-C", account_id=account_id,
                                        amount=amount, received_at=at, recorded_at=at))  # fmt: skip
                plans.append([(bill_id, min(amount, total))])
        created = Payment.objects.bulk_create(payments, batch_size=2000)
        allocations = [Allocation(payment_id=p.pk, bill_id=bill_id, amount=amount, created_at=p.recorded_at)
                       for p, plan in zip(created, plans, strict=True) for bill_id, amount in plan if amount > 0]  # fmt: skip
        Allocation.objects.bulk_create(allocations, batch_size=5000)
    return len(created)
