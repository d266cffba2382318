"""Demo demand response: a programme with the large customers, a past event with answers, results and recognition,
and an upcoming event to acknowledge (the demo business login is enrolled too)."""

import datetime as dt

import numpy as np
from django.db import transaction
from django.db.models import F

from gridcare.core.credentials import secret_hash
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.models import User
from gridcare.customers.models import Account
from gridcare.flexibility import selectors as flexibility_selectors
from gridcare.flexibility import services
from gridcare.flexibility.models import Enrolment, EventParticipant, Programme, Ven
from gridcare.metering.models import IntervalReading, MeterInstallation
from gridcare.org.models import Unit

from . import places
from .selectors import demo_login_accounts

PROGRAMME_CODE = "DR-CT-2026"
DEMO_VEN_CLIENT_ID = "ven-demo-cantho"
DEMO_VEN_SECRET = "OpenADR-Demo-2026"  # noqa: S105 (the demo's published credentials, docs/demand-response.md)
MAX_PARTICIPANTS = 40


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BUSINESS_TZ)


def _past_event_day(today: dt.date) -> dt.date:
    day = today - dt.timedelta(days=2)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _ensure_intervals(*, meter_id: int, today: dt.date, days: int, seed: int) -> None:
    """Half-hourly data for one meter (a business day shape) when it has none: the demo login's own results."""
    if days <= 0 or IntervalReading.objects.filter(meter_id=meter_id).exists():
        return
    rng = np.random.default_rng([seed, 13])
    first = today - dt.timedelta(days=days)
    hours = (np.arange(48) / 2)[None, :]
    shape = 400 + 900 * ((hours >= 7) & (hours < 21))  # Wh per half-hour
    weekday = np.array([(first + dt.timedelta(days=d)).weekday() < 6 for d in range(days)])[:, None]
    wh = np.rint(shape * np.where(weekday, 1.0, 0.6) * np.exp(0.08 * rng.standard_normal((days, 48)))).astype(
        np.int64
    )
    start = _local(first, 0)
    IntervalReading.objects.bulk_create(
        (IntervalReading(meter_id=meter_id, start=start + dt.timedelta(minutes=30 * i), energy_wh=int(v))
         for i, v in enumerate(wh.reshape(-1))),
        batch_size=5000,
    )  # fmt: skip


