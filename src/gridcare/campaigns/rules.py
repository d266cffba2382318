"""The rules every write of the appreciation month shares: the refusal (`CampaignError`), the measures a kind of
activity takes, the unit's period, who may record on an activity. Used by `services`, `blood_drives`, `lighting` and
`recognition`. Its one write: a planned activity is under way once something is recorded for it."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from gridcare.campaigns import selectors
from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityState,
    Campaign,
    Measure,
)
from gridcare.core.formatting import format_day
from gridcare.org import policy
from gridcare.org.models import Unit

MOVES = {
    ActivityState.PLANNED: {ActivityState.IN_PROGRESS, ActivityState.CANCELLED},
    ActivityState.IN_PROGRESS: {ActivityState.DONE, ActivityState.CANCELLED},
    ActivityState.DONE: set(),
    ActivityState.CANCELLED: set(),
}


class CampaignError(ValueError):
    """A refused change, with a stable `code` for interfaces and a sentence for people."""

    def __init__(self, code: str, message, **details: Any):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.details = details


def _day(value: dt.date) -> str:
    return format_day(value)


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


def _clean_quantities(*, kind: ActivityKind, values: dict, allow_other: bool = False) -> dict:
    cleaned = {}
    for measure in MEASURES:
        raw = values.get(measure, 0) or 0
        try:
            number = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise CampaignError(
                "invalid_number", _("“%(value)s” không phải là số.") % {"value": raw}, field=measure
            ) from None
        if number < 0 or number > 10**12 or not number.is_finite():
            raise CampaignError("invalid_number", _("Số liệu phải từ 0 trở lên."), field=measure)
        if number and measure not in kind.measures and not allow_other:
            raise CampaignError(
                "measure_not_applicable", _("Chỉ tiêu “%(measure)s” không áp dụng cho loại hoạt động “%(kind)s”.") % {
                    "measure": Measure(measure).label, "kind": kind.name_vi},
                field=measure,
            )  # fmt: skip
        if measure != Measure.ROAD_KM and number != number.to_integral_value():
            raise CampaignError(
                "invalid_number",
                _("“%(measure)s” phải là số nguyên.") % {"measure": Measure(measure).label},
                field=measure,
            )
        cleaned[measure] = number.quantize(Decimal("0.01")) if measure == Measure.ROAD_KM else int(number)
    return cleaned


def _within_period(*, campaign: Campaign, unit: Unit, first: dt.date, last: dt.date) -> None:
    end = selectors.unit_period_end(campaign=campaign, unit=unit)
    if first < campaign.active_from or last >= end:
        raise CampaignError(
            "outside_period", _("Ngày phải trong thời gian chương trình của đơn vị: từ %(start)s đến %(end)s.") % {
                "start": _day(campaign.active_from), "end": _day(end - dt.timedelta(days=1))},
        )  # fmt: skip


def _recordable(*, user, activity: Activity) -> None:
    policy.require(user=user, action="campaigns.record", unit_id=activity.unit_id,
                   message=_("Bạn chỉ ghi kết quả cho hoạt động của đơn vị mình."))  # fmt: skip
    if activity.state == ActivityState.CANCELLED:
        raise CampaignError("cancelled", _("Hoạt động đã huỷ, không ghi kết quả được."))


def _start_if_planned(activity: Activity) -> None:
    Activity.objects.filter(pk=activity.pk, state=ActivityState.PLANNED).update(
        state=ActivityState.IN_PROGRESS
    )
    activity.refresh_from_db(fields=["state"])
