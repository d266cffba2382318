"""Writes of demand response: define a programme, enrol, call an event, answer it, measure it; OpenADR clients."""

import datetime as dt
import secrets
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from gridcare.core.credentials import secret_hash
from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.customers.models import Account, ServicePoint
from gridcare.flexibility import baselines, documents, openadr, results, selectors, tasks
from gridcare.flexibility.models import (
    MIN_NOTICE_MINUTES,
    Channel,
    Enrolment,
    Event,
    EventParticipant,
    EventResponse,
    IntervalResult,
    Programme,
    Ven,
    VenReport,
    VenResource,
    VenSubscription,
    VenToken,
)
from gridcare.notifications.models import Urgency
from gridcare.notifications.services import notify
from gridcare.org import policy

LOOKBACK_DAYS = 45
MAX_EVENT_LENGTH = dt.timedelta(hours=24)
TOKEN_LIFETIME = dt.timedelta(hours=1)


class FlexibilityError(ValueError):
    """A refused request: a stable `code` for interfaces and a sentence for people."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


# --- programmes and enrolments -----------------------------------------------------------------------------


def programme_define(*, user, unit, code: str, now: dt.datetime, **fields: Any) -> Programme:
    """Create or update the programme `code` of `unit` (idempotent by code)."""
    policy.require(user=user, action="flexibility.define_programme", unit_id=unit.pk)
    if fields.get("notice_minutes", MIN_NOTICE_MINUTES) < MIN_NOTICE_MINUTES:
        raise FlexibilityError("notice_too_short", _("Thời gian báo trước phải từ 30 phút trở lên."))
    with transaction.atomic():
        programme, _created = Programme.objects.update_or_create(code=code, defaults={"unit": unit, **fields})
    return programme


def enrolment_eligibility(*, programme: Programme, account: Account, today: dt.date) -> list[str]:
    """Why the account may not join the programme (empty: it may)."""
    reasons = []
    if programme.eligible_purposes and account.purpose not in programme.eligible_purposes:
        reasons.append(_("Mục đích sử dụng điện của khách hàng không thuộc chương trình."))
    if programme.eligible_voltages and account.voltage not in programme.eligible_voltages:
        reasons.append(_("Cấp điện áp của khách hàng không thuộc chương trình."))
    if (
        programme.min_annual_kwh
        and selectors.annual_kwh(account=account, today=today) < programme.min_annual_kwh
    ):
        reasons.append(
            _("Sản lượng điện một năm dưới %(kwh)s kWh.")
            % {"kwh": f"{programme.min_annual_kwh:,}".replace(",", ".")}
        )
    if programme.requires_interval_meter and not selectors.has_interval_meter(account=account, today=today):
        reasons.append(_("Khách hàng chưa có công tơ đo xa ghi dữ liệu 30 phút."))
    return reasons


def enrolment_create(
    *, user, programme: Programme, account: Account, commitment_kw: int, today: dt.date
) -> Enrolment:
    """Enrol an eligible account (idempotent by programme and account: a second call updates the commitment)."""
    policy.require(user=user, action="flexibility.enrol", unit_id=account.unit_id)
    if commitment_kw < 1:
        raise FlexibilityError("commitment_invalid", _("Công suất cam kết phải từ 1 kW trở lên."))
    reasons = enrolment_eligibility(programme=programme, account=account, today=today)
    if reasons:
        raise FlexibilityError("not_eligible", " ".join(reasons), reasons=reasons)
    with transaction.atomic():
        enrolment, _created = Enrolment.objects.update_or_create(
            programme=programme, account=account,
            defaults={"commitment_kw": commitment_kw, "enrolled_on": today, "withdrawn_on": None},
        )  # fmt: skip
    return enrolment


# --- events ----------------------------------------------------------------------------------------------------


def _eligible_enrolments(*, programme: Programme, day: dt.date, scope: str, substation=None, feeder=None):
    enrolments = Enrolment.objects.filter(programme=programme, enrolled_on__lte=day).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day)
    )
    if scope == Event.Scope.SUBSTATION:
        points = ServicePoint.objects.filter(transformer_station__feeder__substation=substation)
        enrolments = enrolments.filter(account_id__in=points.values("account_id"))
    elif scope == Event.Scope.FEEDER:
        points = ServicePoint.objects.filter(transformer_station__feeder=feeder)
        enrolments = enrolments.filter(account_id__in=points.values("account_id"))
    return enrolments


def event_moments(*, day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The local start and end of an event on `day` from its times: an end at or before the start is on the next
    day (22:00–01:00 ends at 01:00 the day after; 22:00–00:00 at midnight)."""
    starts = dt.datetime.combine(day, start, tzinfo=BUSINESS_TZ)
    ends = dt.datetime.combine(day + dt.timedelta(days=1 if end <= start else 0), end, tzinfo=BUSINESS_TZ)
    return starts, ends


