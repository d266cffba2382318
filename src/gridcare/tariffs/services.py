"""Writes to the tariff catalogue: a new price decision closes the one it replaces, never overlaps another.

Overlaps are refused twice: here, inside a transaction that holds the catalogue table's write lock (so two
staff saving at once cannot both pass the check), and by the database on PostgreSQL (an exclusion
constraint). A violation of the constraint by a concurrent writer comes back as the same ValidationError.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext_lazy as _

from gridcare.core.audit import acting_as
from gridcare.tariffs.models import (
    TARIFF_VERSION_NO_OVERLAP,
    VAT_RATE_NO_OVERLAP,
    Confidence,
    PricingMethod,
    ProrationDivisor,
    TariffVersion,
    TierPrice,
    TimeOfUsePeriod,
    TimeOfUsePrice,
    VatRate,
)
from gridcare.tariffs.selectors import tariff_version_overlapping, vat_rate_overlapping


def _catalogue_write_lock(*, model: type[models.Model]) -> None:
    """Hold the write lock of `model`'s table until the transaction ends, so that an overlap check stays true.

    PostgreSQL: a table lock that conflicts only with other writers (readers and bill runs go on). SQLite:
    the database's write lock; transactions begin IMMEDIATE (settings) and so hold it already, the no-op write
    takes it where they do not.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("the catalogue write lock is taken inside a transaction")
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        else:
            cursor.execute(f"UPDATE {table} SET id = id WHERE 0 = 1")  # noqa: S608 - a quoted table name only


