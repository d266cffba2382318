"""Rural road lighting ("Thắp sáng đường quê"): one commune's road per activity; once finished, its km, lamps and
cost are the activity's record."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.campaigns.models import (
    Activity,
    ActivityKind,
    ActivityRecord,
    LightingProject,
    Partner,
)
from gridcare.campaigns.rules import (
    CampaignError,
    _clean_quantities,
    _recordable,
    _start_if_planned,
    _user_or_none,
    _within_period,
)
from gridcare.core.audit import acting_as
from gridcare.core.formatting import local_date
from gridcare.org.models import Commune


def lighting_project_save(
    *, user, activity: Activity, commune: Commune, road_name: str, now: dt.datetime, km_lit: Decimal = Decimal(0),
    lamps_installed: int = 0, cost_vnd: int = 0, partners: Iterable[Partner] = (), finished_on: dt.date | None = None,
) -> LightingProject:  # fmt: skip
    """The project of a "Thắp sáng đường quê" activity; once finished, its road, lamps and cost are the activity's record."""
    _recordable(user=user, activity=activity)
    if activity.kind.special != ActivityKind.Special.ROAD_LIGHTING:
        raise CampaignError(
            "not_lighting", _("Chỉ hoạt động Thắp sáng đường quê mới có công trình chiếu sáng.")
        )
    if not (road_name or "").strip():
        raise CampaignError("road_missing", _("Hãy ghi tên tuyến đường."), field="road_name")
    values = _clean_quantities(
        kind=activity.kind, values={"road_km": km_lit, "lamps": lamps_installed, "budget_vnd": cost_vnd}
    )
    if finished_on is not None:
        if finished_on > local_date(now):
            raise CampaignError("future", _("Ngày hoàn thành không được sau hôm nay."), field="finished_on")
        _within_period(campaign=activity.campaign, unit=activity.unit, first=finished_on, last=finished_on)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.lighting_project_save"):
        project, _created = LightingProject.objects.update_or_create(
            activity=activity,
            defaults={"commune": commune, "road_name": road_name.strip()[:200], "km_lit": values["road_km"],
                      "lamps_installed": values["lamps"], "cost_vnd": values["budget_vnd"], "finished_on": finished_on},
        )  # fmt: skip
        project.partners.set(list(partners))
        if finished_on is not None:
            ActivityRecord.objects.update_or_create(
                source_key=f"lighting:{project.pk}",
                defaults={"activity": activity, "done_on": finished_on, "road_km": values["road_km"], "lamps": values["lamps"],
                          "cost_vnd": values["budget_vnd"], "note": project.road_name, "recorded_by": _user_or_none(user),
                          "recorded_at": now},
            )  # fmt: skip
            _start_if_planned(activity)
    return project