def event_call(
    *, user, programme: Programme, name: str, starts_at: dt.datetime, ends_at: dt.datetime, target_kw: int,
    scope: str = Event.Scope.ENROLLED, substation=None, feeder=None, now: dt.datetime,
) -> Event:  # fmt: skip
    """Call an event and notify every participant, in one transaction (idempotent by programme and start)."""
    policy.require(user=user, action="flexibility.call_event", unit_id=programme.unit_id)
    local_start, local_end = starts_at.astimezone(BUSINESS_TZ), ends_at.astimezone(BUSINESS_TZ)
    if ends_at <= starts_at:
        raise FlexibilityError("window_invalid", _("Giờ kết thúc phải sau giờ bắt đầu."))
    if (
        ends_at - starts_at > MAX_EVENT_LENGTH
    ):  # it may run past midnight (22:00–01:00), not longer than a day
        raise FlexibilityError("window_invalid", _("Sự kiện không được dài quá 24 giờ."))
    if any(t.minute % 30 or t.second or t.microsecond for t in (local_start, local_end)):
        raise FlexibilityError(
            "window_invalid", _("Giờ bắt đầu và kết thúc phải tròn 30 phút (ví dụ 17:00, 17:30).")
        )
    if starts_at - now < dt.timedelta(minutes=programme.notice_minutes):
        raise FlexibilityError(
            "notice_too_short",
            _("Chương trình cần báo trước ít nhất %(minutes)s phút.") % {"minutes": programme.notice_minutes},
        )
    if target_kw < 1:
        raise FlexibilityError("target_invalid", _("Mục tiêu phải từ 1 kW trở lên."))
    if (
        scope == Event.Scope.SUBSTATION
        and substation is None
        or scope == Event.Scope.FEEDER
        and feeder is None
    ):
        raise FlexibilityError("scope_invalid", _("Hãy chọn trạm biến áp hoặc xuất tuyến của phạm vi."))
    day = local_start.date()
    with transaction.atomic():
        event, created = Event.objects.get_or_create(
            programme=programme, starts_at=starts_at,
            defaults={
                "name": name, "day": day, "ends_at": ends_at, "target_kw": target_kw, "scope": scope,
                "substation": substation if scope == Event.Scope.SUBSTATION else None,
                "feeder": feeder if scope == Event.Scope.FEEDER else None,
                "called_at": now, "called_by": user if user is not None and user.pk else None, "modified_at": now,
            },
        )  # fmt: skip
        if not created:
            return event
        enrolments = list(
            _eligible_enrolments(
                programme=programme, day=day, scope=scope, substation=substation, feeder=feeder
            )
            .order_by("account_id")
            .values_list("pk", "account_id", "commitment_kw", "account__code")
        )
        EventParticipant.objects.bulk_create(
            EventParticipant(
                event=event, enrolment_id=pk, account_id=account, commitment_kw=kw, notified_at=now
            )
            for pk, account, kw, _code in enrolments
        )
        if enrolments:
            notify(
                topic="demand_response", template="dr_event_called", urgency=Urgency.URGENT, key=f"dr-event-{event.pk}",
                recipients={account: {"customer_code": code, "commitment_kw": kw} for _pk, account, kw, code in enrolments},
                context={"programme": programme.name, "day": format_day(day), **documents.event_times(event)},
                now=now,
            )  # fmt: skip
        event_id = event.pk
        transaction.on_commit(lambda: tasks.event_webhooks.enqueue(event_id, "POST"))
    return event


