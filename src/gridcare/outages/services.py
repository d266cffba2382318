"""Writes of the outages area: plan, publish, change, cancel, start and close outages; incidents; customer reports.

Every notice goes through `notifications.services.notify` inside the write's transaction (a rolled-back publish
sends nothing) with a key naming the outage and the step (`outage:<id>:published`, `outage:<id>:changed:<n>`…),
so that a repeated call never sends twice. Recipients are a queryset resolved by topology in the database
(`selectors.affected_accounts`): no Python object per customer, however many there are.

Circular 22/2020/TT-BCT: a planned outage is announced at least 5 days ahead; an emergency one (with its reason)
may be announced later, as soon as possible and within 24 hours.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.customers.models import Account
from gridcare.network.models import Feeder, TransformerStation
from gridcare.notifications.models import Notice, OutboxMessage, Topic, Urgency
from gridcare.notifications.services import notify
from gridcare.org import policy
from gridcare.org.models import Unit
from gridcare.outages import selectors
from gridcare.outages.models import (
    ANNOUNCED_STATUSES,
    FINAL_STATUSES,
    Outage,
    OutageEvent,
    OutageKind,
    OutageReport,
    OutageStatus,
    ReportChannel,
    RestorationRequest,
)

MIN_NOTICE = dt.timedelta(days=5)
_UNKNOWN_TIME = {"vi": "chưa xác định", "en": "to be confirmed", "fr": "à confirmer"}
_ELEMENT_FIELDS = ("substations", "feeders", "transformer_stations", "communes")


class OutageError(ValueError):
    """A refused outage operation: `code` is stable for interfaces, the message is for people."""

    def __init__(self, code: str, message: Any, **details: Any):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.details = details


def _moment(value: dt.datetime | None) -> dict:
    return {"datetime": value.isoformat()} if value is not None else dict(_UNKNOWN_TIME)


def _context(outage: Outage) -> dict[str, Any]:
    """What every outage notice says: place, reason, start and expected restoration (Circular 22/2020)."""
    start = (
        outage.started_at
        if outage.kind == OutageKind.INCIDENT and outage.started_at
        else outage.scheduled_start
    )
    return {
        "place": outage.place,
        "reason": outage.reason,
        "start": _moment(start),
        "end": _moment(outage.scheduled_end),
        "restored": _moment(outage.restored_at),
    }


def _topic(outage: Outage) -> str:
    return Topic.INCIDENT if outage.kind == OutageKind.INCIDENT else Topic.PLANNED_OUTAGE


def _key(outage: Outage, step: str) -> str:
    return f"outage:{outage.pk}:{step}"


def _told_before(outage: Outage) -> QuerySet[Account]:
    """Everyone a notice of this outage reached, plus everyone it affects now: "the same people" for a change."""
    notices = Notice.objects.filter(key__startswith=_key(outage, ""))
    told = OutboxMessage.objects.filter(notice_id__in=notices.values("pk")).values("account_id")
    return Account.objects.filter(
        Q(pk__in=selectors.affected_accounts(outage=outage).values("pk")) | Q(pk__in=told)
    ).exclude(status=Account.Status.CLOSED)


def _event(
    outage: Outage,
    *,
    action: str,
    by,
    now: dt.datetime,
    changes: dict | None = None,
    customers: int | None = None,
):
    OutageEvent.objects.create(
        outage=outage, at=now, by=by if getattr(by, "pk", None) else None, action=action, status=outage.status,
        changes=changes or {}, customers=customers,
    )  # fmt: skip


def _require(by, action: str, unit_id: int) -> None:
    """Staff act through the access policy (`outages.<verb>` on the outage's unit); `by=None` is the system itself."""
    if by is not None:
        policy.require(user=by, action=action, unit_id=unit_id)


def _locked(outage: Outage) -> Outage:
    """The outage row, locked for the rest of the transaction (two clicks on "publish" serialise here)."""
    return Outage.objects.select_for_update().get(pk=outage.pk)


def _check_window(*, start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise OutageError("window_invalid", _("Giờ dự kiến có điện lại phải sau giờ bắt đầu."))


def _set_elements(outage: Outage, elements: dict[str, Iterable | None]) -> None:
    for field in _ELEMENT_FIELDS:
        values = elements.get(field)
        if values is not None:
            getattr(outage, field).set(list(values))


def _has_elements(outage: Outage) -> bool:
    return any(getattr(outage, field).exists() for field in _ELEMENT_FIELDS)


def _notify(outage: Outage, *, template: str, step: str, recipients, now: dt.datetime, urgent: bool = False):
    return notify(
        topic=_topic(outage), recipients=recipients, template=template, context=_context(outage),
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL, key=_key(outage, step), now=now,
    )  # fmt: skip


def _urgent(outage: Outage) -> bool:
    return outage.kind == OutageKind.INCIDENT or outage.emergency


# --- planned outages ---------------------------------------------------------------------------------------


@transaction.atomic
def outage_plan(
    *,
    unit: Unit,
    place: str,
    reason: str,
    scheduled_start: dt.datetime,
    scheduled_end: dt.datetime,
    by,
    now: dt.datetime,
    crew: str = "",
    emergency: bool = False,
    emergency_reason: str = "",
    substations: Iterable = (),
    feeders: Iterable = (),
    transformer_stations: Iterable = (),
    communes: Iterable = (),
) -> Outage:
    """Create a planned outage as a draft (nobody is told until it is published)."""
    _require(by, "outages.plan", unit.pk)
    _check_window(start=scheduled_start, end=scheduled_end)
    if emergency and not emergency_reason.strip():
        raise OutageError("emergency_reason_missing", _("Ngừng cấp điện khẩn cấp cần ghi rõ lý do khẩn cấp."))
    outage = Outage.objects.create(
        kind=OutageKind.PLANNED, unit=unit, place=place, reason=reason, crew=crew, emergency=emergency,
        emergency_reason=emergency_reason.strip(), scheduled_start=scheduled_start, scheduled_end=scheduled_end,
        created_at=now, created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    _set_elements(outage, {"substations": substations, "feeders": feeders,
                           "transformer_stations": transformer_stations, "communes": communes})  # fmt: skip
    _event(outage, action=OutageEvent.Action.CREATED, by=by, now=now)
    return outage


def notice_rule_check(*, outage: Outage, now: dt.datetime) -> None:
    """Refuse a planned outage announced less than 5 days ahead unless it is an emergency with its reason."""
    if outage.kind != OutageKind.PLANNED:
        return
    if outage.scheduled_start is None or outage.scheduled_end is None:
        raise OutageError("window_missing", _("Cần giờ bắt đầu và giờ dự kiến có điện lại."))
    if outage.scheduled_start <= now and not outage.emergency:
        raise OutageError("start_in_past", _("Giờ bắt đầu đã qua: hãy sửa lịch trước khi thông báo."))
    if outage.scheduled_start - now < MIN_NOTICE:
        if not outage.emergency:
            raise OutageError(
                "notice_too_short",
                _("Ngừng cấp điện có kế hoạch phải thông báo trước ít nhất 5 ngày (Thông tư 22/2020/TT-BCT). "
                  "Hãy dời lịch, hoặc đánh dấu khẩn cấp và ghi rõ lý do."),
                days_ahead=round((outage.scheduled_start - now).total_seconds() / 86400, 2),
            )  # fmt: skip
        if not outage.emergency_reason.strip():
            raise OutageError(
                "emergency_reason_missing", _("Ngừng cấp điện khẩn cấp cần ghi rõ lý do khẩn cấp.")
            )


@transaction.atomic
def outage_publish(*, outage: Outage, by, now: dt.datetime) -> Outage:
    """Announce a draft outage to every affected customer; publishing again changes and sends nothing."""
    outage = _locked(outage)
    _require(by, "outages.publish", outage.unit_id)
    if outage.status in ANNOUNCED_STATUSES or outage.status == OutageStatus.RESTORED:
        return outage
    if outage.status != OutageStatus.DRAFT:
        raise OutageError("not_draft", _("Chỉ thông báo được lịch đang ở dạng bản nháp."))
    if not _has_elements(outage):
        raise OutageError("no_elements", _("Hãy chọn thiết bị lưới điện hoặc phường/xã bị ngừng cấp điện."))
    notice_rule_check(outage=outage, now=now)
    notice = _notify(outage, template="planned_outage", step="published",
                     recipients=selectors.affected_accounts(outage=outage), now=now, urgent=_urgent(outage))  # fmt: skip
    outage.status = OutageStatus.PUBLISHED
    outage.published_at = now
    outage.customers_at_publish = notice.recipients
    outage.save(update_fields=["status", "published_at", "customers_at_publish"])
    _event(outage, action=OutageEvent.Action.PUBLISHED, by=by, now=now, customers=notice.recipients)
    return outage


_CHANGEABLE = ("place", "reason", "crew", "scheduled_start", "scheduled_end", "emergency", "emergency_reason")


def _apply_changes(outage: Outage, fields: dict[str, Any]) -> dict[str, list]:
    changes = {}
    for name in _CHANGEABLE:
        if name in fields and fields[name] is not None and getattr(outage, name) != fields[name]:
            before = getattr(outage, name)
            setattr(outage, name, fields[name])
            changes[name] = [_jsonable(before), _jsonable(fields[name])]
    for name in _ELEMENT_FIELDS:
        if fields.get(name) is not None:
            before = sorted(getattr(outage, name).values_list("pk", flat=True))
            after = sorted(int(getattr(v, "pk", v)) for v in fields[name])
            if before != after:
                getattr(outage, name).set(after)
                changes[name] = [before, after]
    return changes


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


@transaction.atomic
def outage_change(*, outage: Outage, by, now: dt.datetime, **fields) -> Outage:
    """Change a draft or announced planned outage; an announced one tells everyone told before and everyone now affected.

    Fields: place, reason, crew, scheduled_start, scheduled_end, emergency, emergency_reason, and the element
    lists (substations, feeders, transformer_stations, communes). A new start again obeys the 5-day rule.
    """
    outage = _locked(outage)
    _require(by, "outages.change", outage.unit_id)
    if outage.kind != OutageKind.PLANNED:
        raise OutageError("not_planned", _("Sự cố được cập nhật bằng thao tác cập nhật sự cố."))
    if outage.status in FINAL_STATUSES or outage.status == OutageStatus.IN_PROGRESS:
        raise OutageError(
            "not_changeable", _("Lịch này đã bắt đầu, đã huỷ hoặc đã đóng: không sửa được nữa.")
        )
    announced = outage.status in ANNOUNCED_STATUSES
    old_start = outage.scheduled_start
    changes = _apply_changes(outage, fields)
    _check_window(start=outage.scheduled_start, end=outage.scheduled_end)
    if not changes:
        return outage
    if outage.emergency and not outage.emergency_reason.strip():
        raise OutageError("emergency_reason_missing", _("Ngừng cấp điện khẩn cấp cần ghi rõ lý do khẩn cấp."))
    if announced and outage.scheduled_start != old_start:
        notice_rule_check(outage=outage, now=now)
    customers = None
    if announced:
        outage.revision += 1
        outage.status = OutageStatus.CHANGED
        notice = _notify(outage, template="outage_changed", step=f"changed:{outage.revision}",
                         recipients=_told_before(outage), now=now, urgent=_urgent(outage))  # fmt: skip
        customers = notice.recipients
    outage.save()
    _event(outage, action=OutageEvent.Action.CHANGED, by=by, now=now, changes=changes, customers=customers)
    return outage


@transaction.atomic
def outage_cancel(*, outage: Outage, by, now: dt.datetime, note: str = "") -> Outage:
    """Cancel an outage not yet started; the people told before hear that it is cancelled. Idempotent."""
    outage = _locked(outage)
    _require(by, "outages.cancel", outage.unit_id)
    if outage.status == OutageStatus.CANCELLED:
        return outage
    if outage.status not in (OutageStatus.DRAFT, OutageStatus.PUBLISHED, OutageStatus.CHANGED):
        raise OutageError("not_cancellable", _("Chỉ huỷ được lịch chưa bắt đầu."))
    announced = outage.status != OutageStatus.DRAFT
    outage.status = OutageStatus.CANCELLED
    outage.save(update_fields=["status"])
    customers = None
    if announced:
        customers = _notify(outage, template="outage_cancelled", step="cancelled",
                            recipients=_told_before(outage), now=now).recipients  # fmt: skip
    _event(
        outage,
        action=OutageEvent.Action.CANCELLED,
        by=by,
        now=now,
        changes={"note": note} if note else {},
        customers=customers,
    )
    return outage


@transaction.atomic
def outage_start(*, outage: Outage, by, now: dt.datetime, at: dt.datetime | None = None) -> Outage:
    """Record that the power is off now (or at `at`): the outage is in progress."""
    outage = _locked(outage)
    _require(by, "outages.change", outage.unit_id)
    if outage.status == OutageStatus.IN_PROGRESS:
        return outage
    if outage.status not in (OutageStatus.PUBLISHED, OutageStatus.CHANGED):
        raise OutageError("not_startable", _("Chỉ bắt đầu được lịch đã thông báo."))
    outage.status = OutageStatus.IN_PROGRESS
    outage.started_at = at or now
    outage.save(update_fields=["status", "started_at"])
    _event(
        outage,
        action=OutageEvent.Action.STARTED,
        by=by,
        now=now,
        changes={"started_at": outage.started_at.isoformat()},
    )
    return outage


@transaction.atomic
def outage_close(*, outage: Outage, by, now: dt.datetime, restored_at: dt.datetime | None = None) -> Outage:
    """Power is back: close the outage, count the affected, tell them (and who asked to be told), once."""
    outage = _locked(outage)
    _require(by, "outages.close", outage.unit_id)
    if outage.status == OutageStatus.RESTORED:
        return outage
    if outage.status not in (OutageStatus.PUBLISHED, OutageStatus.CHANGED, OutageStatus.IN_PROGRESS):
        raise OutageError("not_closable", _("Chỉ đóng được lịch đã thông báo hoặc sự cố đang xử lý."))
    outage.restored_at = restored_at or now
    if outage.started_at is None:
        outage.started_at = min(outage.scheduled_start or outage.restored_at, outage.restored_at)
    if outage.restored_at < outage.started_at:
        raise OutageError("restored_before_start", _("Giờ có điện lại phải sau giờ mất điện."))
    outage.status = OutageStatus.RESTORED
    affected = selectors.affected_accounts(outage=outage)
    outage.customers_at_close = affected.count()
    outage.save(update_fields=["status", "restored_at", "started_at", "customers_at_close"])
    asked = RestorationRequest.objects.filter(outage=outage, notified_at__isnull=True)
    recipients = Account.objects.filter(
        Q(pk__in=_told_before(outage).values("pk")) | Q(pk__in=asked.values("account_id"))
    ).exclude(status=Account.Status.CLOSED)
    notice = _notify(outage, template="outage_restored", step="restored", recipients=recipients, now=now)
    asked.update(notified_at=now)
    _event(outage, action=OutageEvent.Action.RESTORED, by=by, now=now, customers=notice.recipients,
           changes={"restored_at": outage.restored_at.isoformat()})  # fmt: skip
    return outage


def outage_reminders_send(*, now: dt.datetime) -> int:
    """Remind the affected customers of every announced planned outage that starts tomorrow (local), once each.

    Safe to run as often as wished: an outage is reminded once per start time (a changed start is reminded again).
    """
    tomorrow = now.astimezone(BUSINESS_TZ).date() + dt.timedelta(days=1)
    first = dt.datetime.combine(tomorrow, dt.time(0), tzinfo=BUSINESS_TZ)
    due = Outage.objects.filter(
        kind=OutageKind.PLANNED, status__in=(OutageStatus.PUBLISHED, OutageStatus.CHANGED),
        scheduled_start__gte=first, scheduled_start__lt=first + dt.timedelta(days=1),
    ).exclude(reminded_for=F("scheduled_start"))  # fmt: skip
    sent = 0
    for pk in due.order_by("scheduled_start", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            outage = _locked(Outage(pk=pk))
            if outage.reminded_for == outage.scheduled_start or outage.status not in (
                OutageStatus.PUBLISHED,
                OutageStatus.CHANGED,
            ):
                continue
            notice = _notify(outage, template="outage_reminder", step=f"reminder:{outage.scheduled_start:%Y%m%d%H%M}",
                             recipients=_told_before(outage), now=now)  # fmt: skip
            outage.reminded_for = outage.scheduled_start
            outage.save(update_fields=["reminded_for"])
            _event(outage, action=OutageEvent.Action.REMINDED, by=None, now=now, customers=notice.recipients)
            sent += 1
    return sent


def outages_start_due(*, now: dt.datetime) -> int:
    """Move every announced planned outage whose planned start has come to "in progress"; returns how many.

    The power is switched off at the announced time, so the outage starts by itself (by the system, `by=None`)
    at its planned start, recorded as `started_at` (the reliability indices count from there). Idempotent: an
    outage already in progress, cancelled or closed is left alone, and each one is locked before it moves, so two
    workers running at once start it once. Starting sends no notice (the rules notify on publish, change,
    cancel, the day before and at restoration); an outage still in progress past its expected end is overdue
    (`overdue_outages`) and is closed by staff, never by the clock: "power is back" must be true.
    """
    due = Outage.objects.filter(
        kind=OutageKind.PLANNED, status__in=(OutageStatus.PUBLISHED, OutageStatus.CHANGED), scheduled_start__lte=now,
    )  # fmt: skip
    started = 0
    for pk in due.order_by("scheduled_start", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            outage = _locked(Outage(pk=pk))
            if (
                outage.status not in (OutageStatus.PUBLISHED, OutageStatus.CHANGED)
                or outage.scheduled_start > now
            ):
                continue
            outage.status = OutageStatus.IN_PROGRESS
            outage.started_at = outage.scheduled_start
            outage.save(update_fields=["status", "started_at"])
            _event(outage, action=OutageEvent.Action.STARTED, by=None, now=now,
                   changes={"started_at": outage.started_at.isoformat(), "automatic": True})  # fmt: skip
            started += 1
    return started


# --- incidents ---------------------------------------------------------------------------------------------


@transaction.atomic
def incident_record(
    *,
    unit: Unit,
    place: str,
    reason: str,
    started_at: dt.datetime,
    by,
    now: dt.datetime,
    estimated_restoration: dt.datetime | None = None,
    crew: str = "",
    substations: Iterable = (),
    feeders: Iterable = (),
    transformer_stations: Iterable = (),
    communes: Iterable = (),
    reports: Iterable[int] = (),
) -> Outage:
    """Record an unplanned outage and tell the affected customers at once (urgent: quiet hours do not hold it)."""
    _require(by, "outages.record_incident", unit.pk)
    _check_window(start=started_at, end=estimated_restoration)
    substations, feeders = list(substations), list(feeders)
    transformer_stations, communes = list(transformer_stations), list(communes)
    if not (substations or feeders or transformer_stations or communes):
        raise OutageError("no_elements", _("Hãy chọn thiết bị lưới điện hoặc phường/xã bị mất điện."))
    outage = Outage.objects.create(
        kind=OutageKind.INCIDENT, status=OutageStatus.IN_PROGRESS, unit=unit, place=place, reason=reason, crew=crew,
        started_at=started_at, scheduled_end=estimated_restoration, published_at=now, created_at=now,
        created_by=by if getattr(by, "pk", None) else None,
    )  # fmt: skip
    _set_elements(outage, {"substations": substations, "feeders": feeders,
                           "transformer_stations": transformer_stations, "communes": communes})  # fmt: skip
    report_ids = list(reports)
    if report_ids:
        OutageReport.objects.filter(pk__in=report_ids, outage__isnull=True).update(outage=outage)
    notice = _notify(outage, template="incident", step="incident:0",
                     recipients=selectors.affected_accounts(outage=outage), now=now, urgent=True)  # fmt: skip
    outage.customers_at_publish = notice.recipients
    outage.save(update_fields=["customers_at_publish"])
    _event(outage, action=OutageEvent.Action.CREATED, by=by, now=now, customers=notice.recipients,
           changes={"reports": len(report_ids)} if report_ids else {})  # fmt: skip
    return outage


@transaction.atomic
def incident_update(*, outage: Outage, by, now: dt.datetime, **fields) -> Outage:
    """Update an open incident (estimated restoration `scheduled_end`, place, reason, crew, elements); tells everyone again."""
    outage = _locked(outage)
    _require(by, "outages.change", outage.unit_id)
    if outage.kind != OutageKind.INCIDENT:
        raise OutageError("not_incident", _("Lịch ngừng cấp điện được sửa bằng thao tác thay đổi lịch."))
    if outage.status != OutageStatus.IN_PROGRESS:
        raise OutageError("not_open", _("Sự cố đã đóng: không cập nhật được nữa."))
    fields.pop("scheduled_start", None)
    changes = _apply_changes(outage, fields)
    _check_window(start=outage.started_at, end=outage.scheduled_end)
    if not changes:
        return outage
    outage.revision += 1
    outage.save()
    notice = _notify(outage, template="incident_update", step=f"incident:{outage.revision}",
                     recipients=_told_before(outage), now=now, urgent=True)  # fmt: skip
    _event(
        outage,
        action=OutageEvent.Action.UPDATED,
        by=by,
        now=now,
        changes=changes,
        customers=notice.recipients,
    )
    return outage


@transaction.atomic
def incident_from_reports(
    *,
    feeder: Feeder,
    by,
    now: dt.datetime,
    estimated_restoration: dt.datetime | None = None,
    reports: QuerySet | None = None,
) -> Outage:
    """Open an incident on the suggested place (the station, or the feeder when several of its stations report).

    `reports`: the reports the caller may see (default all); those of the window under the feeder are linked.
    Opening twice links nothing twice: a second click finds no ungrouped reports and opens nothing.
    """
    pool = (reports if reports is not None else OutageReport.objects.all()).filter(
        outage__isnull=True,
        feeder=feeder,
        reported_at__gte=now - selectors.report_window(),
        reported_at__lte=now,
    )
    ids = list(pool.select_for_update().values_list("pk", flat=True))
    if not ids:
        raise OutageError("no_reports", _("Không còn báo mất điện nào chưa xử lý trên xuất tuyến này."))
    rows = OutageReport.objects.filter(pk__in=ids)
    station_ids = sorted(set(rows.values_list("transformer_station_id", flat=True)))
    first = min(rows.values_list("reported_at", flat=True))
    if len(station_ids) > 1:
        place = str(_("Khu vực xuất tuyến %(feeder)s") % {"feeder": f"{feeder.code} {feeder.name}"})
        elements = {"feeders": [feeder.pk]}
    else:
        station = TransformerStation.objects.select_related("commune").get(pk=station_ids[0])
        place = str(
            _("Khu vực trạm %(station)s, %(commune)s") % {"station": station.name, "commune": station.commune}
        )
        elements = {"transformer_stations": station_ids}
    return incident_record(
        unit=feeder.unit, place=place[:200], reason=str(_("sự cố lưới điện, đang kiểm tra")), started_at=first,
        estimated_restoration=estimated_restoration, by=by, now=now, reports=ids, **elements,
    )  # fmt: skip


# --- customers ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReportOutcome:
    """What a "no power" report led to: a known outage (nothing filed), or a new report."""

    known_outage: Outage | None
    report: OutageReport | None


@transaction.atomic
def outage_report_file(
    *, account: Account, now: dt.datetime, note: str = "", channel: str = ReportChannel.PORTAL
) -> ReportOutcome:
    """A customer says the power is off: tell them about the known outage there, else file a report under their station.

    One open report per account within the grouping window: a second one returns the first.
    """
    if account.status == Account.Status.CLOSED:
        raise OutageError("account_closed", _("Hợp đồng đã thanh lý."))
    if channel not in ReportChannel.values:
        raise OutageError("channel_unknown", _("Kênh báo mất điện không hợp lệ."))
    known = selectors.known_outage_for_account(account=account, now=now)
    if known is not None:
        return ReportOutcome(known_outage=known, report=None)
    point = account.service_points.select_related("transformer_station").order_by("pk").first()
    if point is None:
        raise OutageError("no_service_point", _("Hợp đồng chưa có điểm đo: vui lòng gọi tổng đài 19001006."))
    Account.objects.select_for_update().filter(pk=account.pk).first()  # one report at a time per account
    recent = (
        OutageReport.objects.filter(
            account=account, outage__isnull=True, reported_at__gte=now - selectors.report_window()
        )
        .order_by("-reported_at", "-pk")
        .first()
    )
    if recent is not None:
        return ReportOutcome(known_outage=None, report=recent)
    report = OutageReport.objects.create(
        account=account, service_point=point, transformer_station=point.transformer_station,
        feeder_id=point.transformer_station.feeder_id, reported_at=now, channel=channel, note=note.strip()[:500],
    )  # fmt: skip
    return ReportOutcome(known_outage=None, report=report)


@transaction.atomic
def restoration_request_add(*, account: Account, outage: Outage, now: dt.datetime) -> RestorationRequest:
    """Ask to be told when the power is back (once); refused for an outage already closed or cancelled."""
    if outage.status in FINAL_STATUSES or outage.status == OutageStatus.DRAFT:
        raise OutageError(
            "outage_not_open", _("Khu vực này không còn mất điện theo lịch hoặc sự cố đã biết.")
        )
    request, _created = RestorationRequest.objects.get_or_create(
        account=account, outage=outage, defaults={"created_at": now}
    )
    return request
