"""Builders for demand-response tests: a large customer with 30-minute data, a programme, an event."""

import datetime as dt

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility import services
from gridcare.flexibility.models import Programme
from gridcare.metering.models import IntervalReading
from tests import factories
from tests.backoffice.builders import superuser

EVENT_DAY = dt.date(2025, 7, 15)  # a Tuesday: peak 17:00–20:00, off-peak 22:00–04:00 (Circular 16/2014)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BUSINESS_TZ)


def large_account(
    world,
    *,
    team=None,
    name="Công ty TNHH Thép Cửu Long",
    history_days=20,
    flat_wh=1000,
    event_day_wh=None,
    phone="+84912345678",
    next_day_wh=None,
):
    """A production account at 22–110 kV with a smart meter: `flat_wh` every half-hour of the `history_days`
    days before EVENT_DAY, and `event_day_wh` (48 values) on EVENT_DAY and `next_day_wh` on the day after when given."""
    acct = factories.account(
        world, team=team, name=name, purpose="production", meter_kind="smart", time_of_use=True, phone=phone
    )
    acct.voltage = "22to110kv"
    acct.save(update_fields=["voltage"])
    factories.readings(acct, [0, 100_000, 200_000], start=dt.date(2025, 4, 5))
    meter = acct.meter_installations.get().meter
    rows = []
    for d in range(history_days, 0, -1):
        day = EVENT_DAY - dt.timedelta(days=d)
        rows += [
            IntervalReading(
                meter=meter, start=local(day, 0) + i * dt.timedelta(minutes=30), energy_wh=flat_wh
            )
            for i in range(48)
        ]
    if event_day_wh is not None:
        rows += [IntervalReading(meter=meter, start=local(EVENT_DAY, 0) + i * dt.timedelta(minutes=30), energy_wh=wh)
                 for i, wh in enumerate(event_day_wh)]  # fmt: skip
    if next_day_wh is not None:
        rows += [IntervalReading(meter=meter, start=local(EVENT_DAY + dt.timedelta(days=1), 0) + i * dt.timedelta(minutes=30),
                                 energy_wh=wh) for i, wh in enumerate(next_day_wh)]  # fmt: skip
    IntervalReading.objects.bulk_create(rows)
    return acct


def programme(world, *, code="DR-2025", **fields):
    defaults = {
        "name": "Điều chỉnh phụ tải mùa khô 2025", "purpose": Programme.Purpose.SHIFT, "eligible_purposes": ["production", "business"],
        "min_annual_kwh": 1_000_000, "notice_minutes": 30, "active_from": dt.date(2025, 1, 1), "baseline_parameters": {},
        "recognition_min_kwh": 1,
    }  # fmt: skip
    defaults.update(fields)
    return services.programme_define(user=superuser(f"root-{code}"), unit=world["company"], code=code,
                                     now=local(dt.date(2025, 1, 1), 8), **defaults)  # fmt: skip


def enrol(prog, acct, kw=500, today=EVENT_DAY - dt.timedelta(days=3)):
    from gridcare.core.models import User

    root = User.objects.filter(is_superuser=True).first() or superuser("root-enrol")
    return services.enrolment_create(user=root, programme=prog, account=acct, commitment_kw=kw, today=today)


def call(prog, *, start=(17, 0), end=(19, 0), now=None, target_kw=1000, **kw):
    """An event on EVENT_DAY; an `end` at or before `start` is on the next day (22:00–01:00)."""
    from gridcare.core.models import User

    root = User.objects.filter(is_superuser=True).first()
    starts_at, ends_at = services.event_moments(day=EVENT_DAY, start=dt.time(*start), end=dt.time(*end))
    return services.event_call(
        user=root, programme=prog, name="Giảm tải cao điểm chiều", starts_at=starts_at, ends_at=ends_at,
        target_kw=target_kw, now=now or local(EVENT_DAY, 9), **kw,
    )  # fmt: skip


def event_day_profile(*, event_wh=600, shifted_wh=1100):
    """1000 Wh everywhere, `event_wh` from 17:00 to 19:00 and `shifted_wh` from 22:00 to 24:00."""
    profile = [1000] * 48
    profile[34:38] = [event_wh] * 4
    profile[44:48] = [shifted_wh] * 4
    return profile