def event_cancel(*, user, event: Event, now: dt.datetime) -> Event:
    """Cancel an event that has not been measured."""
    policy.require(user=user, action="flexibility.call_event", unit_id=event.programme.unit_id)
    if event.status == Event.Status.MEASURED:
        raise FlexibilityError("already_measured", _("Sự kiện đã có kết quả, không huỷ được."))
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED, modified_at=now)
        event_id = event.pk
        transaction.on_commit(lambda: tasks.event_webhooks.enqueue(event_id, "DELETE"))
    event.refresh_from_db()
    return event


def participant_respond(
    *,
    participant: EventParticipant,
    response: str,
    channel: str,
    now: dt.datetime,
    user=None,
    ven: Ven | None = None,
) -> EventParticipant:
    """Record an acknowledgement or opt-out (a customer may change their mind until the event starts).

    Idempotent: the same answer again records nothing new.
    """
    if response not in (EventParticipant.Response.ACKNOWLEDGED, EventParticipant.Response.OPTED_OUT):
        raise FlexibilityError("response_invalid", _("Câu trả lời phải là xác nhận hoặc từ chối."))
    if channel not in Channel.values:
        raise FlexibilityError("channel_invalid", _("Kênh trả lời không hợp lệ."))
    with transaction.atomic():
        participant = (
            EventParticipant.objects.select_for_update().select_related("event").get(pk=participant.pk)
        )
        if participant.response == response:
            return participant
        if participant.event.status == Event.Status.CANCELLED:
            raise FlexibilityError("event_cancelled", _("Sự kiện đã bị huỷ."))
        if now >= participant.event.starts_at:
            raise FlexibilityError(
                "event_started", _("Sự kiện đã bắt đầu, không thay đổi câu trả lời được nữa.")
            )
        EventResponse.objects.create(
            participant=participant, response=response, at=now, channel=channel,
            by_user=user if user is not None and user.pk else None, by_ven=ven,
        )  # fmt: skip
        participant.response, participant.responded_at, participant.response_channel = response, now, channel
        participant.save(update_fields=["response", "responded_at", "response_channel"])
    return participant


# --- results -------------------------------------------------------------------------------------------------


