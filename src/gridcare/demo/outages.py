"""Demo outages: every state an outage can be in, on the grid of the demo customers, through the real services.

- sensitive accounts: hospitals and schools (public-service contracts), large customers (production);
- planned outages: one announced 8 days ahead on a busy station of the household's team, an emergency one tomorrow
  on a feeder, a draft on a ward (the publish page shows its affected and sensitive customers), a cancelled
  one, and one carried out and closed last week;
- incidents: an open one on the household customer's station with its neighbours' "no power" reports, a
  closed one, and fresh ungrouped reports on another feeder (a suggested incident for staff).

Deterministic from the database (lowest ids first); a few hundred outbox rows at most for 5,000 customers.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count

from gridcare.customers.models import Account, Purpose, SensitiveKind
from gridcare.demo import selectors
from gridcare.network.models import Feeder, TransformerStation
from gridcare.outages import services
from gridcare.outages.models import Outage

SENSITIVE_PER_KIND = 3  # large producers flagged


def _sensitive_accounts() -> None:
    """Hospitals and schools among the public-service contracts (by name), a few large producers (set-based)."""
    public = Account.objects.filter(purpose=Purpose.PUBLIC_SERVICE)
    public.filter(customer__name__icontains="bệnh viện").update(sensitive=SensitiveKind.HOSPITAL)
    public.filter(customer__name__icontains="trường").update(sensitive=SensitiveKind.SCHOOL)
    public.filter(sensitive="").update(sensitive=SensitiveKind.OTHER)
    large = list(
        Account.objects.filter(purpose=Purpose.PRODUCTION)
        .order_by("pk")
        .values_list("pk", flat=True)[:SENSITIVE_PER_KIND]
    )
    Account.objects.filter(pk__in=large).update(sensitive=SensitiveKind.LARGE_CUSTOMER)


def _sensitive_in(outage: Outage) -> None:
    """Make sure the draft's publish page has sensitive accounts to show (its first non-residential contracts)."""
    from gridcare.outages.selectors import affected_accounts

    affected = affected_accounts(outage=outage)
    if affected.exclude(sensitive="").exists():
        return
    first = list(
        affected.exclude(purpose=Purpose.RESIDENTIAL).order_by("pk").values_list("pk", flat=True)[:2]
    )
    Account.objects.filter(pk__in=first).update(sensitive=SensitiveKind.LARGE_CUSTOMER)


def _station_of(account: Account | None) -> TransformerStation | None:
    if account is None:
        return None
    point = (
        account.service_points.select_related("transformer_station__feeder", "transformer_station__commune")
        .order_by("pk")
        .first()
    )
    return point.transformer_station if point else None


