"""The history the demo's 2025 recognition lists read, which the demo's own runs do not reach back to.

- **Top energy savers** compare the campaign year's months with the same months a year before, so they need 24
  billed months; the demo bills only its last 12 (real bill runs, the slow part of `make demo`). A few hundred
  households get the invoices of 2024 and 2025 that a previous billing system issued (`LS…` numbers, each paid at the
  counter and allocated, so nobody owes them), chained to the index of their first demo bill. Some used clearly less
  in 2025 than in 2024, so the top-savers list has families to thank.
- **Demand response in 2025**: the demo's programme and events are of the current year. A 2025 programme of the same
  large customers, with their half-hourly data around one evening event in December 2025 (the 45 days the baseline
  looks back over), called and measured through the flexibility services like any event; its notices are marked
  as sent then (they are history, not news).

Everything is written in bulk: a few thousand rows, a second or two.
"""

import datetime as dt

import numpy as np
from django.db import transaction

from gridcare.billing.models import Bill
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import Account
from gridcare.flexibility import services as flexibility
from gridcare.flexibility.models import Enrolment, EventParticipant, Programme
from gridcare.metering.models import IntervalReading, MeterInstallation
from gridcare.notifications.models import OutboxMessage, OutboxStatus
from gridcare.payments.models import Allocation, Payment

LEGACY_PREFIX = "LS"
SAVER_HOUSEHOLDS = 240
DR_CODE = "DR-CT-2025"
DR_PARTICIPANTS = 20
LOOKBACK_DAYS = 45  # flexibility.services.LOOKBACK_DAYS: the baseline reads this many days before the event


def _month(year: int, month: int) -> dt.date:
    year, month = divmod(year * 12 + month - 1, 12)
    return dt.date(year, month + 1, 1)


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BUSINESS_TZ)


def saver_history_load(*, year: int, now: dt.datetime) -> int:
    """Invoices of `year - 1` and `year` (the months before each household's first demo bill), paid; returns the count."""
    if Bill.objects.filter(number__startswith=f"{LEGACY_PREFIX}{year - 1}").exists():
        return 0
    first_month = dt.date(year - 1, 1, 1)
    # Households whose meter has been in place since before the comparison, first billed by the demo after January of
    # the year before: the previous system billed every month up to their earliest demo invoice, whose opening index
    # the history chains back from.
    changed = MeterInstallation.objects.filter(installed_on__gte=first_month).values("account_id")
    firsts = (
        Bill.objects.filter(kind=Bill.Kind.INVOICE, account__purpose="residential", account__status=Account.Status.ACTIVE,
                            period__gt=first_month)
        .exclude(account_id__in=changed).exclude(status=Bill.Status.CANCELLED)
        .order_by("account_id", "period").values_list("account_id", "period", "start_date", "start_index", "kwh")
    )  # fmt: skip
    earliest: dict[int, tuple] = {}
    for account_id, period, start_date, start_index, kwh in firsts:
        earliest.setdefault(account_id, (period, start_date, start_index, kwh))
    chosen = sorted(earliest)[:SAVER_HOUSEHOLDS]
    if not chosen:
        return 0
    rng = np.random.default_rng([year, 14])
    # The change from one year to the next: most families about the same (±6 %), one in four saving 12–30 %.
    change = np.where(
        rng.random(len(chosen)) < 0.25,
        -rng.uniform(0.12, 0.30, len(chosen)),
        rng.uniform(-0.06, 0.06, len(chosen)),
    )
    season = np.array(
        [0.85, 0.82, 0.95, 1.15, 1.25, 1.2, 1.1, 1.05, 1.0, 0.95, 0.9, 0.88]
    )  # the hot months use more
    bills, payments = [], []
    for n, account_id in enumerate(chosen):
        period, start_date, start_index, kwh = earliest[account_id]
        months = [
            m for m in (_month(first_month.year, first_month.month + i) for i in range(36)) if m < period
        ]
        base = max(int(kwh), 60) / season[(period.month - 1) % 12]
        usage = [max(20, round(base * season[m.month - 1] * (1 + change[n] if m.year == year else 1) * rng.uniform(0.95, 1.05)))
                 for m in months]  # fmt: skip
        end_index, end_date = int(start_index), start_date
        rows = []
        for m, used in zip(reversed(months), reversed(usage), strict=True):
            begin = end_date - dt.timedelta(days=30)
            subtotal = used * 2_100
            vat = round(subtotal * 0.08)
            issued = _local(end_date + dt.timedelta(days=2), 9)
            rows.append(Bill(
                number=f"{LEGACY_PREFIX}{m:%Y%m}-{account_id:09d}", account_id=account_id, period=m, status=Bill.Status.ISSUED,
                start_date=begin, end_date=end_date, days=30, start_index=end_index - used, end_index=end_index, kwh=used,
                subtotal=subtotal, vat=vat, total=subtotal + vat, created_at=issued, issued_at=issued,
            ))  # fmt: skip
            end_index, end_date = end_index - used, begin
        if end_index < 0:  # an index that would go below zero: this household is left out
            continue
        bills += rows
    with transaction.atomic():
        created = Bill.objects.bulk_create(bills, batch_size=2000)
        numbers = {
            b.number: b
            for b in Bill.objects.filter(number__in=[b.number for b in created]).only(
                "pk", "number", "total", "account_id", "issued_at"
            )
        }
        for bill in numbers.values():
            paid = bill.issued_at + dt.timedelta(days=6)
            payments.append(Payment(account_id=bill.account_id, channel="counter", reference=f"{LEGACY_PREFIX}-{bill.number}",
                                    amount=bill.total, received_at=paid, recorded_at=paid, note="Hệ thống hoá đơn cũ"))  # fmt: skip
        Payment.objects.bulk_create(payments, batch_size=2000)
        by_reference = dict(
            Payment.objects.filter(reference__startswith=f"{LEGACY_PREFIX}-").values_list("reference", "pk")
        )
        Allocation.objects.bulk_create(
            (Allocation(payment_id=by_reference[f"{LEGACY_PREFIX}-{b.number}"], bill_id=b.pk, amount=b.total,
                        created_at=b.issued_at + dt.timedelta(days=6)) for b in numbers.values()),
            batch_size=2000,
        )  # fmt: skip
    return len(bills)