def event_results_compute(*, user, event: Event, now: dt.datetime, holidays: list[dt.date] = ()) -> Event:
    """Measure every participant of a finished event: baselines, delivered and shifted energy, money saved.

    One query reads the interval data of all participants; the engine works on participants × days × 48
    arrays. Running it again replaces the results (idempotent).
    """
    policy.require(user=user, action="flexibility.compute_results", unit_id=event.programme.unit_id)
    if event.status == Event.Status.CANCELLED:
        raise FlexibilityError("event_cancelled", _("Sự kiện đã bị huỷ."))
    if now < event.ends_at:
        raise FlexibilityError("event_not_finished", _("Sự kiện chưa kết thúc."))
    programme = event.programme
    participants = list(event.participants.select_related("account").order_by("account_id", "pk"))
    accounts = [p.account for p in participants]
    meters = selectors.participant_meters(account_ids=[a.pk for a in accounts], day=event.day)
    local_start = event.starts_at.astimezone(BUSINESS_TZ)
    start_interval = local_start.hour * 2 + local_start.minute // 30
    end_interval = start_interval + int((event.ends_at - event.starts_at).total_seconds() // 1800)
    # An event past midnight (22:00–01:00) also reads the next day, up to its end (intervals 48 and on).
    last_day = event.day + dt.timedelta(days=(end_interval - 1) // results.INTERVALS_PER_DAY)
    first_day = event.day - dt.timedelta(days=LOOKBACK_DAYS)
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    meter_ids = [meters.get(a.pk, 0) for a in accounts]
    loads = selectors.interval_loads(meter_ids=meter_ids, first_day=first_day, last_day=last_day)
    periods = selectors.time_of_use_periods(day=event.day)
    if last_day > event.day:
        periods += selectors.time_of_use_periods(day=last_day)
    try:
        measured = results.measure(
            loads=loads, days=days, event_day=event.day, start_interval=start_interval, end_interval=end_interval,
            method=programme.baseline_method, parameters=programme.baseline_parameters, holidays=list(holidays),
            excluded=selectors.programme_event_days(programme=programme, before=event.day),
            periods=periods, prices=selectors.time_of_use_prices(accounts=accounts, day=event.day),
        )  # fmt: skip
    except baselines.BaselineError as error:
        raise FlexibilityError(
            "baseline_invalid",
            _("Không tính được đường cơ sở theo quy tắc của chương trình: %(why)s") % {"why": error},
            **error.details,
        ) from error
    hours = (event.ends_at - event.starts_at).total_seconds() / 3600
    day_start = dt.datetime.combine(event.day, dt.time(), tzinfo=BUSINESS_TZ)
    starts = [day_start + i * selectors.HALF_HOUR for i in range(measured.baseline_wh.shape[1])]
    with transaction.atomic():
        IntervalResult.objects.filter(participant__event=event).delete()
        rows = []
        for i, participant in enumerate(participants):
            ok = bool(measured.has_baseline[i])
            participant.has_baseline = ok
            baseline_row, actual_row = measured.baseline_wh[i], measured.actual_wh[i]
            window = slice(start_interval, end_interval)
            participant.baseline_wh = int(np.rint(baseline_row[window].sum())) if ok else None
            participant.actual_wh = int(np.rint(np.nansum(actual_row[window]))) if ok else None
            participant.delivered_wh = int(measured.delivered_wh[i]) if ok else None
            participant.shifted_wh = int(measured.shifted_wh[i]) if ok else None
            participant.saved_vnd = int(measured.saved_vnd[i]) if ok else None
            participant.incentive_vnd = _incentive(programme, participant.delivered_wh, hours) if ok else None
            if not ok:
                continue
            for j, start in enumerate(starts):
                if np.isnan(baseline_row[j]) or np.isnan(actual_row[j]):
                    continue
                rows.append(
                    IntervalResult(
                        participant=participant,
                        start=start,
                        in_event=bool(measured.in_event[j]),
                        baseline_wh=int(np.rint(baseline_row[j])),
                        actual_wh=int(actual_row[j]),
                    )  # fmt: skip
                )
        EventParticipant.objects.bulk_update(
            participants,
            [
                "has_baseline",
                "baseline_wh",
                "actual_wh",
                "delivered_wh",
                "shifted_wh",
                "saved_vnd",
                "incentive_vnd",
            ],
            batch_size=1000,
        )
        IntervalResult.objects.bulk_create(rows, batch_size=5000)
        Event.objects.filter(pk=event.pk).update(
            status=Event.Status.MEASURED, measured_at=now, modified_at=now
        )
    event.refresh_from_db()
    return event


def _incentive(programme: Programme, delivered_wh: int, hours: float) -> int:
    """The incentive earned (0 when the programme pays none, which is EVN's voluntary default)."""
    delivered = max(delivered_wh, 0)
    if programme.incentive == Programme.Incentive.PER_KWH:
        return round(delivered / 1000 * programme.incentive_vnd)
    if programme.incentive == Programme.Incentive.PER_KW:
        return round(delivered / 1000 / hours * programme.incentive_vnd) if hours else 0
    return 0


# --- OpenADR clients -------------------------------------------------------------------------------------------


def ven_register(*, user, account: Account, ven_name: str, now: dt.datetime) -> tuple[Ven, str, str]:
    """Give an enrolled customer's energy-management system OpenADR credentials: (ven, client id, secret).

    The secret is shown once and stored hashed.
    """
    policy.require(user=user, action="flexibility.enrol", unit_id=account.unit_id)
    if not Enrolment.objects.filter(account=account).exists():
        raise FlexibilityError("not_enrolled", _("Khách hàng chưa tham gia chương trình nào."))
    client_id = f"ven-{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        ven = Ven.objects.create(
            account=account, ven_name=ven_name, client_id=client_id, secret_hash=secret_hash(secret),
            created_at=now, modified_at=now,
        )  # fmt: skip
    return ven, client_id, secret


def ven_token_issue(*, client_id: str, client_secret: str, now: dt.datetime) -> tuple[str, int] | None:
    """An access token for valid client credentials ((token, seconds to live)), else None."""
    ven = Ven.objects.filter(client_id=client_id).first()
    if ven is None or not secrets.compare_digest(ven.secret_hash, secret_hash(client_secret)):
        return None
    token = secrets.token_urlsafe(32)
    VenToken.objects.create(ven=ven, token_hash=secret_hash(token), expires_at=now + TOKEN_LIFETIME)
    VenToken.objects.filter(ven=ven, expires_at__lt=now).delete()
    return token, int(TOKEN_LIFETIME.total_seconds())


def ven_for_token(*, token: str, now: dt.datetime) -> Ven | None:
    """The VEN an access token belongs to, None when unknown or expired."""
    row = (
        VenToken.objects.select_related("ven")
        .filter(token_hash=secret_hash(token), expires_at__gt=now)
        .first()
    )
    return row.ven if row is not None else None


def ven_report_save(
    *, ven: Ven, event: Event, client_name: str, report_name: str, resources: list, payload_descriptors: list,
    now: dt.datetime, report: VenReport | None = None,
) -> VenReport:  # fmt: skip
    """Store a VEN's report; an OPT_STATUS payload records the customer's answer to the event (channel OpenADR)."""
    status = openadr.opt_status(resources)
    with transaction.atomic():
        if status is not None:
            participant = EventParticipant.objects.filter(event=event, account_id=ven.account_id).first()
            if participant is None:
                raise FlexibilityError(
                    "not_a_participant", _("Khách hàng của VEN không được mời tham gia sự kiện này.")
                )
            participant_respond(participant=participant, response=openadr.RESPONSES[status], channel=Channel.OPENADR,
                                now=now, ven=ven)  # fmt: skip
        report = report or VenReport(ven=ven, created_at=now)
        report.event, report.client_name, report.report_name = event, client_name, report_name
        report.resources, report.payload_descriptors, report.modified_at = resources, payload_descriptors, now
        report.save()
    return report


def ven_report_delete(*, report: VenReport) -> None:
    """Forget a report (the answer it gave stays in the event's history)."""
    report.delete()


def ven_subscription_save(
    *, ven: Ven, client_name: str, programme: Programme | None, object_operations: list, targets: list,
    now: dt.datetime, subscription: VenSubscription | None = None,
) -> VenSubscription:  # fmt: skip
    """Create or replace a VEN's subscription (its webhooks)."""
    subscription = subscription or VenSubscription(ven=ven, created_at=now)
    subscription.client_name, subscription.programme = client_name, programme
    subscription.object_operations, subscription.targets, subscription.modified_at = (
        object_operations,
        targets,
        now,
    )
    subscription.save()
    return subscription


def ven_subscription_delete(*, subscription: VenSubscription) -> None:
    subscription.delete()


def ven_update(*, ven: Ven, attributes: list, targets: list, now: dt.datetime) -> Ven:
    """Replace a VEN's attributes and targets (its name and credentials stay)."""
    ven.attributes, ven.targets, ven.modified_at = attributes, targets, now
    ven.save(update_fields=["attributes", "targets", "modified_at"])
    return ven


def ven_resource_save(
    *,
    ven: Ven,
    resource_name: str,
    attributes: list,
    targets: list,
    now: dt.datetime,
    resource: VenResource | None = None,
) -> VenResource:
    """Create or replace one of a VEN's resources (idempotent by VEN and resource name)."""
    resource = resource or VenResource(ven=ven, created_at=now)
    resource.resource_name, resource.attributes, resource.targets, resource.modified_at = (
        resource_name,
        attributes,
        targets,
        now,
    )
    resource.save()
    return resource


def ven_resource_delete(*, resource: VenResource) -> None:
    resource.delete()