def _at(day: dt.date, hour: int, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


@transaction.atomic
def demo_outages_load(*, now: dt.datetime) -> int:
    """Create the demo's outages, incidents and reports (skipped when any outage exists); returns how many outages."""
    if Outage.objects.exists():
        return 0
    from gridcare.core.formatting import BUSINESS_TZ

    _sensitive_accounts()
    logins = selectors.demo_login_accounts()
    home = _station_of(logins["household"])
    if home is None:
        return 0
    # Busy public stations, the household's team's first (a business's own station feeds only it).
    public = (
        TransformerStation.objects.filter(customer_owned=False)
        .exclude(pk=home.pk)
        .annotate(points=Count("service_points"))
    )
    pool = list(public.filter(unit_id=home.unit_id).order_by("-points", "pk")[:4])
    pool += list(public.exclude(unit_id=home.unit_id).order_by("-points", "pk")[: 4 - len(pool)])
    pool += [home] * (4 - len(pool))
    business = pool[0]
    other_feeders = list(
        Feeder.objects.exclude(pk__in=[home.feeder_id, business.feeder_id])
        .annotate(points=Count("transformer_stations__service_points")).order_by("-points", "pk")[:3]
    )  # fmt: skip
    today = now.astimezone(BUSINESS_TZ).date()

    # An announced planned outage, eight days ahead, on the busiest of them.
    announced = services.outage_plan(
        unit=business.unit, place=f"khu vực trạm {business.name}, {business.commune}", reason="thay máy biến áp",
        crew="Tổ sửa chữa điện nóng", scheduled_start=_at(today + dt.timedelta(days=8), 7, BUSINESS_TZ),
        scheduled_end=_at(today + dt.timedelta(days=8), 15, BUSINESS_TZ), transformer_stations=[business], by=None, now=now,
    )  # fmt: skip
    services.outage_publish(outage=announced, by=None, now=now)
    # An emergency one tomorrow (fewer than five days ahead: allowed with its reason).
    if other_feeders:
        feeder = other_feeders[0]
        emergency = services.outage_plan(
            unit=feeder.unit, place=f"xuất tuyến {feeder.code}", reason="xử lý điểm nóng trên đường dây",
            emergency=True, emergency_reason="mối nối quá nhiệt, có nguy cơ sự cố", crew="Đội vận hành lưới",
            scheduled_start=_at(today + dt.timedelta(days=1), 8, BUSINESS_TZ),
            scheduled_end=_at(today + dt.timedelta(days=1), 11, BUSINESS_TZ), feeders=[feeder], by=None, now=now,
        )  # fmt: skip
        services.outage_publish(outage=emergency, by=None, now=now)
    # A draft on a ward: staff open "publish" to see the affected and sensitive customers first.
    ward = home.commune
    draft = services.outage_plan(
        unit=home.unit, place=f"toàn {ward}", reason="bảo trì định kỳ lưới điện", scheduled_start=_at(today + dt.timedelta(days=12), 6, BUSINESS_TZ),
        scheduled_end=_at(today + dt.timedelta(days=12), 17, BUSINESS_TZ), communes=[ward], by=None, now=now,
    )  # fmt: skip
    _sensitive_in(draft)
    # A cancelled one.
    spare = pool[1]
    cancelled = services.outage_plan(
        unit=spare.unit, place=f"khu vực trạm {spare.name}", reason="sửa chữa đường dây hạ thế",
        scheduled_start=_at(today + dt.timedelta(days=10), 8, BUSINESS_TZ),
        scheduled_end=_at(today + dt.timedelta(days=10), 12, BUSINESS_TZ), transformer_stations=[spare], by=None, now=now,
    )  # fmt: skip
    services.outage_publish(outage=cancelled, by=None, now=now)
    services.outage_cancel(outage=cancelled, by=None, now=now, note="dời sang đợt bảo trì quý sau")
    # One carried out and closed last week (announced a week before).
    done_station = pool[2]
    start = _at(today - dt.timedelta(days=7), 7, BUSINESS_TZ)
    done = services.outage_plan(
        unit=done_station.unit, place=f"khu vực trạm {done_station.name}", reason="vệ sinh trạm biến áp",
        scheduled_start=start, scheduled_end=start + dt.timedelta(hours=4), transformer_stations=[done_station],
        by=None, now=start - dt.timedelta(days=7),
    )  # fmt: skip
    services.outage_publish(outage=done, by=None, now=start - dt.timedelta(days=7))
    services.outage_start(outage=done, by=None, now=start + dt.timedelta(minutes=5))
    services.outage_close(outage=done, by=None, now=start + dt.timedelta(hours=3, minutes=40))

    # A closed incident, three days ago.
    past = pool[3]
    began = _at(today - dt.timedelta(days=3), 14, BUSINESS_TZ)
    old = services.incident_record(
        unit=past.unit, place=f"khu vực trạm {past.name}", reason="cây ngã vào đường dây", started_at=began,
        estimated_restoration=began + dt.timedelta(hours=2), transformer_stations=[past], by=None, now=began + dt.timedelta(minutes=10),
    )  # fmt: skip
    services.outage_close(outage=old, by=None, now=began + dt.timedelta(hours=1, minutes=35))

    # The open incident: neighbours of the household customer reported no power, staff opened it from the suggestion.
    neighbours = (
        Account.objects.filter(service_points__transformer_station=home).exclude(pk=logins["household"].pk)
        .exclude(status=Account.Status.CLOSED).order_by("pk").distinct()[:4]
    )  # fmt: skip
    for minutes, account in zip((25, 20, 14, 9), neighbours, strict=False):
        services.outage_report_file(
            account=account, now=now - dt.timedelta(minutes=minutes), note="mất điện cả xóm"
        )
    if neighbours:
        services.incident_from_reports(feeder=home.feeder, by=None, now=now - dt.timedelta(minutes=5),
                                       estimated_restoration=now + dt.timedelta(hours=2))  # fmt: skip
    # Fresh reports on another feeder, not yet grouped: the back office suggests an incident there.
    if len(other_feeders) > 1:
        reporters = (
            Account.objects.filter(service_points__transformer_station__feeder=other_feeders[1])
            .exclude(status=Account.Status.CLOSED).order_by("pk").distinct()[:3]
        )  # fmt: skip
        for minutes, account in zip((12, 7, 3), reporters, strict=False):
            services.outage_report_file(account=account, now=now - dt.timedelta(minutes=minutes))
    return Outage.objects.count()
