"""Correcting one reading after the import: the same checks (register size, order, plausibility), audited."""

import datetime as dt

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridcare.core.audit import audit_record, model_snapshot
from gridcare.core.models import AuditEntry
from gridcare.metering import selectors
from gridcare.metering.importchecks import lock_meters
from gridcare.metering.importing import JUMP_FLOOR_KWH_PER_DAY, History, daily_limits, day_number, step_check
from gridcare.metering.models import Reading
from gridcare.metering.registerimport import HISTORY_DAYS
from gridcare.org import policy

REGISTER_FIELDS = ("peak", "normal", "offpeak")


def _neighbours(*, reading: Reading, digits: int) -> tuple[tuple[int, int] | None, Reading | None, float]:
    """(previous (total, day) or installation baseline, next reading, plausible daily use) around `reading`."""
    day = day_number(reading.read_on)
    history, recorded = selectors.reading_history(
        meter_ids=[reading.meter_id], since_day=day - HISTORY_DAYS, until_day=day + HISTORY_DAYS,
        digits={reading.meter_id: digits},
    )  # fmt: skip
    is_reading = np.arange(len(history.meter)) < recorded
    others = ~(is_reading & (history.day == day))
    limits = daily_limits(History(**{
        name: getattr(history, name)[others]
        for name in ("meter", "account", "day", "total", "peak", "normal", "offpeak", "rollover")
    }, digits_by_meter=history.digits_by_meter), {reading.meter_id: digits})  # fmt: skip
    before = others & (history.day < day)
    previous = None
    if before.any():
        at = np.flatnonzero(before)[np.argmax(history.day[before])]
        previous = (int(history.total[at]), int(history.day[at]))
    following = (
        Reading.objects.filter(meter_id=reading.meter_id, read_on__gt=reading.read_on)
        .order_by("read_on", "pk")
        .first()
    )
    return previous, following, limits.get(reading.account_id, JUMP_FLOOR_KWH_PER_DAY)


def reading_correct(
    *,
    reading: Reading,
    total: int,
    peak: int | None = None,
    normal: int | None = None,
    offpeak: int | None = None,
    reason: str,
    user,
    now: dt.datetime,
) -> Reading:
    """Correct a reading's index after the import's checks (register size, order, plausibility); audit why."""
    account_unit = Reading.objects.filter(pk=reading.pk).values_list("account__unit_id", flat=True).first()
    policy.require(user=user, action="metering.correct_reading", unit_id=account_unit)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Cần ghi lý do sửa chỉ số.")]
    values = {"total": total, "peak": peak, "normal": normal, "offpeak": offpeak}
    for name, value in values.items():
        if value is not None and value < 0:
            errors[name] = [_("Giá trị âm.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        reading = Reading.objects.select_related("account", "meter").get(pk=reading.pk)
        lock_meters(meter_ids=[reading.meter_id])
        digits = reading.meter.register_digits
        if total >= 10**digits:
            raise ValidationError({"total": [
                _("Chỉ số dài hơn thanh ghi %(digits)d chữ số của công tơ.") % {"digits": digits}
            ]})  # fmt: skip
        previous, following, limit = _neighbours(reading=reading, digits=digits)
        day = day_number(reading.read_on)
        rollover = False
        if previous is not None:
            ok, rollover, vi, _en = step_check(
                previous=previous[0],
                previous_day=previous[1],
                total=total,
                day=day,
                digits=digits,
                limit=limit,
            )
            if not ok:
                raise ValidationError({"total": [vi]})
        following_rollover = None
        if following is not None:
            ok, following_rollover, _vi, _en = step_check(
                previous=total, previous_day=day, total=following.total, day=day_number(following.read_on),
                digits=digits, limit=limit,
            )  # fmt: skip
            if not ok:
                raise ValidationError({"total": [
                    _("Không khớp với chỉ số ghi sau đó %(next)d ngày %(date)s.")
                    % {"next": following.total, "date": following.read_on.strftime("%d/%m/%Y")}
                ]})  # fmt: skip
        before = model_snapshot(instance=reading)
        for name, value in values.items():
            setattr(reading, name, value)
        reading.rollover = rollover
        if before == model_snapshot(instance=reading):
            return reading
        reading.save(update_fields=[*values, "rollover"])
        after = model_snapshot(instance=reading)
        if following is not None and following.rollover != following_rollover:
            Reading.objects.filter(pk=following.pk).update(rollover=following_rollover)
            before["next_reading_rollover"], after["next_reading_rollover"] = (
                following.rollover,
                following_rollover,
            )
        audit_record(
            action=AuditEntry.Action.UPDATE, object_type=Reading._meta.label_lower, object_id=reading.pk,
            before=before, after=after, user=user, reason=reason, now=now,
        )  # fmt: skip
    return reading
