"""Writes of the service desk: open, route, assign, work, close, attach, survey, and the clocks' scan.

Each function is one transaction; the customer is told through `notify()` inside it (a rolled-back move
sends nothing), with a key per request and state so that a retry sends nothing twice. Times come in as
`now`; no function reads the clock.
"""

import dataclasses
import datetime as dt
import io
import logging
import secrets
from collections import defaultdict
from typing import Any

import numpy as np
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridcare.core.audit import acting_as
from gridcare.core.sqlarrays import fetch_int_matrix
from gridcare.customers.models import Account
from gridcare.notifications.services import notify
from gridcare.org import policy
from gridcare.org.models import StaffMembership, Unit
from gridcare.outages import selectors as outage_selectors
from gridcare.outages import services as outage_services
from gridcare.outages.models import ANNOUNCED_STATUSES, Outage
from gridcare.servicedesk import clock
from gridcare.servicedesk.models import (
    FIELD_NAMES,
    OPEN_STATES,
    Assignment,
    Attachment,
    ClockAlert,
    DayOff,
    PromiseUnit,
    RequestState,
    RequestType,
    ServiceRequest,
    StatusChange,
    Survey,
    WorkOrder,
)

logger = logging.getLogger(__name__)
SURVEY_SALT = "gridcare.servicedesk.survey"
SURVEY_MAX_AGE = 60 * 24 * 3600
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


class ServiceDeskError(ValueError):
    """A refused request, with a stable `code` for interfaces and a sentence for people."""

    def __init__(self, code: str, message, **details: Any):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.details = details


# --- the business calendar ------------------------------------------------------------------------


def business_calendar(*, years: range | list[int]) -> clock.Calendar:
    """The calendar of the settings' working hours, Vietnam's public holidays and the utility's days off."""
    years = list(years)
    extra = list(
        DayOff.objects.filter(day__year__gte=min(years), day__year__lte=max(years)).values_list(
            "day", flat=True
        )
    )
    return clock.Calendar(
        windows=clock.parse_windows(settings.GRIDCARE_SERVICEDESK_WORKING_HOURS),
        days_off=clock.public_holidays(years=years, extra_days=extra),
    )


def _years_around(moments: list[dt.datetime]) -> range:
    # A deadline can cross into the next year (a request opened in late December, Tết in early February).
    return range(min(m.year for m in moments) - 1, max(m.year for m in moments) + 2)


def deadlines_for(
    *, request_type: RequestType, extra_works: bool, opened_at: dt.datetime, calendar=None
) -> tuple[dt.datetime, dt.datetime]:
    """(due, warn) of one request opened at `opened_at` (see `clock.deadlines`)."""
    calendar = calendar or business_calendar(years=_years_around([opened_at]))
    amount = (
        request_type.extended_promise_amount
        if extra_works and request_type.extended_promise_amount
        else request_type.promise_amount
    )
    unit = clock.UNIT_HOURS if request_type.promise_unit == PromiseUnit.WORKING_HOURS else clock.UNIT_DAYS
    due, warn = clock.deadlines(
        start=np.array([clock.to_minutes(opened_at)]), amount=np.array([amount]), unit=np.array([unit]),
        calendar=calendar, warn_fraction=settings.GRIDCARE_SERVICEDESK_WARN_FRACTION,
    )  # fmt: skip
    return clock.from_minutes(due[0]), clock.from_minutes(warn[0])


# --- routing ----------------------------------------------------------------------------------------


def team_for_account(*, account: Account) -> Unit:
    """The management team that serves the premise's commune/ward (else the contract's own unit)."""
    team = (
        Unit.objects.filter(kind=Unit.Kind.TEAM, communes=account.premise.commune_id)
        .order_by("path", "pk")
        .first()
    )
    return team or account.unit


def known_outage(*, account: Account, now: dt.datetime) -> Outage | None:
    """The announced outage or incident covering the contract's service points at `now` (outages' selector), if any."""
    return outage_selectors.known_outage_for_account(account=account, now=now)


def outage_reference(*, outage: Outage) -> str:
    """How a request names the known outage it is linked to: its number and place (`#12 khu vực chợ Cái Răng`)."""
    return f"#{outage.pk} {outage.place}"[:60]


def known_outage_for(*, account: Account, now: dt.datetime) -> str:
    """The reference of a known outage that explains "no power" at this contract's premise, or "".

    Asks `gridcare.outages.selectors.known_outage_for_account` (an incident in progress, or an announced planned
    outage whose window covers `now`); `request_open` links a "no power" request to it instead of dispatching a
    crew (docs/servicedesk.md).
    """
    outage = known_outage(account=account, now=now)
    return outage_reference(outage=outage) if outage is not None else ""


