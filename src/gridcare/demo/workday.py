"""Demo records that fill the back office's workday queues: undelivered messages, imports with rejected rows,
a failed import and a failed bill run (the bill runs already leave held bills for review)."""

import datetime as dt

from django.db.models.functions import Mod

from gridcare.billing.models import BillRun
from gridcare.metering.models import ReadingImport, ReadingRoute
from gridcare.notifications.models import OutboxMessage, OutboxStatus
from gridcare.org.models import Unit

FAILED_EVERY = 40  # one queued message in 40 could not be delivered
UNDELIVERED = "Nhà cung cấp báo số thuê bao không liên lạc được."


def demo_workday_load(*, today: dt.date, now: dt.datetime) -> int:
    """Set-based writes for the workday page's queues; returns the number of undelivered messages."""
    failed = (
        OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, channel__in=["sms", "zalo", "email"])
        .alias(slot=Mod("id", FAILED_EVERY))
        .filter(slot=0)
        .update(status=OutboxStatus.FAILED, attempts=3, last_error=UNDELIVERED)
    )
    teams = list(Unit.objects.filter(kind=Unit.Kind.TEAM).order_by("pk")[:2])
    imports = []
    for i, team in enumerate(teams):
        errors = [
            {"row": 7, "column": "chi_so", "value": "12a40", "reason": "chỉ số không phải là số"},
            {
                "row": 12,
                "column": "so_cong_to",
                "value": "PS000000001",
                "reason": "công tơ không có trong đơn vị",
            },
            {
                "row": 19,
                "column": "chi_so",
                "value": "1180",
                "reason": "khác chỉ số đã có cho ngày này (1181)",
            },
        ]
        imports.append(ReadingImport(
            source=f"so-ghi-chi-so-{team.code.lower()}.csv", sha256=f"{i + 1:064x}", started_at=now, finished_at=now,
            status=ReadingImport.Status.DONE_WITH_ERRORS, rows_total=240, rows_inserted=237, rows_rejected=3,
            errors=errors, unit=team,
        ))  # fmt: skip
    if teams:
        imports.append(ReadingImport(
            source="so-ghi-chi-so-hong.xlsx", sha256=f"{99:064x}", started_at=now, finished_at=now,
            status=ReadingImport.Status.FAILED, errors=[{"row": 0, "reason": "tệp không đọc được"}], unit=teams[0],
        ))  # fmt: skip
    ReadingImport.objects.bulk_create(imports)
    route = ReadingRoute.objects.filter(unit__in=teams).order_by("pk").first()
    latest = (
        BillRun.objects.filter(status=BillRun.Status.DONE)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if route is not None:
        # A failed attempt at the latest billed month, for one route.
        month = latest or today.replace(day=1)
        BillRun.objects.create(
            period=month,
            route=route,
            status=BillRun.Status.FAILED,
            created_at=now,
            started_at=now,
            finished_at=now,
            error="Mất kết nối cơ sở dữ liệu giữa chừng; chạy lại đợt này sẽ lập tiếp từ chỗ dừng.",
        )
    return failed
