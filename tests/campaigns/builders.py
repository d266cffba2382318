"""A campaign over the test utility (corporation → company → teams A and B)."""

import datetime as dt

from gridcare.campaigns import services
from gridcare.campaigns.models import ActivityKind, Campaign

NOW = dt.datetime(2025, 12, 28, 3, 0, tzinfo=dt.UTC)


def campaign(world, *, year=2025) -> Campaign:
    return Campaign.objects.create(
        year=year, name=f"Tháng tri ân khách hàng năm {year}", theme="Ngàn trái tim — Một tấm lòng", unit=world["corporation"],
        active_from=dt.date(year, 11, 1), active_to=dt.date(year + 1, 1, 1), latest_end=dt.date(year + 1, 2, 1),
        anniversary_on=dt.date(year, 12, 21), opened_at=NOW,
    )  # fmt: skip


def kind(code: str) -> ActivityKind:
    return ActivityKind.objects.get(code=code)


def activity(
    user,
    camp,
    unit,
    code,
    *,
    title="Hoạt động",
    start=dt.date(2025, 11, 10),
    end=dt.date(2025, 12, 20),
    **targets,
):
    return services.activity_plan(user=user, campaign=camp, unit=unit, kind=kind(code), title=title, starts_on=start, ends_on=end,
                                  now=NOW, targets=targets)  # fmt: skip