# --- opening ------------------------------------------------------------------------------------------


def _new_number(now: dt.datetime) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"YC{now:%y%m%d}" + "".join(secrets.choice(alphabet) for _i in range(6))


def _clean_fields(*, request_type: RequestType, fields: dict) -> dict:
    known = {
        name: str(value).strip()
        for name, value in (fields or {}).items()
        if name in FIELD_NAMES and str(value).strip()
    }
    missing = [name for name in request_type.required_fields if name not in known]
    if missing:
        raise ServiceDeskError(
            "missing_fields", _("Vui lòng điền đủ thông tin bắt buộc của loại yêu cầu này."), fields=missing
        )
    return known


def _message_context(request: ServiceRequest, language: str) -> dict[str, str]:
    return {
        "number": request.number,
        "request_type": request.request_type.name(language),
        "state": str(RequestState(request.state).label),
    }


def _tell_customer(
    *, request: ServiceRequest, template: str, now: dt.datetime, extra: dict | None = None
) -> None:
    account = request.account
    context = _message_context(request, account.preferred_language) | (extra or {})
    notify(
        topic="service_request", recipients={account.pk: context}, template=template,
        key=f"service_request:{request.pk}:{template}:{request.state}", now=now,
    )  # fmt: skip


def _history(
    *, request: ServiceRequest, to_state: str, from_state: str = "", by=None, now: dt.datetime, note: str = ""
) -> None:
    StatusChange.objects.create(request=request, at=now, by=by if by is not None and by.pk else None,
                                from_state=from_state, to_state=to_state, note=note[:2000])  # fmt: skip


def request_open(
    *,
    account: Account,
    request_type: RequestType,
    now: dt.datetime,
    description: str = "",
    fields: dict | None = None,
    extra_works: bool = False,
    channel: str = "portal",
    by=None,
    uploads=(),
) -> ServiceRequest:
    """Open a request on `account`, routed to the team of its premise, with its clock started at `now`.

    Staff (`by` is staff) need `servicedesk.open_for_customer` on the account's unit; a customer opens
    only on their own contracts (the interface checks it). The same open request twice is refused
    (`already_open`, with the number of the open one).
    """
    if by is not None and policy.is_active_staff(by):
        policy.require(user=by, action="servicedesk.open_for_customer", unit_id=account.unit_id)
    if not request_type.active:
        raise ServiceDeskError("type_inactive", _("Loại yêu cầu này hiện không nhận yêu cầu mới."))
    cleaned = _clean_fields(request_type=request_type, fields=fields or {})
    description = (description or "").strip()[:4000]
    open_one = ServiceRequest.objects.filter(
        account=account, request_type=request_type, state__in=OPEN_STATES
    ).first()
    if open_one is not None:
        raise _already_open(open_one)
    due, warn = deadlines_for(request_type=request_type, extra_works=extra_works, opened_at=now)
    known = known_outage(account=account, now=now) if request_type.no_power else None
    outage = outage_reference(outage=known) if known is not None else ""
    try:
        with transaction.atomic(), acting_as(user=by, reason="servicedesk.request_open"):
            request = ServiceRequest.objects.create(
                number=_new_number(now), customer_id=account.customer_id, account=account, premise_id=account.premise_id,
                request_type=request_type, description=description, fields=cleaned,
                extra_works=bool(extra_works and request_type.extended_promise_amount), channel=channel,
                team=team_for_account(account=account), opened_at=now, due_at=due, warn_at=warn,
                outage_reference=outage, outage=known,
            )  # fmt: skip
            _history(request=request, to_state=RequestState.NEW, by=by, now=now,
                     note=str(_("Mất điện đã biết: %(outage)s") % {"outage": outage}) if outage else "")  # fmt: skip
            if known is not None:
                # Linked, not dispatched: the customer is told when the known outage is closed (power back).
                outage_services.restoration_request_add(account=account, outage=known, now=now)
            for upload in uploads:
                attachment_add(request=request, upload=upload, by=by, now=now)
            _tell_customer(request=request, template="service_request_received", now=now,
                           extra={"due": _local_text(due)})  # fmt: skip
    except IntegrityError:
        # Two submissions at once: the partial unique index let one through.
        open_one = ServiceRequest.objects.filter(
            account=account, request_type=request_type, state__in=OPEN_STATES
        ).first()
        if open_one is None:
            raise
        raise _already_open(open_one) from None
    return request


def _already_open(request: ServiceRequest) -> ServiceDeskError:
    return ServiceDeskError(
        "already_open",
        _("Quý khách đã có yêu cầu %(number)s cùng loại đang được xử lý; vui lòng theo dõi yêu cầu đó.")
        % {"number": request.number},
        number=request.number,
    )