def demo_demand_response_load(*, today: dt.date, now: dt.datetime, seed: int, interval_days: int = 60) -> int:
    """Build the demo's demand response (idempotent by programme code); returns the number of participants."""
    company = Unit.objects.filter(code=places.COMPANY_CODE).first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if company is None or admin is None or Programme.objects.filter(code=PROGRAMME_CODE).exists():
        return 0
    since = _local(today - dt.timedelta(days=7), 0)
    with_data = IntervalReading.objects.filter(start__gte=since).values("meter_id")
    installations = (
        MeterInstallation.objects.filter(removed_on__isnull=True, meter_id__in=with_data)
        .exclude(account__purpose="residential")
        .order_by("account__code")
        .values_list("account_id", "meter_id")[:MAX_PARTICIPANTS]
    )
    accounts = dict(installations)
    business = demo_login_accounts()["business"]
    if business is not None and business.pk not in accounts:
        meter = (
            MeterInstallation.objects.filter(account=business, removed_on__isnull=True)
            .values_list("meter_id", flat=True)
            .first()
        )
        if meter is not None:
            _ensure_intervals(meter_id=meter, today=today, days=interval_days, seed=seed)
            accounts[business.pk] = meter
    if not accounts:
        return 0
    with transaction.atomic():
        programme = services.programme_define(
            user=admin, unit=company, code=PROGRAMME_CODE, now=now,
            name="Điều chỉnh phụ tải khách hàng lớn Cần Thơ 2026", purpose=Programme.Purpose.SHIFT,
            eligible_purposes=["production", "business", "administrative", "public_service"], min_annual_kwh=1_000_000,
            requires_interval_meter=True, notice_minutes=30, baseline_method="caiso-10-in-10", baseline_parameters={},
            delivered_rule=Programme.Delivered.REDUCTION_AND_SHIFT, recognition_min_kwh=50,
            recognition_text="Cảm ơn Quý khách đã đồng hành cùng ngành điện giữ an toàn cung cấp điện mùa cao điểm.",
            active_from=today.replace(month=1, day=1),
        )  # fmt: skip
        ids = sorted(accounts)
        commitment = 5 + (np.arange(len(ids)) * 7) % 40  # kW: the demo's large customers draw tens of kW
        # Set-based enrolment of accounts the demo built as large (smart meter, 30-minute data, ≥ 1 GWh a year).
        Enrolment.objects.bulk_create(
            Enrolment(
                programme=programme,
                account_id=a,
                commitment_kw=int(kw),
                enrolled_on=today.replace(month=1, day=1),
            )
            for a, kw in zip(ids, commitment, strict=True)
        )
        past_day = _past_event_day(today)
        past = services.event_call(
            user=admin, programme=programme, name="Giảm phụ tải cao điểm tối", starts_at=_local(past_day, 18),
            ends_at=_local(past_day, 20), target_kw=int(commitment.sum() * 0.8), now=_local(past_day, 8),
        )  # fmt: skip
        participants = list(past.participants.order_by("account_id"))
        # Answers: most acknowledged (portal or OpenADR), some opted out, a few never answered.
        buckets = {"portal": [], "openadr": [], "opted_out": [], "pending": []}
        for i, participant in enumerate(participants):
            key = ("portal", "openadr", "portal", "openadr", "opted_out", "portal", "pending")[i % 7]
            buckets[key].append(participant)
        for key, rows in buckets.items():
            for participant in rows:
                if key == "pending":
                    continue
                response = (
                    EventParticipant.Response.OPTED_OUT
                    if key == "opted_out"
                    else EventParticipant.Response.ACKNOWLEDGED
                )
                services.participant_respond(participant=participant, response=response,
                                             channel="portal" if key == "opted_out" else key, now=_local(past_day, 9))  # fmt: skip
        # Those who took part cut their load in the window and moved some of it to the night's off-peak hours.
        periods = flexibility_selectors.time_of_use_periods(day=past_day)
        offpeak = [i for i, p in enumerate(periods) if p == "offpeak"]
        cutting = [p for key in ("portal", "openadr") for p in buckets[key]]
        for n, share in enumerate((70, 80, 90)):
            meters = [accounts[p.account_id] for p in cutting[n::3]]
            IntervalReading.objects.filter(
                meter_id__in=meters, start__gte=past.starts_at, start__lt=past.ends_at
            ).update(energy_wh=F("energy_wh") * share / 100)
            for i in offpeak:
                start = _local(past_day, 0) + dt.timedelta(minutes=30 * i)
                IntervalReading.objects.filter(meter_id__in=meters, start=start).update(
                    energy_wh=F("energy_wh") * (130 - share // 3) / 100
                )
        services.event_results_compute(user=admin, event=past, now=past.ends_at + dt.timedelta(hours=12))
        tomorrow = max(today, now.astimezone(BUSINESS_TZ).date()) + dt.timedelta(
            days=1
        )  # always ahead of the clock
        services.event_call(
            user=admin, programme=programme, name="Giảm phụ tải cao điểm tối mai", starts_at=_local(tomorrow, 18),
            ends_at=_local(tomorrow, 20), target_kw=int(commitment.sum() * 0.8), now=now,
        )  # fmt: skip
        first = ids[0] if business is None or business.pk not in accounts else business.pk
        ven, _client, _secret = services.ven_register(
            user=admin, account=Account.objects.get(pk=first), ven_name="EMS-DEMO", now=now
        )
        Ven.objects.filter(pk=ven.pk).update(
            client_id=DEMO_VEN_CLIENT_ID, secret_hash=secret_hash(DEMO_VEN_SECRET)
        )
    return len(participants)
