"""Demo data of the day-to-day operations added on top of the areas' own stages:

- outages: a planned outage announced a week ago whose start has come, started by the clock
  (`outages.services.outages_start_due`), and one still under way past its expected end (overdue);
- service desk: hotline requests (one an ordinary call, one "no power" under the open incident, linked to it);
- payments: a refund done and one pending, and a VNPAY reconciliation day with two differences.

A few rows, written through the services where they exist (a few queries each), after the other stages.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import Account
from gridcare.demo import selectors
from gridcare.network.models import TransformerStation
from gridcare.outages import services as outage_services
from gridcare.outages.models import Outage, OutageStatus
from gridcare.payments.models import (
    Channel,
    Payment,
    PaymentOrder,
    PaymentReversal,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
)
from gridcare.payments.services import PaymentError, payment_reverse
from gridcare.servicedesk import services as desk
from gridcare.servicedesk.models import RequestType


def _staff():
    return get_user_model().objects.filter(username="vanhanh.ninhkieu").first()


def demo_operations_load(*, now: dt.datetime) -> int:
    """Load the rows above (skipped when there is nothing to build on); returns how many were made."""
    made = _outages_started_by_the_clock(now=now)
    made += _hotline_requests(now=now)
    made += _refunds(now=now)
    made += _reconciliation_day(now=now)
    return made


def _outages_started_by_the_clock(*, now: dt.datetime) -> int:
    used = Outage.objects.filter(transformer_stations__isnull=False).values("transformer_stations")
    stations = list(
        TransformerStation.objects.filter(customer_owned=False).exclude(pk__in=used)
        .annotate(points=Count("service_points")).filter(points__gt=0).order_by("-points", "pk")[:2]
    )  # fmt: skip
    if len(stations) < 2:
        return 0
    starts = (now - dt.timedelta(hours=1), now - dt.timedelta(hours=6))
    for station, start, hours, reason in zip(
        stations, starts, (4, 3), ("nâng cấp lưới hạ thế", "thay cáp ngầm"), strict=True
    ):
        start = start.replace(minute=0, second=0, microsecond=0)
        announced = start - dt.timedelta(days=7)
        outage = outage_services.outage_plan(
            unit=station.unit, place=f"khu vực trạm {station.name}", reason=reason, crew="Tổ thi công số 2",
            scheduled_start=start, scheduled_end=start + dt.timedelta(hours=hours), transformer_stations=[station],
            by=None, now=announced,
        )  # fmt: skip
        outage_services.outage_publish(outage=outage, by=None, now=announced)
    # The clock's task: both move to "under way" at their planned start; the second is past its expected end.
    return outage_services.outages_start_due(now=now)


def _hotline_requests(*, now: dt.datetime) -> int:
    logins = selectors.demo_login_accounts()
    made = 0
    household = logins.get("household")
    if household is not None:
        try:
            desk.request_open(account=household, request_type=RequestType.objects.get(code="meter-check"), now=now,
                              description="Khách gọi tổng đài: công tơ chạy nhanh bất thường từ đầu tháng.",
                              fields={"contact_phone": household.phone or "0912345678"}, channel="hotline")  # fmt: skip
            made += 1
        except desk.ServiceDeskError:
            pass
    incident = Outage.objects.filter(kind="incident", status=OutageStatus.IN_PROGRESS).order_by("pk").first()
    if incident is not None:
        station = incident.transformer_stations.order_by("pk").first()
        caller = (Account.objects.filter(service_points__transformer_station=station).exclude(status=Account.Status.CLOSED)
                  .exclude(service_requests__request_type__code="no-power").order_by("-pk").first()) if station else None  # fmt: skip
        if caller is not None:
            try:
                desk.request_open(account=caller, request_type=RequestType.objects.get(code="no-power"), now=now,
                                  description="Khách gọi tổng đài: nhà mất điện.", channel="hotline",
                                  fields={"contact_phone": caller.phone or "0912345678"})  # fmt: skip
                made += 1
            except desk.ServiceDeskError:
                pass
    return made


def _refunds(*, now: dt.datetime) -> int:
    paid = list(
        Payment.objects.filter(channel=Channel.VNPAY)
        .exclude(reversals__isnull=False)
        .order_by("-received_at", "pk")[:2]
    )
    if len(paid) < 2:
        return 0
    clerk = _staff()
    done, pending = paid
    amount = min(done.amount, 20_000)
    try:
        reversal, _new = payment_reverse(payment=done, kind=PaymentReversal.Kind.REFUND, amount=amount,
                                         reference="refund:RFDEMO000001", reason="Khách nộp trùng qua VNPAY",
                                         now=now - dt.timedelta(days=1), user=clerk)  # fmt: skip
    except PaymentError:
        return 0
    Refund.objects.bulk_create([
        Refund(payment=done, account_id=done.account_id, channel=done.channel, amount=amount, reason=reversal.reason,
               request_key="demo-1", reference="RFDEMO000001", status=Refund.Status.DONE, gateway_reference="15000001",
               result_code="00", result_message="Refund success", created_at=now - dt.timedelta(days=1),
               created_by=clerk, settled_at=now - dt.timedelta(days=1), reversal=reversal, attempts=1),
        Refund(payment=pending, account_id=pending.account_id, channel=pending.channel, amount=min(pending.amount, 15_000),
               reason="Tính sai tiền điện kỳ trước, hoàn phần chênh", request_key="demo-2", reference="RFDEMO000002",
               status=Refund.Status.PENDING, result_code="gateway_unreach", result_message="Chưa kết nối được VNPAY",
               created_at=now - dt.timedelta(hours=2), created_by=clerk, attempts=1),
    ])  # fmt: skip
    return 2


def _reconciliation_day(*, now: dt.datetime) -> int:
    day = now.astimezone(BUSINESS_TZ).date() - dt.timedelta(days=1)
    runs = []  # the bank and counter days are left to `gridcare reconcile` (the demo's transfers have no statement)
    # VNPAY's list for yesterday (the sandbox is not running while the demo is built): one transaction VNPAY
    # counts that never reached us (its order expired without a callback) and one amount that differs.
    household = selectors.demo_login_accounts().get("household")
    some = (
        Payment.objects.filter(channel=Channel.VNPAY)
        .select_related("account")
        .order_by("-received_at", "pk")
        .first()
    )
    if household is None or some is None:
        return len(runs)
    at = dt.datetime.combine(day, dt.time(19, 42), tzinfo=BUSINESS_TZ)
    order = PaymentOrder.objects.create(reference=f"GC{day:%y%m%d}DEMO01", gateway=Channel.VNPAY, account=household,
                                        amount=185_000, status=PaymentOrder.Status.EXPIRED, created_at=at,
                                        expires_at=at + dt.timedelta(minutes=15), settled_at=at + dt.timedelta(minutes=20))  # fmt: skip
    run = ReconciliationRun.objects.create(channel=Channel.VNPAY, day=day, ran_at=now, source="VNPAY: 3",
                                           their_count=3, their_total=185_000 + some.amount + 1_000 + 240_000,
                                           our_count=2, our_total=some.amount + 240_000, matched_count=1,
                                           difference_count=2)  # fmt: skip
    ReconciliationDifference.objects.bulk_create([
        ReconciliationDifference(run=run, channel=Channel.VNPAY, day=day, kind=ReconciliationDifference.Kind.MISSING_OURS,
                                 reference=order.reference, gateway_transaction="14999871", their_amount=185_000,
                                 account=household, unit_id=household.unit_id),
        ReconciliationDifference(run=run, channel=Channel.VNPAY, day=day, kind=ReconciliationDifference.Kind.AMOUNT,
                                 reference=some.reference, gateway_transaction=some.gateway_transaction or "14999872",
                                 our_amount=some.amount, their_amount=some.amount + 1_000, account=some.account,
                                 unit_id=some.account.unit_id),
    ])  # fmt: skip
    return len(runs) + 1