def _local_text(moment: dt.datetime) -> str:
    from gridcare.core.formatting import BUSINESS_TZ

    return f"{moment.astimezone(BUSINESS_TZ):%H:%M %d/%m/%Y}"


# --- moving a request ----------------------------------------------------------------------------------


ALLOWED_MOVES = {
    RequestState.NEW: {RequestState.ASSIGNED, RequestState.CANCELLED, RequestState.CLOSED},
    RequestState.ASSIGNED: {
        RequestState.ASSIGNED,
        RequestState.IN_PROGRESS,
        RequestState.CLOSED,
        RequestState.CANCELLED,
    },
    RequestState.IN_PROGRESS: {RequestState.CLOSED, RequestState.CANCELLED, RequestState.ASSIGNED},
    RequestState.CLOSED: set(),
    RequestState.CANCELLED: set(),
}


def _locked(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update()
        .select_related("account", "request_type", "team")
        .get(pk=request.pk)
    )


def _move(
    *, request: ServiceRequest, to_state: str, by, now: dt.datetime, note: str = "", **changes
) -> ServiceRequest:
    from_state = request.state
    if to_state not in ALLOWED_MOVES[RequestState(from_state)]:
        raise ServiceDeskError(
            "bad_move",
            _("Yêu cầu đang ở trạng thái “%(state)s”, không chuyển sang “%(to)s” được.")
            % {"state": RequestState(from_state).label, "to": RequestState(to_state).label},
            state=from_state,
        )
    request.state = to_state
    for name, value in changes.items():
        setattr(request, name, value)
    request.save(update_fields=["state", *changes])
    _history(request=request, from_state=from_state, to_state=to_state, by=by, now=now, note=note)
    return request


def _staff_of_team(*, user, team: Unit) -> bool:
    membership = StaffMembership.objects.filter(user=user).select_related("unit").first()
    return bool(membership and user.is_active and membership.unit.path.startswith(team.path))