def _save_refusing_overlap(*, instance: models.Model, constraint: str, message: str) -> None:
    """Save `instance`; the database's exclusion constraint `constraint` (PostgreSQL) raises `message`."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        if constraint in str(error):
            raise ValidationError(message, code="overlap") from error
        raise


def tiers_validate(
    *, method: str, tiers: Iterable[tuple[int | None, int]], positions: Iterable[int] | None = None
) -> None:
    """Refuse tiers that the engine cannot price: every tier but the last has a limit, the last has none."""
    tiers = list(tiers)
    if positions is not None and list(positions) != list(range(1, len(tiers) + 1)):
        raise ValidationError(_("Các bậc phải đánh số liên tiếp từ 1."), code="tier_positions")
    if method != PricingMethod.TIERED:
        if tiers:
            raise ValidationError(_("Biểu giá theo khung giờ không có bậc thang."), code="tiers_not_allowed")
        return
    if not tiers or tiers[-1][0] is not None or any(limit is None for limit, _price in tiers[:-1]):
        raise ValidationError(
            _("Mỗi bậc phải có định mức, trừ bậc cuối cùng (để trống = không giới hạn)."),
            code="tiers_invalid",
        )


def tou_prices_validate(*, method: str, prices: Iterable[tuple[str, str]]) -> None:
    """Refuse time-of-use prices the engine cannot use: each voltage level given needs all three periods."""
    prices = list(prices)
    if method != PricingMethod.TIME_OF_USE:
        if prices:
            raise ValidationError(
                _("Biểu giá bậc thang không có giá theo khung giờ."), code="tou_not_allowed"
            )
        return
    voltages = sorted({voltage for voltage, _period in prices})
    if not voltages:
        raise ValidationError(
            _("Biểu giá theo khung giờ cần giá cho từng cấp điện áp."), code="tou_prices_missing"
        )
    for voltage in voltages:
        if {period for v, period in prices if v == voltage} != set(TimeOfUsePeriod.values):
            raise ValidationError(
                _("Cấp điện áp %(voltage)s cần đủ giá cao điểm, bình thường và thấp điểm.")
                % {"voltage": voltage},
                code="tou_prices_incomplete",
            )


def tariff_version_dates_validate(
    *, purpose: str, active_from: dt.date, active_to: dt.date | None, exclude_pk: int | None = None
) -> list[TariffVersion]:
    """Refuse a date range that overlaps another version; return the open predecessor it would close."""
    to_close = []
    for other in tariff_version_overlapping(
        purpose=purpose, active_from=active_from, active_to=active_to, exclude_pk=exclude_pk
    ):
        if other.active_to is None and other.active_from < active_from:
            to_close.append(other)
        else:
            raise ValidationError(
                _("Khoảng ngày trùng với biểu giá %(decision)s áp dụng từ %(start)s.")
                % {"decision": other.decision, "start": other.active_from.strftime("%d/%m/%Y")},
                code="overlap",
            )
    return to_close


def _predecessor_close(*, version: TariffVersion, user: Any) -> None:
    """Close the open-ended version this one follows; refuse any other overlap."""
    for other in tariff_version_dates_validate(
        purpose=version.purpose,
        active_from=version.active_from,
        active_to=version.active_to,
        exclude_pk=version.pk,
    ):
        other.active_to = version.active_from
        with acting_as(user=user, reason="tariff_version_successor"):  # the audit trigger records the row
            other.save(update_fields=["active_to"])


@transaction.atomic
def tariff_version_save(*, version: TariffVersion, user: Any = None) -> TariffVersion:
    """Save a version (new or changed), closing the open predecessor it replaces; refuse any other overlap."""
    _catalogue_write_lock(model=TariffVersion)
    _predecessor_close(version=version, user=user)
    version.full_clean()
    with acting_as(user=user):  # the audit trigger records the row before and after
        _save_refusing_overlap(instance=version, constraint=TARIFF_VERSION_NO_OVERLAP,
                               message=_("Khoảng ngày trùng với một biểu giá khác của cùng mục đích sử dụng."))  # fmt: skip
    return version


def vat_rate_dates_validate(
    *, active_from: dt.date, active_to: dt.date | None, exclude_pk: int | None = None
) -> list[VatRate]:
    """Refuse a date range that overlaps another VAT rate; return the open-ended predecessor it would close."""
    to_close = []
    for other in vat_rate_overlapping(active_from=active_from, active_to=active_to, exclude_pk=exclude_pk):
        if other.active_to is None and other.active_from < active_from:
            to_close.append(other)
        else:
            raise ValidationError(
                _("Khoảng ngày trùng với thuế suất %(rate)s%% áp dụng từ %(start)s.")
                % {
                    "rate": f"{other.rate_percent:.2f}".rstrip("0").rstrip("."),
                    "start": other.active_from.strftime("%d/%m/%Y"),
                },
                code="overlap",
            )
    return to_close


@transaction.atomic
def vat_rate_save(*, rate: VatRate, user: Any = None) -> VatRate:
    """Save a VAT rate (new or changed), closing the open-ended rate it follows; refuse any other overlap."""
    _catalogue_write_lock(model=VatRate)
    for other in vat_rate_dates_validate(
        active_from=rate.active_from, active_to=rate.active_to, exclude_pk=rate.pk
    ):
        other.active_to = rate.active_from
        with acting_as(user=user, reason="vat_rate_successor"):  # the audit trigger records the row
            other.save(update_fields=["active_to"])
    rate.full_clean()
    with acting_as(user=user):  # the audit trigger records the row before and after
        _save_refusing_overlap(instance=rate, constraint=VAT_RATE_NO_OVERLAP,
                               message=_("Khoảng ngày trùng với một thuế suất GTGT khác."))  # fmt: skip
    return rate


@transaction.atomic
def tariff_version_create(
    *,
    purpose: str,
    method: str,
    decision: str,
    active_from: dt.date,
    confidence: str = Confidence.OFFICIAL,
    active_to: dt.date | None = None,
    decision_date: dt.date | None = None,
    proration_divisor: str = ProrationDivisor.THIRTY_DAYS,
    tiers: Iterable[tuple[int | None, int]] = (),
    tou_prices: Mapping[tuple[str, str], int] | None = None,
    note: str = "",
    user: Any = None,
) -> TariffVersion:
    """Add a price decision with its tiers `(monthly kWh per household or None, price)` or TOU prices."""
    tiers = list(tiers)
    tiers_validate(method=method, tiers=tiers)
    tou_prices_validate(method=method, prices=(tou_prices or {}).keys())
    version = tariff_version_save(
        version=TariffVersion(
            purpose=purpose, method=method, decision=decision, decision_date=decision_date,
            active_from=active_from, active_to=active_to, proration_divisor=proration_divisor,
            confidence=confidence, note=note,
        ),
        user=user,
    )  # fmt: skip
    TierPrice.objects.bulk_create(
        TierPrice(version=version, position=i, limit_kwh=limit, unit_price=price)
        for i, (limit, price) in enumerate(tiers, start=1)
    )
    TimeOfUsePrice.objects.bulk_create(
        TimeOfUsePrice(version=version, voltage=voltage, period=period, unit_price=price)
        for (voltage, period), price in sorted((tou_prices or {}).items())
    )
    return version