def demand_response_history_load(*, admin, company, year: int, now: dt.datetime) -> int:
    """A `year` programme of the demo's large customers with one measured evening event in December; returns its
    participants (0 when it exists or no large customer has a smart meter)."""
    if Programme.objects.filter(code=DR_CODE).exists():
        return 0
    day = dt.date(year, 12, 4)  # a Thursday
    first = day - dt.timedelta(days=LOOKBACK_DAYS)
    recent = IntervalReading.objects.values("meter_id")  # the demo's smart meters (they have 30-minute data)
    installations = list(
        MeterInstallation.objects.filter(removed_on__isnull=True, meter_id__in=recent, installed_on__lte=first)
        .exclude(account__purpose="residential").order_by("account__code").values_list("account_id", "meter_id")[:DR_PARTICIPANTS]
    )  # fmt: skip
    if not installations:
        return 0
    rng = np.random.default_rng([year, 15])
    days = (day - first).days + 1
    hours = (np.arange(48) / 2)[None, None, :]
    base = rng.uniform(40_000, 90_000, len(installations))[:, None, None]  # Wh per half-hour in working hours
    weekday = np.array([(first + dt.timedelta(days=d)).weekday() < 6 for d in range(days)])[None, :, None]
    shape = np.where((hours >= 7) & (hours < 21), 1.0, 0.35) * np.where(weekday, 1.0, 0.6)
    wh = base * shape * np.exp(0.05 * rng.standard_normal((len(installations), days, 48)))
    # On the event's evening (18:00–20:00) those who took part cut 20–40 % of their load.
    taking_part = np.arange(len(installations)) % 5 != 4
    wh[taking_part, -1, 36:40] *= rng.uniform(0.6, 0.8, (int(taking_part.sum()), 1))
    wh = np.rint(wh).astype(np.int64)
    start = _local(first, 0)
    with transaction.atomic():
        IntervalReading.objects.bulk_create(
            (IntervalReading(meter_id=meter, start=start + dt.timedelta(minutes=30 * i), energy_wh=int(v))
             for (_account, meter), row in zip(installations, wh.reshape(len(installations), -1), strict=True)
             for i, v in enumerate(row)),
            batch_size=5000, ignore_conflicts=True,
        )  # fmt: skip
        programme = flexibility.programme_define(
            user=admin, unit=company, code=DR_CODE, now=now, name=f"Điều chỉnh phụ tải khách hàng lớn Cần Thơ {year}",
            purpose=Programme.Purpose.SHIFT, eligible_purposes=["production", "business", "administrative", "public_service"],
            min_annual_kwh=1_000_000, requires_interval_meter=True, notice_minutes=30, baseline_method="caiso-10-in-10",
            baseline_parameters={}, delivered_rule=Programme.Delivered.REDUCTION_AND_SHIFT, recognition_min_kwh=30,
            recognition_text="Cảm ơn Quý khách đã đồng hành cùng ngành điện giữ an toàn cung cấp điện mùa cao điểm.",
            active_from=dt.date(year, 1, 1), active_to=dt.date(year + 1, 1, 1),
        )  # fmt: skip
        commitment = 20 + (np.arange(len(installations)) * 7) % 40
        Enrolment.objects.bulk_create(
            Enrolment(
                programme=programme, account_id=a, commitment_kw=int(kw), enrolled_on=dt.date(year, 3, 1)
            )
            for (a, _meter), kw in zip(installations, commitment, strict=True)
        )
        event = flexibility.event_call(user=admin, programme=programme, name="Giảm phụ tải cao điểm tối", starts_at=_local(day, 18),
                                       ends_at=_local(day, 20), target_kw=int(commitment.sum() * 0.8), now=_local(day, 8))  # fmt: skip
        for n, participant in enumerate(event.participants.order_by("account_id")):
            response = (
                EventParticipant.Response.ACKNOWLEDGED
                if taking_part[n]
                else EventParticipant.Response.OPTED_OUT
            )
            flexibility.participant_respond(
                participant=participant, response=response, channel="portal", now=_local(day, 9)
            )
        flexibility.event_results_compute(user=admin, event=event, now=_local(day + dt.timedelta(days=1), 8))
        OutboxMessage.objects.filter(notice__key=f"dr-event-{event.pk}").update(
            status=OutboxStatus.SENT, sent_at=_local(day, 8)
        )
    return len(installations)