def request_assign(
    *, request: ServiceRequest, assignee, by, now: dt.datetime, day: dt.date | None = None
) -> WorkOrder:
    """The team lead gives the request to `assignee` (a member of the team) and puts it on their worklist for `day`."""
    policy.require(user=by, action="servicedesk.assign", unit_id=request.team_id)
    with transaction.atomic(), acting_as(user=by, reason="servicedesk.request_assign"):
        request = _locked(request)
        if not _staff_of_team(user=assignee, team=request.team):
            raise ServiceDeskError(
                "not_in_team", _("Người được giao phải là nhân viên của đội xử lý yêu cầu này.")
            )
        day = day or now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
        _move(request=request, to_state=RequestState.ASSIGNED, by=by, now=now, assignee=assignee,
              note=assignee.get_full_name() or assignee.get_username())  # fmt: skip
        Assignment.objects.create(request=request, assignee=assignee, assigned_by=by, at=now)
        last = (
            WorkOrder.objects.filter(assignee=assignee, scheduled_for=day)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        order = WorkOrder.objects.filter(
            request=request, state__in=[WorkOrder.State.PLANNED, WorkOrder.State.STARTED]
        ).first()
        if order is None:
            order = WorkOrder.objects.create(
                request=request, assignee=assignee, scheduled_for=day, sequence=(last or 0) + 1
            )
        else:
            order.assignee, order.scheduled_for, order.sequence = assignee, day, (last or 0) + 1
            order.save(update_fields=["assignee", "scheduled_for", "sequence"])
        _tell_customer(request=request, template="service_request_moved", now=now)
    return order


def work_order_start(*, work_order: WorkOrder, by, now: dt.datetime) -> WorkOrder:
    """The field worker starts the job: the request is in progress."""
    policy.require(user=by, action="servicedesk.work", unit_id=work_order.request.team_id)
    with transaction.atomic(), acting_as(user=by, reason="servicedesk.work_order_start"):
        order = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        if order.state != WorkOrder.State.PLANNED:
            return order
        order.state, order.started_at = WorkOrder.State.STARTED, now
        order.save(update_fields=["state", "started_at"])
        request = _locked(order.request)
        if request.state == RequestState.ASSIGNED:
            _move(request=request, to_state=RequestState.IN_PROGRESS, by=by, now=now)
            _tell_customer(request=request, template="service_request_moved", now=now)
    return order


def work_order_finish(
    *,
    work_order: WorkOrder,
    by,
    now: dt.datetime,
    work_done: str,
    materials: str = "",
    customer_confirmed: bool = False,
    confirmed_by: str = "",
    client_key: str | None = None,
    started_at: dt.datetime | None = None,
    finished_at: dt.datetime | None = None,
    uploads=(),
) -> WorkOrder:
    """The job is done: what was done, materials, photos, the customer's confirmation; the request closes.

    Idempotent by `client_key` (the phone's key for the form): the same form sent twice is finished once.
    """
    policy.require(user=by, action="servicedesk.work", unit_id=work_order.request.team_id)
    if client_key:
        done = WorkOrder.objects.filter(client_key=client_key).first()
        if done is not None:
            return done
    if not (work_done or "").strip():
        raise ServiceDeskError("work_done_missing", _("Hãy ghi công việc đã làm trước khi kết thúc."))
    with transaction.atomic(), acting_as(user=by, reason="servicedesk.work_order_finish"):
        order = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        if order.state == WorkOrder.State.DONE:
            return order
        order.state = WorkOrder.State.DONE
        order.started_at = order.started_at or started_at or now
        order.finished_at = finished_at or now
        order.work_done, order.materials = work_done.strip()[:4000], (materials or "").strip()[:2000]
        order.customer_confirmed, order.customer_confirmed_by = (
            bool(customer_confirmed),
            (confirmed_by or "").strip()[:120],
        )
        order.client_key = client_key or None
        order.save()
        for upload in uploads:
            attachment_add(request=order.request, work_order=order, upload=upload, by=by, now=now)
        request = _locked(order.request)
        if request.state in OPEN_STATES:
            _close(request=request, by=by, now=now, resolution=order.work_done)
    return order


def _close(*, request: ServiceRequest, by, now: dt.datetime, resolution: str) -> None:
    _move(request=request, to_state=RequestState.CLOSED, by=by, now=now, closed_at=now, resolution=resolution)
    survey, _created = Survey.objects.get_or_create(request=request, defaults={"sent_at": now})
    _tell_customer(request=request, template="service_request_closed", now=now,
                   extra={"survey_url": survey_url(survey=survey)})  # fmt: skip


def request_close(*, request: ServiceRequest, by, now: dt.datetime, resolution: str) -> ServiceRequest:
    """Close a request from the back office (done without a field visit) and send the survey."""
    policy.require(user=by, action="servicedesk.work", unit_id=request.team_id)
    with transaction.atomic(), acting_as(user=by, reason="servicedesk.request_close"):
        request = _locked(request)
        if request.state == RequestState.CLOSED:
            return request
        _close(request=request, by=by, now=now, resolution=(resolution or "").strip()[:4000])
    return request


def request_cancel(*, request: ServiceRequest, by, now: dt.datetime, note: str = "") -> ServiceRequest:
    """Cancel an open request (the customer's own, or staff of its team who may work on it)."""
    if policy.is_active_staff(by):
        policy.require(user=by, action="servicedesk.work", unit_id=request.team_id)
    with transaction.atomic(), acting_as(user=by, reason="servicedesk.request_cancel"):
        request = _locked(request)
        if request.state == RequestState.CANCELLED:
            return request
        _move(request=request, to_state=RequestState.CANCELLED, by=by, now=now, note=note, closed_at=now)
        WorkOrder.objects.filter(request=request).exclude(state=WorkOrder.State.DONE).delete()
        _tell_customer(request=request, template="service_request_moved", now=now)
    return request


# --- attachments ----------------------------------------------------------------------------------------


def _refuse(code: str, message, **details) -> ServiceDeskError:
    return ServiceDeskError(code, message, **details)


def attachment_check(*, upload) -> tuple[bytes, str, str]:
    """(content, content type, extension) of an acceptable upload, images scaled down; else `ServiceDeskError`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = settings.GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES
    name = getattr(upload, "name", "") or "tep"
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            "file_too_large",
            _("Tệp “%(name)s” nặng %(size)s MB, quá giới hạn %(limit)s MB. Hãy chụp lại ảnh nhỏ hơn hoặc gửi tệp khác.")
            % {"name": name, "size": f"{size / 1_048_576:.1f}".replace(".", ","), "limit": limit // 1_048_576},
            name=name, size=size, max_bytes=limit,
        )  # fmt: skip
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse("file_too_large", _("Tệp “%(name)s” quá giới hạn %(limit)s MB.") % {"name": name, "limit": limit // 1_048_576},
                      name=name, max_bytes=limit)  # fmt: skip
    if data.startswith(b"%PDF-"):
        return data, "application/pdf", "pdf"
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind not in IMAGE_TYPES:
        raise _refuse(
            "file_type",
            _("Tệp “%(name)s” không phải ảnh (JPEG, PNG, WEBP) hay PDF nên không nhận được.")
            % {"name": name},
            name=name,
        )
    Image.MAX_IMAGE_PIXELS = 50_000_000  # a decompression bomb is an error, not a frozen worker
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((settings.GRIDCARE_SERVICEDESK_IMAGE_MAX_PIXELS,) * 2)
            out = io.BytesIO()
            # Re-encoded as JPEG: smaller, and the camera's EXIF (place, phone) stays behind.
            image.convert("RGB").save(out, format="JPEG", quality=82, optimize=True)
    except (OSError, Image.DecompressionBombError, ValueError):
        raise _refuse(
            "file_type", _("Ảnh “%(name)s” bị hỏng hoặc quá lớn, không đọc được.") % {"name": name}, name=name
        ) from None
    return out.getvalue(), "image/jpeg", "jpg"


def attachment_add(
    *, request: ServiceRequest, upload, by, now: dt.datetime, work_order: WorkOrder | None = None
) -> Attachment:
    """Store a checked (and for images scaled-down) upload of the request through the default storage."""
    content, content_type, extension = attachment_check(upload=upload)
    original = (getattr(upload, "name", "") or "tep")[-200:]
    attachment = Attachment(
        request=request, work_order=work_order, original_name=original, content_type=content_type, size=len(content),
        uploaded_by=by if by is not None and by.pk else None, uploaded_at=now,
    )  # fmt: skip
    attachment.file.save(
        f"{request.number}-{secrets.token_hex(4)}.{extension}", ContentFile(content), save=False
    )
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


# --- surveys -----------------------------------------------------------------------------------------------


def survey_token(*, survey: Survey) -> str:
    """A signed, expiring token for the survey's link (short enough for an SMS)."""
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(str(survey.pk))


def survey_url(*, survey: Survey) -> str:
    """The survey's link as the customer receives it (`GRIDCARE_PORTAL_URL` + the portal's survey page)."""
    path = reverse("portal:request_survey", kwargs={"token": survey_token(survey=survey)})
    return settings.GRIDCARE_PORTAL_URL.rstrip("/") + path


def survey_from_token(*, token: str) -> Survey | None:
    """The survey of a valid, unexpired token, else None."""
    try:
        pk = signing.TimestampSigner(salt=SURVEY_SALT).unsign(token, max_age=SURVEY_MAX_AGE)
    except signing.BadSignature:
        return None
    return Survey.objects.select_related("request__request_type", "request__team").filter(pk=int(pk)).first()


def survey_answer(*, survey: Survey, score: int, comment: str, now: dt.datetime) -> Survey:
    """Record the customer's answer (1–5 and an optional comment); a second answer replaces nothing."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ServiceDeskError(
            "bad_score", _("Hãy chọn một mức từ 1 (rất không hài lòng) đến 5 (rất hài lòng).")
        )
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.answered_at is not None:
            return survey
        survey.score, survey.comment, survey.answered_at = score, (comment or "").strip()[:2000], now
        survey.save(update_fields=["score", "comment", "answered_at"])
    return survey


# --- the clocks' scan ----------------------------------------------------------------------------------------


def _epoch_minutes_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 60) AS BIGINT)"
    # '%%s' is strftime's epoch seconds ('%s' would be a query parameter).
    return f"CAST(strftime('%%s', {column}) AS INTEGER) / 60"


# SQL: the request's linked outage is still announced or in progress (its clock is held meanwhile).
_HELD_BY_OUTAGE = (
    f"EXISTS (SELECT 1 FROM {Outage._meta.db_table} o WHERE o.id = r.outage_id "  # noqa: S608 - the enum's values
    f"AND o.status IN ({', '.join(repr(str(s.value)) for s in ANNOUNCED_STATUSES)}))"
)


def open_request_clocks(*, now: dt.datetime, only_linked: bool = False) -> dict[str, np.ndarray]:
    """The clocks of every open request (or those linked to an outage) as arrays: ids, teams, and the recomputed
    and stored due and warn moments.

    A request linked to a known outage counts its promise from the outage's restoration once power is back.
    """
    table = ServiceRequest._meta.db_table
    types = RequestType._meta.db_table
    outages = Outage._meta.db_table
    placeholders = ", ".join(["%s"] * len(OPEN_STATES))
    linked = "AND r.outage_id IS NOT NULL" if only_linked else ""
    start = "CASE WHEN o.restored_at > r.opened_at THEN o.restored_at ELSE r.opened_at END"
    sql = f"""
        SELECT r.id, r.team_id, {_epoch_minutes_sql(start)},
               CASE WHEN r.extra_works AND t.extended_promise_amount IS NOT NULL THEN t.extended_promise_amount
                    ELSE t.promise_amount END,
               CASE WHEN t.promise_unit = %s THEN 1 ELSE 0 END,
               {_epoch_minutes_sql("r.due_at")}, {_epoch_minutes_sql("r.warn_at")}
        FROM {table} r JOIN {types} t ON t.id = r.request_type_id
        LEFT JOIN {outages} o ON o.id = r.outage_id
        WHERE r.state IN ({placeholders}) {linked}
        ORDER BY r.id
    """  # noqa: S608 - table names and placeholders only
    rows = fetch_int_matrix(sql=sql, params=[PromiseUnit.WORKING_HOURS, *OPEN_STATES], columns=7)
    ids, teams, opened, amount, unit, due_stored, warn_stored = (
        rows.T if len(rows) else np.zeros((7, 0), dtype=np.int64)
    )
    if len(ids):
        first = clock.from_minutes(int(opened.min()))
        calendar = business_calendar(years=_years_around([first, now]))
        due, warn = clock.deadlines(start=opened, amount=amount, unit=unit, calendar=calendar,
                                    warn_fraction=settings.GRIDCARE_SERVICEDESK_WARN_FRACTION)  # fmt: skip
    else:
        due, warn = due_stored, warn_stored
    return {
        "ids": ids,
        "teams": teams,
        "due": due,
        "warn": warn,
        "due_stored": due_stored,
        "warn_stored": warn_stored,
    }


def clocks_recompute(*, now: dt.datetime, only_linked: bool = False) -> int:
    """Recompute every open request's deadline and warning on today's calendar, as arrays; store those that moved.

    Run after the calendar changed (a day off added or removed, other working hours): a deadline is fixed when a
    request is opened, and the breach scan compares the stored moments. Returns how many requests moved.
    `only_linked`: only requests linked to a known outage (their clock restarts when power is back).
    """
    clocks = open_request_clocks(now=now, only_linked=only_linked)
    moved = (clocks["due"] != clocks["due_stored"]) | (clocks["warn"] != clocks["warn_stored"])
    ids, due, warn = (clocks[k][moved].tolist() for k in ("ids", "due", "warn"))
    table = ServiceRequest._meta.db_table
    with (
        transaction.atomic(),
        acting_as(reason="servicedesk.clocks_recompute"),
        connection.cursor() as cursor,
    ):
        if not ids:
            pass
        elif connection.vendor == "postgresql":
            # One statement for all the moved requests (a new day off can move every open request).
            cursor.execute(
                f"UPDATE {table} r SET due_at = to_timestamp(m.due * 60), warn_at = to_timestamp(m.warn * 60) "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS m(id, due, warn) WHERE r.id = m.id",
                [ids, due, warn],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"UPDATE {table} SET due_at = %s, warn_at = %s WHERE id = %s",  # noqa: S608
                [
                    (adapt(clock.from_minutes(d)), adapt(clock.from_minutes(w)), i)
                    for i, d, w in zip(ids, due, warn, strict=True)
                ],
            )
    return len(ids)


# Request numbers listed per kind in a team's e-mail.
_NUMBERS_SHOWN = 50


@dataclasses.dataclass
class _TeamAlerts:
    """A team's new alerts of one scan: how many warnings (of requests not also breached) and breaches, and the
    first request ids of each, in id order."""

    warned: int = 0
    breached: int = 0
    warned_ids: list[int] = dataclasses.field(default_factory=list)
    breached_ids: list[int] = dataclasses.field(default_factory=list)


def _alerts_insert_postgresql(*, now: dt.datetime) -> tuple[int, int, dict[int, _TeamAlerts]]:
    """Both kinds in one statement: one pass over the open requests, the new alerts inserted, a summary per team.

    The alerts table is locked against other scans for the transaction (reads go on), so a plain INSERT is safe
    where `ON CONFLICT DO NOTHING` would cost a speculative insertion per row (about half the worst-case scan);
    the unique key (request, kind) stays the guarantee.
    """
    table = ServiceRequest._meta.db_table
    alerts = ClockAlert._meta.db_table
    placeholders = ", ".join(["%s"] * len(OPEN_STATES))
    moment = connection.ops.adapt_datetimefield_value(now)
    warning, breach = ClockAlert.Kind.WARNING.value, ClockAlert.Kind.BREACH.value
    sql = f"""
        WITH found AS MATERIALIZED (
            SELECT r.id, r.team_id, (r.warn_at <= %s AND w.id IS NULL) AS warning, (r.due_at <= %s AND b.id IS NULL) AS breach
              FROM {table} r
              LEFT JOIN {alerts} w ON w.request_id = r.id AND w.kind = %s
              LEFT JOIN {alerts} b ON b.request_id = r.id AND b.kind = %s
             WHERE r.state IN ({placeholders})
               AND ((r.warn_at <= %s AND w.id IS NULL) OR (r.due_at <= %s AND b.id IS NULL))
               AND (r.outage_id IS NULL OR NOT {_HELD_BY_OUTAGE})
        ), inserted AS (
            INSERT INTO {alerts} (request_id, kind, at)
            SELECT id, %s, %s FROM found WHERE warning UNION ALL SELECT id, %s, %s FROM found WHERE breach
        )
        SELECT team_id, COUNT(*) FILTER (WHERE warning), COUNT(*) FILTER (WHERE breach),
               COUNT(*) FILTER (WHERE warning AND NOT breach),
               (ARRAY_AGG(id ORDER BY id) FILTER (WHERE warning AND NOT breach))[1:%s],
               (ARRAY_AGG(id ORDER BY id) FILTER (WHERE breach))[1:%s]
          FROM found GROUP BY team_id
    """  # noqa: S608 - table names and placeholders only
    params = [moment, moment, warning, breach, *OPEN_STATES, moment, moment, warning, moment, breach, moment,
              _NUMBERS_SHOWN, _NUMBERS_SHOWN]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {alerts} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    teams = {
        team: _TeamAlerts(warned=only_warned, breached=breaches, warned_ids=list(warned_ids or []), breached_ids=list(breached_ids or []))
        for team, _warnings, breaches, only_warned, warned_ids, breached_ids in rows
    }  # fmt: skip
    return sum(row[1] for row in rows), sum(row[2] for row in rows), teams


def _alerts_insert(*, kind: str, moment_column: str, now: dt.datetime) -> list[tuple[int, int]]:
    """SQLite: insert the alert `kind` of every open request whose `moment_column` has passed; (request, team) of the new ones."""
    table = ServiceRequest._meta.db_table
    alerts = ClockAlert._meta.db_table
    placeholders = ", ".join(["%s"] * len(OPEN_STATES))
    # One statement: the unique key (request, kind) keeps it idempotent, NOT EXISTS keeps it from retrying old ones.
    insert = f"""
        INSERT INTO {alerts} (request_id, kind, at)
        SELECT r.id, %s, %s FROM {table} r
        WHERE r.state IN ({placeholders}) AND r.{moment_column} <= %s
          AND NOT EXISTS (SELECT 1 FROM {alerts} a WHERE a.request_id = r.id AND a.kind = %s)
          AND (r.outage_id IS NULL OR NOT {_HELD_BY_OUTAGE})
        ON CONFLICT DO NOTHING
        RETURNING request_id
    """  # noqa: S608 - table and column names only
    moment = connection.ops.adapt_datetimefield_value(now)  # SQLite compares text: UTC, as Django stores it
    with connection.cursor() as cursor:
        cursor.execute(insert, [kind, moment, *OPEN_STATES, moment, kind])
        new = [row[0] for row in cursor.fetchall()]
    teams = {}
    for chunk in range(0, len(new), 500):
        teams.update(
            ServiceRequest.objects.filter(pk__in=new[chunk : chunk + 500]).values_list("pk", "team_id")
        )
    return [(pk, teams[pk]) for pk in new]


def _alerts_insert_sqlite(*, now: dt.datetime) -> tuple[int, int, dict[int, _TeamAlerts]]:
    """The same as `_alerts_insert_postgresql`, in two statements and a summary made in Python."""
    warned = _alerts_insert(kind=ClockAlert.Kind.WARNING, moment_column="warn_at", now=now)
    breached = _alerts_insert(kind=ClockAlert.Kind.BREACH, moment_column="due_at", now=now)
    breached_ids = {pk for pk, _team in breached}
    teams: dict[int, _TeamAlerts] = defaultdict(_TeamAlerts)
    for request_id, team in sorted(breached):
        teams[team].breached += 1
        if len(teams[team].breached_ids) < _NUMBERS_SHOWN:
            teams[team].breached_ids.append(request_id)
    for request_id, team in sorted(warned):
        if request_id not in breached_ids:
            teams[team].warned += 1
            if len(teams[team].warned_ids) < _NUMBERS_SHOWN:
                teams[team].warned_ids.append(request_id)
    return len(warned), len(breached), dict(teams)


def clock_scan(*, now: dt.datetime, tell_teams: bool = True, recompute: bool = False) -> dict[str, int]:
    """Warnings before a breach and breaches of every open request, each found once (idempotent).

    Set-based on the stored deadlines (`recompute=True` first recomputes them on today's calendar, see
    `clocks_recompute`): a new warning or breach is a `ClockAlert` row (unique per request and kind), and the
    team hears of it by e-mail to its staff, one message per team and scan (docs/servicedesk.md). A request
    linked to a known outage is held while that outage is announced or in progress, and its clock restarts at
    the restoration (each scan restarts those of outages restored since).
    """
    moved = clocks_recompute(now=now) if recompute else clocks_recompute(now=now, only_linked=True)
    with transaction.atomic(), acting_as(reason="servicedesk.clock_scan"):
        if connection.vendor == "postgresql":
            # Alerts are found again by the next scan if a crash loses them: the commit need not wait for the WAL.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            warnings, breaches, teams = _alerts_insert_postgresql(now=now)
        else:
            warnings, breaches, teams = _alerts_insert_sqlite(now=now)
        if tell_teams and teams:
            _tell_teams(teams=teams, now=now)
    return {"warnings": warnings, "breaches": breaches, "moved": moved}


def _tell_teams(*, teams: dict[int, _TeamAlerts], now: dt.datetime) -> None:
    """One e-mail per team to its staff with an address: the numbers of its requests newly near or past their deadline."""
    units = {unit.pk: unit for unit in Unit.objects.filter(pk__in=list(teams))}
    numbers = dict(ServiceRequest.objects.filter(pk__in=[i for t in teams.values() for i in t.warned_ids + t.breached_ids])
                   .values_list("pk", "number"))  # fmt: skip
    for team_id, found in teams.items():
        unit = units.get(team_id)
        if unit is None:
            continue
        addresses = list(
            StaffMembership.objects.filter(unit__path__startswith=unit.path, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if not addresses:
            continue
        body = [str(_("Đội %(team)s có yêu cầu sắp quá hạn hoặc đã quá hạn:") % {"team": unit.name})]
        for count, ids, label in (
            (found.breached, found.breached_ids, _("Đã quá hạn")),
            (found.warned, found.warned_ids, _("Sắp quá hạn")),
        ):
            if count:
                shown = ", ".join(numbers.get(i, str(i)) for i in ids)
                more = count - len(ids)
                body.append(f"{label} ({count}): {shown}" + (f" … +{more}" if more > 0 else ""))
        subject = str(
            _("[gridcare] %(count)s yêu cầu cần xử lý gấp") % {"count": found.warned + found.breached}
        )
        text = "\n".join(body)

        def send(subject=subject, text=text, addresses=addresses):
            try:
                send_mail(subject, text, None, addresses)
            except Exception:  # a mail server down must not undo the scan; the queue page shows the same
                logger.exception("servicedesk: the team warning e-mail was not sent")

        transaction.on_commit(send)


def clock_scan_naive(*, now: dt.datetime) -> int:
    """The same scan, one request at a time in Python (the benchmark's baseline; writes nothing)."""
    calendar = None
    found = 0
    rows = ServiceRequest.objects.filter(state__in=OPEN_STATES).exclude(outage__status__in=ANNOUNCED_STATUSES)
    for request in rows.select_related("request_type").order_by("pk"):
        calendar = calendar or business_calendar(years=_years_around([request.opened_at, now]))
        due, warn = _naive_deadline(request=request, calendar=calendar)
        found += now >= warn
    return found


def _naive_deadline(*, request: ServiceRequest, calendar: clock.Calendar) -> tuple[dt.datetime, dt.datetime]:
    off = {d.item() for d in calendar.days_off}
    tz = dt.timezone(dt.timedelta(minutes=calendar.utc_offset_minutes))
    local = request.opened_at.astimezone(tz)

    def working(day):
        return calendar.weekmask[day.weekday()] == "1" and day not in off

    kind = request.request_type
    amount = (
        kind.extended_promise_amount
        if request.extra_works and kind.extended_promise_amount
        else kind.promise_amount
    )
    day = local.date()
    if kind.promise_unit == PromiseUnit.WORKING_DAYS:
        while not working(day):
            day += dt.timedelta(days=1)
        for _i in range(amount):
            day += dt.timedelta(days=1)
            while not working(day):
                day += dt.timedelta(days=1)
        end = calendar.windows[-1][1]
        due = dt.datetime.combine(day, dt.time(end // 60, end % 60), tzinfo=tz)
        start = calendar.windows[0][0]
        return due, dt.datetime.combine(day, dt.time(start // 60, start % 60), tzinfo=tz)
    left = amount * 60
    warn_left = left - int(left * settings.GRIDCARE_SERVICEDESK_WARN_FRACTION)
    minute = local.hour * 60 + local.minute
    warn = None
    while True:
        if working(day):
            for begin, end in calendar.windows:
                begin = max(begin, minute)
                if begin >= end:
                    continue
                if left - (end - begin) <= warn_left and warn is None:
                    at = begin + left - warn_left
                    warn = dt.datetime.combine(day, dt.time(at // 60, at % 60), tzinfo=tz)
                if end - begin >= left:
                    at = begin + left
                    return dt.datetime.combine(day, dt.time(at // 60, at % 60), tzinfo=tz), warn
                left -= end - begin
        day += dt.timedelta(days=1)
        minute = 0
