"""Reads of the tariff catalogue: versions for the back office, engine data for quotes and bill runs."""

import datetime as dt

from babel.numbers import format_decimal
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language, ngettext

from gridcare.core.formatting import BUSINESS_TZ, babel_locale, local_date
from gridcare.tariffs import engine
from gridcare.tariffs.models import (
    PricingMethod,
    ProrationDivisor,
    TariffVersion,
    TierPrice,
    TimeOfUsePrice,
    TimeOfUseSchedule,
    TimeOfUseWindow,
    VatRate,
)

_DIVISORS = {
    ProrationDivisor.THIRTY_DAYS: 30,
    ProrationDivisor.PRECEDING_MONTH: engine.DIVISOR_PRECEDING_MONTH,
}


def tariff_versions(*, purpose: str | None = None) -> QuerySet[TariffVersion]:
    """Every tariff version, by purpose and start date."""
    versions = TariffVersion.objects.order_by("purpose", "active_from", "pk")
    return versions.filter(purpose=purpose) if purpose else versions


def with_prices(versions: QuerySet[TariffVersion]) -> QuerySet[TariffVersion]:
    """The versions with their tier and time-of-use prices prefetched, in their order."""
    return versions.prefetch_related(
        Prefetch("tiers", queryset=TierPrice.objects.order_by("position", "pk")),
        Prefetch("time_of_use_prices", queryset=TimeOfUsePrice.objects.order_by("voltage", "period", "pk")),
    )


def vat_rates() -> QuerySet[VatRate]:
    """VAT rates on electricity, oldest first."""
    return VatRate.objects.order_by("active_from", "pk")


def tariff_version_price_summary(*, version: TariffVersion) -> str:
    """The prices of a version in one line (tiers `1.984 / 2.050 / …`, or how many time-of-use prices)."""
    if version.method == PricingMethod.TIERED:
        locale = babel_locale(get_language())
        return " / ".join(
            format_decimal(t.unit_price, format="#,##0", locale=locale) for t in version.tiers.all()
        )
    return ngettext(
        "%(count)s giá theo khung giờ", "%(count)s giá theo khung giờ", len(version.time_of_use_prices.all())
    ) % {"count": len(version.time_of_use_prices.all())}


def tariff_version_overlapping(
    *, purpose: str, active_from: dt.date, active_to: dt.date | None, exclude_pk: int | None = None
) -> QuerySet[TariffVersion]:
    """The versions of `purpose` whose date range meets [active_from, active_to)."""
    overlapping = TariffVersion.objects.filter(purpose=purpose).filter(
        Q(active_to__isnull=True) | Q(active_to__gt=active_from)
    )
    if active_to is not None:
        overlapping = overlapping.filter(active_from__lt=active_to)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    return overlapping.order_by("active_from", "pk")


def vat_rate_overlapping(
    *, active_from: dt.date, active_to: dt.date | None, exclude_pk: int | None = None
) -> QuerySet[VatRate]:
    """The VAT rates whose date range meets [active_from, active_to)."""
    overlapping = VatRate.objects.filter(Q(active_to__isnull=True) | Q(active_to__gt=active_from))
    if active_to is not None:
        overlapping = overlapping.filter(active_from__lt=active_to)
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    return overlapping.order_by("active_from", "pk")


def catalogue_load() -> engine.Catalogue:
    """The whole catalogue (versions with tiers and time-of-use prices, VAT rates) as engine data."""
    versions = tariff_versions().prefetch_related(
        Prefetch("tiers", queryset=TierPrice.objects.order_by("position", "pk")),
        Prefetch("time_of_use_prices", queryset=TimeOfUsePrice.objects.order_by("voltage", "period", "pk")),
    )
    return engine.Catalogue(
        versions=tuple(
            engine.Version(
                purpose=v.purpose,
                method=v.method,
                decision=v.decision,
                active_from=v.active_from,
                active_to=v.active_to,
                divisor=_DIVISORS[v.proration_divisor],
                tiers=tuple((t.limit_kwh, t.unit_price) for t in v.tiers.all()),
                tou_prices={(p.voltage, p.period): p.unit_price for p in v.time_of_use_prices.all()},
            )
            for v in versions
        ),
        vat_rates=tuple(
            engine.VatRate(
                active_from=r.active_from, active_to=r.active_to, basis_points=int(r.rate_percent * 100)
            )
            for r in VatRate.objects.order_by("active_from", "pk")
        ),
    )


def compiled_catalogue() -> engine.CompiledCatalogue:
    """The catalogue as the numpy arrays the vectorised engine reads (build once per bill run)."""
    return engine.compile_catalogue(catalogue_load())


def time_of_use_period_at(*, moment: dt.datetime) -> str | None:
    """The time-of-use period (peak/normal/offpeak) in force at an aware moment, None without a schedule."""
    day = local_date(moment)
    schedule = (
        TimeOfUseSchedule.objects.filter(active_from__lte=day)
        .filter(Q(active_to__isnull=True) | Q(active_to__gt=day))
        .order_by("-active_from", "-pk")
        .first()
    )
    if schedule is None:
        return None
    days = (
        TimeOfUseWindow.DayKind.SUNDAY if day.weekday() == 6 else TimeOfUseWindow.DayKind.MONDAY_TO_SATURDAY
    )
    clock = moment.astimezone(BUSINESS_TZ).time()
    for window in schedule.windows.filter(days=days).order_by("starts_at", "pk"):
        if window.starts_at <= clock and (clock < window.ends_at or window.ends_at == dt.time(0, 0)):
            return window.period
    return None


def time_of_use_schedules(*, first_day: dt.date, last_day: dt.date) -> tuple[engine.TimeOfUseSchedule, ...]:
    """The time-of-use schedules in force on any day of [first_day, last_day], with their windows (one query)."""
    windows = (
        TimeOfUseWindow.objects.filter(schedule__active_from__lte=last_day)
        .filter(Q(schedule__active_to__isnull=True) | Q(schedule__active_to__gt=first_day))
        .order_by("schedule__active_from", "schedule_id", "days", "starts_at", "pk")
        .values_list(
            "schedule_id",
            "schedule__active_from",
            "schedule__active_to",
            "days",
            "period",
            "starts_at",
            "ends_at",
        )
    )
    by_schedule: dict[int, tuple[dt.date, dt.date | None, list]] = {}
    for schedule_id, active_from, active_to, days, period, starts_at, ends_at in windows:
        by_schedule.setdefault(schedule_id, (active_from, active_to, []))[2].append(
            (days, period, starts_at, ends_at)
        )
    return tuple(
        engine.TimeOfUseSchedule(active_from=a, active_to=b, windows=tuple(w))
        for a, b, w in by_schedule.values()
    )


def consumption_quote(
    *,
    purpose: str,
    start: dt.date,
    end: dt.date,
    kwh: int | None = None,
    registers: tuple[int, int, int] | None = None,
    households: int = 1,
    voltage: str | None = None,
) -> engine.Quote:
    """Price one consumption with the catalogue in the database (raises engine.PricingError)."""
    return engine.price_one(
        catalogue=catalogue_load(), purpose=purpose, start=start, end=end, kwh=kwh, registers=registers,
        households=households, voltage=voltage,
    )  # fmt: skip
