"""Writes of the appreciation month: open the campaign, extend a unit's period, plan, move and record activities,
beneficiaries, blood drives, lighting projects and recognition lists.

Each function is one transaction, checks the access policy itself (so the back office, the API and any caller are
refused alike), names who and why for the database's audit triggers (`acting_as`), and takes `now` instead of
reading the clock. Refusals are `CampaignError` with a stable code and a Vietnamese sentence saying what to do.
"""

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gridcare.campaigns import selectors
from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Beneficiary,
    BloodDrive,
    BloodRegistration,
    Campaign,
    LightingProject,
    Measure,
    Partner,
    Photo,
    RecognitionEntry,
    RecognitionList,
    UnitPeriod,
)
from gridcare.core.audit import acting_as
from gridcare.core.formatting import format_day, format_kwh, format_vnd, local_date
from gridcare.core.models import AuditEntry
from gridcare.customers import services as customer_services
from gridcare.customers.models import Account, SocialCategoryAssignment
from gridcare.insights import selectors as insights
from gridcare.org import policy
from gridcare.org.models import Commune, Unit
from gridcare.servicedesk import services as desk
from gridcare.servicedesk.models import RequestType, ServiceRequest

PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
MOVES = {
    ActivityState.PLANNED: {ActivityState.IN_PROGRESS, ActivityState.CANCELLED},
    ActivityState.IN_PROGRESS: {ActivityState.DONE, ActivityState.CANCELLED},
    ActivityState.DONE: set(),
    ActivityState.CANCELLED: set(),
}
MAX_RECOGNITION_ROWS = 5000


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


# --- the campaign and the units' periods -----------------------------------------------------------------------


def campaign_open(
    *, user, year: int, name: str, theme: str, active_from: dt.date, active_to: dt.date, latest_end: dt.date,
    anniversary_on: dt.date, now: dt.datetime,
) -> Campaign:  # fmt: skip
    """Open the year's campaign (the corporation's managers): its period, theme and the industry's anniversary."""
    unit = policy.unit_of(user)
    if not user.is_superuser:
        policy.require(user=user, action="campaigns.open", message=_("Chỉ lãnh đạo Tổng công ty phát động Tháng tri ân."))
    if unit is None or unit.kind != Unit.Kind.CORPORATION:
        unit = Unit.objects.filter(kind=Unit.Kind.CORPORATION).order_by("pk").first()
    if not (active_from < active_to <= latest_end):
        raise CampaignError("period", _("Thời gian không hợp lệ: ngày bắt đầu phải trước ngày kết thúc, và hạn kéo dài không sớm hơn ngày kết thúc."))
    if Campaign.objects.filter(year=year).exists():
        raise CampaignError("exists", _("Năm %(year)s đã có chương trình tri ân; hãy sửa chương trình đó.") % {"year": year})
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.campaign_open"):
        return Campaign.objects.create(
            year=year, name=name.strip()[:200], theme=(theme or "").strip()[:300], unit=unit, active_from=active_from,
            active_to=active_to, latest_end=latest_end, anniversary_on=anniversary_on, opened_by=_user_or_none(user), opened_at=now,
        )  # fmt: skip


def unit_period_extend(*, user, campaign: Campaign, unit: Unit, active_to: dt.date, reason: str, now: dt.datetime) -> UnitPeriod:
    """A company or team runs its part until `active_to` (exclusive, at most the campaign's limit), with a reason."""
    policy.require(user=user, action="campaigns.extend_period", unit_id=unit.pk,
                   message=_("Chỉ lãnh đạo của đơn vị mình được kéo dài thời gian của đơn vị."))  # fmt: skip
    if unit.kind == Unit.Kind.CORPORATION:
        raise CampaignError("unit_kind", _("Thời gian chung do Tổng công ty quy định; chỉ công ty hoặc đội kéo dài phần của mình."))
    reason = (reason or "").strip()
    if not reason:
        raise CampaignError("reason_missing", _("Hãy ghi lý do kéo dài (ví dụ: còn công trình Thắp sáng đường quê chưa xong)."))
    if active_to <= campaign.active_to or active_to > campaign.latest_end:
        raise CampaignError(
            "period", _("Ngày kết thúc mới phải sau %(end)s và không quá %(limit)s.") % {
                "end": _day(campaign.active_to - dt.timedelta(days=1)), "limit": _day(campaign.latest_end - dt.timedelta(days=1))},
            latest=str(campaign.latest_end),
        )  # fmt: skip
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.unit_period_extend"):
        period, _created = UnitPeriod.objects.update_or_create(
            campaign=campaign, unit=unit,
            defaults={"active_to": active_to, "reason": reason[:2000], "set_by": _user_or_none(user), "set_at": now},
        )  # fmt: skip
    return period


# --- partners and activities -----------------------------------------------------------------------------------


def partner_save(*, user, unit: Unit, kind: str, name: str) -> Partner:
    """A partner of the unit (the same name twice is the same partner)."""
    policy.require(user=user, action="campaigns.plan", unit_id=unit.pk)
    name = (name or "").strip()
    if not name or kind not in Partner.Kind.values:
        raise CampaignError("partner", _("Hãy ghi tên và chọn loại đối tác."))
    with transaction.atomic():
        partner, _created = Partner.objects.get_or_create(unit=unit, name=name[:200], defaults={"kind": kind})
    return partner


def _clean_quantities(*, kind: ActivityKind, values: dict, allow_other: bool = False) -> dict:
    cleaned = {}
    for measure in MEASURES:
        raw = values.get(measure, 0) or 0
        try:
            number = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise CampaignError("invalid_number", _("“%(value)s” không phải là số.") % {"value": raw}, field=measure) from None
        if number < 0 or number > 10**12 or not number.is_finite():
            raise CampaignError("invalid_number", _("Số liệu phải từ 0 trở lên."), field=measure)
        if number and measure not in kind.measures and not allow_other:
            raise CampaignError(
                "measure_not_applicable", _("Chỉ tiêu “%(measure)s” không áp dụng cho loại hoạt động “%(kind)s”.") % {
                    "measure": Measure(measure).label, "kind": kind.name_vi},
                field=measure,
            )  # fmt: skip
        if measure != Measure.ROAD_KM and number != number.to_integral_value():
            raise CampaignError("invalid_number", _("“%(measure)s” phải là số nguyên.") % {"measure": Measure(measure).label}, field=measure)
        cleaned[measure] = number.quantize(Decimal("0.01")) if measure == Measure.ROAD_KM else int(number)
    return cleaned


def _within_period(*, campaign: Campaign, unit: Unit, first: dt.date, last: dt.date) -> None:
    end = selectors.unit_period_end(campaign=campaign, unit=unit)
    if first < campaign.active_from or last >= end:
        raise CampaignError(
            "outside_period", _("Ngày phải trong thời gian chương trình của đơn vị: từ %(start)s đến %(end)s.") % {
                "start": _day(campaign.active_from), "end": _day(end - dt.timedelta(days=1))},
        )  # fmt: skip


def activity_plan(
    *, user, campaign: Campaign, unit: Unit, kind: ActivityKind, title: str, starts_on: dt.date, ends_on: dt.date,
    now: dt.datetime, targets: dict | None = None, description: str = "", commune: Commune | None = None,
    partners: Iterable[Partner] = (),
) -> Activity:  # fmt: skip
    """Plan an activity of `kind` for `unit` with its targets (only the kind's measures) and partners."""
    policy.require(user=user, action="campaigns.plan", unit_id=unit.pk,
                   message=_("Bạn chỉ lập kế hoạch cho đơn vị của mình."))  # fmt: skip
    title = (title or "").strip()
    if not title:
        raise CampaignError("title_missing", _("Hãy đặt tên cho hoạt động."), field="title")
    if ends_on < starts_on:
        raise CampaignError("dates", _("Ngày kết thúc không được trước ngày bắt đầu."), field="ends_on")
    _within_period(campaign=campaign, unit=unit, first=starts_on, last=ends_on)
    quantities = _clean_quantities(kind=kind, values=targets or {})
    partners = list(partners)
    visible = policy.visible_unit_ids(user=user)
    if visible is not None and any(p.unit_id not in visible for p in partners):
        raise CampaignError("partner", _("Chỉ chọn đối tác của đơn vị mình."), field="partners")
    budget = quantities.pop(Measure.BUDGET_VND)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.activity_plan"):
        activity = Activity.objects.create(
            campaign=campaign, unit=unit, kind=kind, title=title[:200], description=(description or "")[:4000], commune=commune,
            starts_on=starts_on, ends_on=ends_on, budget_vnd=budget, created_by=_user_or_none(user), created_at=now, **quantities,
        )  # fmt: skip
        if partners:
            activity.partners.set(partners)
    return activity


def activity_move(*, user, activity: Activity, to_state: str, now: dt.datetime, reason: str = "") -> Activity:
    """Planned → under way → done, or cancelled (with a reason); a done activity has at least one record."""
    policy.require(user=user, action="campaigns.plan", unit_id=activity.unit_id)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.activity_move"):
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if to_state == current.state:
            return current
        if to_state not in MOVES.get(current.state, set()):
            raise CampaignError(
                "bad_move", _("Không chuyển được hoạt động từ “%(from)s” sang “%(to)s”.") % {
                    "from": ActivityState(current.state).label,
                    "to": ActivityState(to_state).label if to_state in ActivityState.values else to_state},
            )  # fmt: skip
        if to_state == ActivityState.CANCELLED and not (reason or "").strip():
            raise CampaignError("reason_missing", _("Hãy ghi lý do huỷ hoạt động."), field="reason")
        if to_state == ActivityState.DONE and not current.records.exists():
            raise CampaignError("no_record", _("Hãy ghi kết quả thực hiện trước khi báo hoàn thành."))
        current.state = to_state
        current.cancel_reason = (reason or "").strip()[:2000] if to_state == ActivityState.CANCELLED else current.cancel_reason
        current.save(update_fields=["state", "cancel_reason"])
    return current


def _recordable(*, user, activity: Activity) -> None:
    policy.require(user=user, action="campaigns.record", unit_id=activity.unit_id,
                   message=_("Bạn chỉ ghi kết quả cho hoạt động của đơn vị mình."))  # fmt: skip
    if activity.state == ActivityState.CANCELLED:
        raise CampaignError("cancelled", _("Hoạt động đã huỷ, không ghi kết quả được."))


def _start_if_planned(activity: Activity) -> None:
    Activity.objects.filter(pk=activity.pk, state=ActivityState.PLANNED).update(state=ActivityState.IN_PROGRESS)
    activity.refresh_from_db(fields=["state"])


def activity_record_add(
    *, user, activity: Activity, done_on: dt.date, now: dt.datetime, quantities: dict | None = None, note: str = "",
    uploads: Iterable = (),
) -> ActivityRecord:  # fmt: skip
    """Record what was done on `done_on` (the kind's measures and the cost) with photos; a planned activity starts."""
    _recordable(user=user, activity=activity)
    if done_on > local_date(now):
        raise CampaignError("future", _("Ngày thực hiện không được sau hôm nay."), field="done_on")
    _within_period(campaign=activity.campaign, unit=activity.unit, first=done_on, last=done_on)
    values = dict(quantities or {})
    cleaned = _clean_quantities(kind=activity.kind, values=values)
    checked = [(desk.attachment_check(upload=u), getattr(u, "name", "") or "anh") for u in uploads]
    cost = cleaned.pop(Measure.BUDGET_VND)
    try:
        with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.activity_record_add"):
            record = ActivityRecord.objects.create(activity=activity, done_on=done_on, note=(note or "")[:4000], cost_vnd=cost,
                                                   recorded_by=_user_or_none(user), recorded_at=now, **cleaned)  # fmt: skip
            for (content, content_type, extension), name in checked:
                _photo_store(record=record, content=content, content_type=content_type, extension=extension, name=name, by=user, now=now)
            _start_if_planned(activity)
    except desk.ServiceDeskError as error:
        raise CampaignError(error.code, error.message, **error.details) from error
    return record


def _photo_store(*, content: bytes, content_type: str, extension: str, name: str, by, now, record=None, project=None,
                 moment: str = Photo.Moment.DURING) -> Photo:  # fmt: skip
    photo = Photo(record=record, lighting_project=project, moment=moment, original_name=name[-200:], content_type=content_type,
                  size=len(content), uploaded_by=_user_or_none(by), uploaded_at=now)  # fmt: skip
    photo.file.save(f"tri-an-{secrets.token_hex(6)}.{extension}", ContentFile(content), save=False)
    try:
        photo.save()
    except Exception:
        photo.file.storage.delete(photo.file.name)
        raise
    return photo


def photo_add(*, user, upload, now: dt.datetime, record: ActivityRecord | None = None, project: LightingProject | None = None,
              moment: str = Photo.Moment.DURING) -> Photo:  # fmt: skip
    """A checked photo (JPEG/PNG/WEBP scaled down, or PDF; size limited) of a record or a lighting project."""
    activity = record.activity if record is not None else project.activity
    _recordable(user=user, activity=activity)
    if moment not in Photo.Moment.values:
        raise CampaignError("moment", _("Hãy chọn ảnh trước, trong hay sau khi thực hiện."))
    try:
        content, content_type, extension = desk.attachment_check(upload=upload)
    except desk.ServiceDeskError as error:
        raise CampaignError(error.code, error.message, **error.details) from error
    with transaction.atomic():
        return _photo_store(record=record, project=project, moment=moment, content=content, content_type=content_type,
                            extension=extension, name=getattr(upload, "name", "") or "anh", by=user, now=now)  # fmt: skip


# --- free technical services are service requests ----------------------------------------------------------------


def _campaign_request_type(activity: Activity) -> RequestType:
    code = activity.kind.request_type_code
    request_type = RequestType.objects.filter(code=code, campaign=True).first() if code else None
    if request_type is None:
        raise CampaignError("no_request_type", _("Loại hoạt động này không làm qua yêu cầu dịch vụ; hãy ghi kết quả trực tiếp."))
    return request_type


def _in_subtree(unit_id: int, root: Unit) -> bool:
    return Unit.objects.filter(pk=unit_id, path__startswith=root.path).exists()


def activity_request_open(
    *, user, activity: Activity, account: Account, now: dt.datetime, description: str = "", fields: dict | None = None
) -> ActivityRecord:
    """Open the free service's request for a customer of the activity's units; the record counts once it is closed."""
    _recordable(user=user, activity=activity)
    request_type = _campaign_request_type(activity)
    if not _in_subtree(account.unit_id, activity.unit):
        raise CampaignError("account_elsewhere", _("Khách hàng này không thuộc địa bàn của đơn vị thực hiện hoạt động."))
    try:
        with transaction.atomic():
            request = desk.request_open(account=account, request_type=request_type, now=now, by=user, channel="hotline",
                                        description=description or activity.title, fields=fields or {})  # fmt: skip
            return _record_for_request(user=user, activity=activity, request=request, now=now)
    except desk.ServiceDeskError as error:
        raise CampaignError(error.code, error.message, **error.details) from error


def activity_request_link(*, user, activity: Activity, request: ServiceRequest, now: dt.datetime) -> ActivityRecord:
    """Count an existing free-service request (of the activity's units) in the activity, once."""
    _recordable(user=user, activity=activity)
    if not request.request_type.campaign or request.request_type.code != activity.kind.request_type_code:
        raise CampaignError("request_type", _("Yêu cầu %(number)s không phải loại dịch vụ của hoạt động này.") % {"number": request.number})
    if not _in_subtree(request.team_id, activity.unit):
        raise CampaignError("account_elsewhere", _("Yêu cầu %(number)s không thuộc đơn vị thực hiện hoạt động.") % {"number": request.number})
    if ActivityRecord.objects.filter(service_request=request).exists():
        raise CampaignError("already_linked", _("Yêu cầu %(number)s đã được tính vào một hoạt động.") % {"number": request.number})
    with transaction.atomic():
        return _record_for_request(user=user, activity=activity, request=request, now=now)


def _record_for_request(*, user, activity: Activity, request: ServiceRequest, now: dt.datetime) -> ActivityRecord:
    with acting_as(user=_user_or_none(user), reason="campaigns.activity_request"):
        try:
            with transaction.atomic():
                record = ActivityRecord.objects.create(
                    activity=activity, done_on=local_date(request.closed_at or request.opened_at), note=request.number,
                    count=1, households=1, service_request=request, recorded_by=_user_or_none(user), recorded_at=now,
                )  # fmt: skip
        except IntegrityError:
            raise CampaignError("already_linked", _("Yêu cầu %(number)s đã được tính vào một hoạt động.") % {"number": request.number}) from None
        _start_if_planned(activity)
    return record


# --- beneficiaries ----------------------------------------------------------------------------------------------


def beneficiary_from_social_category(
    *, user, record: ActivityRecord, assignment: SocialCategoryAssignment, now: dt.datetime, support: str = "", value_vnd: int = 0,
    address: str | None = None,
) -> Beneficiary:  # fmt: skip
    """A customer with a social category benefited (only for roles that see social categories; the read is audited)."""
    _recordable(user=user, activity=record.activity)
    if not selectors.may_see_social_categories(user=user):
        raise policy.AccessDenied(_("Cần quyền xem đối tượng chính sách để chọn người được hỗ trợ từ danh sách này."))
    on = record.done_on
    valid = selectors.social_categories_for_beneficiary(user=user, customer_id=assignment.customer_id, on=on).filter(pk=assignment.pk)
    if not valid.exists():
        raise CampaignError("category_not_valid", _("Khách hàng không thuộc đối tượng này vào ngày %(day)s (hoặc ngoài đơn vị của bạn).") % {
            "day": _day(on)})  # fmt: skip
    account = Account.objects.filter(customer_id=assignment.customer_id, unit__path__startswith=record.activity.unit.path).order_by("pk").first()
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.beneficiary_add"):
        customer_services.social_categories_read_record(assignments=[assignment], user=user, address=address,
                                                        reason="campaigns beneficiary", now=now)  # fmt: skip
        return Beneficiary.objects.create(
            record=record, source=Beneficiary.Source.SOCIAL_CATEGORY, customer_id=assignment.customer_id, account=account,
            social_category=assignment, support=(support or "")[:200], value_vnd=max(int(value_vnd or 0), 0),
        )  # fmt: skip


def beneficiary_with_consent(
    *, user, record: ActivityRecord, name: str, address: str, consent_on: dt.date | None, support: str = "", value_vnd: int = 0,
) -> Beneficiary:  # fmt: skip
    """A person helped who is not (or not known as) a customer with a category, registered with their consent."""
    _recordable(user=user, activity=record.activity)
    name = (name or "").strip()
    if not name:
        raise CampaignError("name_missing", _("Hãy ghi họ tên người được hỗ trợ."), field="name")
    if consent_on is None:
        raise CampaignError("consent_missing", _("Cần ngày người được hỗ trợ đồng ý cho ghi thông tin của họ."), field="consent_on")
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.beneficiary_add"):
        return Beneficiary.objects.create(record=record, source=Beneficiary.Source.CONSENT, name=name[:200],
                                          address=(address or "").strip()[:255], consent_on=consent_on,
                                          support=(support or "")[:200], value_vnd=max(int(value_vnd or 0), 0))  # fmt: skip


def beneficiaries_read_record(*, user, beneficiaries: Iterable[Beneficiary], address: str | None, reason: str,
                              now: dt.datetime) -> int:  # fmt: skip
    """Audit that `user` read these beneficiaries (and the social categories behind them): one entry each, one insert."""
    rows = list(beneficiaries)
    if not rows:
        return 0
    actor = _user_or_none(user)
    label = (actor.get_username() if actor is not None else "system")[:150]
    AuditEntry.objects.bulk_create([
        AuditEntry(at=now, actor=actor, actor_label=label, address=address, action=AuditEntry.Action.READ,
                   object_type=Beneficiary._meta.label_lower, object_id=str(b.pk), after={"record_id": b.record_id},
                   reason=reason[:200])
        for b in rows
    ])  # fmt: skip
    categories = [b.social_category for b in rows if b.social_category_id is not None]
    if categories:
        customer_services.social_categories_read_record(assignments=categories, user=user, address=address, reason=reason, now=now)
    return len(rows)


# --- blood drives -----------------------------------------------------------------------------------------------


def blood_drive_plan(*, user, activity: Activity, place: str, held_on: dt.date, public_registration: bool = True) -> BloodDrive:
    """The drive of a blood-donation activity: where and when, open to the public or to staff only."""
    policy.require(user=user, action="campaigns.plan", unit_id=activity.unit_id)
    if activity.kind.special != ActivityKind.Special.BLOOD_DRIVE:
        raise CampaignError("not_blood_drive", _("Chỉ hoạt động hiến máu mới có đợt hiến máu."))
    if not (place or "").strip():
        raise CampaignError("place_missing", _("Hãy ghi địa điểm hiến máu."), field="place")
    _within_period(campaign=activity.campaign, unit=activity.unit, first=held_on, last=held_on)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.blood_drive_plan"):
        drive, _created = BloodDrive.objects.update_or_create(
            activity=activity, defaults={"place": place.strip()[:255], "held_on": held_on, "public_registration": public_registration}
        )
    return drive


def phone_normalise(value: str) -> str | None:
    """A Vietnamese phone as E.164 (`0912 345 678` → `+84912345678`), None when it is not one."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("0"):
        digits = "+84" + digits[1:]
    elif digits.startswith("84"):
        digits = "+" + digits
    return digits if PHONE.match(digits) else None


def blood_register(*, drive: BloodDrive, name: str, phone: str, consent: bool, now: dt.datetime, staff_user=None) -> BloodRegistration:
    """Register a donor (the public through the portal, staff through the back office); consent is required."""
    if drive.closed_at is not None or drive.held_on < local_date(now):
        raise CampaignError("closed", _("Đợt hiến máu này đã kết thúc, không nhận đăng ký nữa."))
    if staff_user is None and not drive.public_registration:
        raise CampaignError("closed", _("Đợt hiến máu này chỉ dành cho cán bộ công nhân viên."))
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise CampaignError("name_missing", _("Hãy ghi họ tên (tối đa 200 ký tự)."), field="name")
    normalised = phone_normalise(phone)
    if normalised is None:
        raise CampaignError("phone", _("Số điện thoại chưa đúng; ví dụ 0912 345 678."), field="phone")
    if not consent:
        raise CampaignError("consent_missing", _("Hãy đánh dấu đồng ý để đơn vị liên hệ với bạn về đợt hiến máu."), field="consent")
    kind = BloodRegistration.Kind.STAFF if staff_user is not None else BloodRegistration.Kind.PUBLIC
    try:
        with transaction.atomic(), acting_as(user=_user_or_none(staff_user), reason="campaigns.blood_register"):
            return BloodRegistration.objects.create(drive=drive, kind=kind, name=name, phone=normalised,
                                                    staff_user=_user_or_none(staff_user), consent_at=now, registered_at=now)  # fmt: skip
    except IntegrityError:
        raise CampaignError("already_registered", _("Số điện thoại này đã đăng ký đợt hiến máu; cảm ơn bạn!"), field="phone") from None


def blood_donation_record(*, user, registration: BloodRegistration, turned_up: bool, units: int) -> BloodRegistration:
    """Whether a registered donor came, and how many units they gave (0–3)."""
    policy.require(user=user, action="campaigns.record", unit_id=registration.drive.activity.unit_id)
    if not 0 <= int(units) <= 3 or (units and not turned_up):
        raise CampaignError("units", _("Số đơn vị máu từ 0 đến 3, và chỉ ghi cho người đã đến hiến."), field="units")
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.blood_donation_record"):
        BloodRegistration.objects.filter(pk=registration.pk).update(turned_up=turned_up, units=int(units))
    registration.refresh_from_db()
    return registration


def blood_drive_close(*, user, drive: BloodDrive, now: dt.datetime) -> ActivityRecord:
    """Sum up the drive into its activity's record (donors who came, units collected); closing again updates it."""
    _recordable(user=user, activity=drive.activity)
    counts = selectors.blood_drive_counts(drive=drive)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.blood_drive_close"):
        record, _created = ActivityRecord.objects.update_or_create(
            source_key=f"blood-drive:{drive.pk}",
            defaults={"activity": drive.activity, "done_on": drive.held_on, "count": counts["turned_up"],
                      "blood_units": counts["units"], "note": drive.place, "recorded_by": _user_or_none(user), "recorded_at": now},
        )  # fmt: skip
        BloodDrive.objects.filter(pk=drive.pk).update(closed_at=now)
        _start_if_planned(drive.activity)
    drive.refresh_from_db()
    return record


# --- rural road lighting ------------------------------------------------------------------------------------------


def lighting_project_save(
    *, user, activity: Activity, commune: Commune, road_name: str, now: dt.datetime, km_lit: Decimal = Decimal(0),
    lamps_installed: int = 0, cost_vnd: int = 0, partners: Iterable[Partner] = (), finished_on: dt.date | None = None,
) -> LightingProject:  # fmt: skip
    """The project of a "Thắp sáng đường quê" activity; once finished, its road, lamps and cost are the activity's record."""
    _recordable(user=user, activity=activity)
    if activity.kind.special != ActivityKind.Special.ROAD_LIGHTING:
        raise CampaignError("not_lighting", _("Chỉ hoạt động Thắp sáng đường quê mới có công trình chiếu sáng."))
    if not (road_name or "").strip():
        raise CampaignError("road_missing", _("Hãy ghi tên tuyến đường."), field="road_name")
    values = _clean_quantities(kind=activity.kind, values={"road_km": km_lit, "lamps": lamps_installed, "budget_vnd": cost_vnd})
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


# --- recognition lists --------------------------------------------------------------------------------------------


def insights_recognition_entries(*, source: str, campaign: Campaign, unit_ids: list[int] | None) -> list[dict]:
    """Entries of the lists `gridcare.insights` computes from data: customers who agreed to move their reading date
    and the families that saved most against the same months a year earlier, over the campaign's year up to its end.
    """
    kind = {RecognitionList.Source.READING_DATE: "reading_date", RecognitionList.Source.TOP_SAVERS: "top_saver"}[source]
    rows = insights.recognition_candidates(kind, since=dt.date(campaign.year, 1, 1), until=campaign.active_to, unit_ids=unit_ids)
    reasons = {
        "reading_date": _("Phối hợp thay đổi ngày ghi chỉ số"),
        "top_saver": _("Tiết kiệm điện so với cùng kỳ năm trước"),
    }
    return [
        {"account_id": r.account_id, "account_code": r.account_code, "name": r.customer_name, "reason": str(reasons[kind]),
         "figure": format_kwh(r.figure) if r.figure_unit == "kWh" else str(_("%(days)s ngày") % {"days": r.figure})}
        for r in rows
    ]  # fmt: skip


def _demand_response_entries(*, campaign: Campaign, unit_ids: list[int] | None) -> list[dict]:
    from gridcare.flexibility import selectors as flexibility

    rows = flexibility.recognition_list(since=dt.date(campaign.year, 1, 1), until=campaign.active_to, unit_ids=unit_ids)
    return [
        {"account_id": r.account_id, "account_code": r.account_code, "name": r.customer_name,
         "reason": str(_("Tham gia điều chỉnh phụ tải %(events)s lần") % {"events": r.events}),
         "figure": format_kwh(r.delivered_kwh) + (f" · {format_vnd(r.saved_vnd)}" if r.saved_vnd else "")}
        for r in rows
    ]  # fmt: skip


def recognition_entries_parse(*, content: bytes, filename: str) -> list[dict]:
    """Rows of an uploaded list (CSV, or XLSX with openpyxl): customer code, reason, result; errors by row."""
    name = (filename or "").lower()
    rows: list[list[str]] = []
    try:
        if name.endswith(".xlsx"):
            import openpyxl

            from gridcare.metering.importing import ImportFileError, ImportLimits, check_xlsx_archive

            try:
                check_xlsx_archive(content, limits=ImportLimits.from_settings())  # the same zip-bomb limits as readings
            except ImportFileError as error:
                raise CampaignError("file", error.message) from None
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except CampaignError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise CampaignError("file", _("Không đọc được tệp; hãy gửi CSV (UTF-8) hoặc XLSX với các cột: mã khách hàng, lý do, kết quả.")) from None
    if rows and rows[0] and not re.match(r"^[A-Z]{2}[A-Z0-9]{11}$", rows[0][0].strip().upper()):
        rows = rows[1:]  # a header row
    entries, errors = [], []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[0].strip().upper() if row else ""
        reason = row[1].strip() if len(row) > 1 else ""
        if not re.match(r"^[A-Z]{2}[A-Z0-9]{11}$", code):
            errors.append(_("Dòng %(row)s: mã khách hàng “%(value)s” không đúng 13 ký tự.") % {"row": number, "value": code[:20]})
            continue
        if not reason:
            errors.append(_("Dòng %(row)s: thiếu lý do tri ân.") % {"row": number})
            continue
        entries.append({"account_code": code, "reason": reason[:300], "figure": (row[2].strip() if len(row) > 2 else "")[:120]})
    if errors:
        raise CampaignError("rows", "; ".join(str(e) for e in errors[:20]), errors=[str(e) for e in errors])
    if len(entries) > MAX_RECOGNITION_ROWS:
        raise CampaignError("too_many", _("Tối đa %(n)s khách hàng một danh sách.") % {"n": MAX_RECOGNITION_ROWS})
    return entries


def recognition_list_build(
    *, user, campaign: Campaign, unit: Unit, source: str, title: str, now: dt.datetime, letter_text: str = "",
    entries: list[dict] | None = None,
) -> RecognitionList:  # fmt: skip
    """Build a unit's list from data (demand response; the reading-date and top-saver lists of gridcare.insights) or from chosen entries."""
    policy.require(user=user, action="campaigns.recognise", unit_id=unit.pk,
                   message=_("Chỉ lãnh đạo đơn vị lập danh sách tri ân của đơn vị mình."))  # fmt: skip
    if source not in RecognitionList.Source.values:
        raise CampaignError("source", _("Hãy chọn nguồn của danh sách."), field="source")
    subtree = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    if source == RecognitionList.Source.DEMAND_RESPONSE:
        rows = _demand_response_entries(campaign=campaign, unit_ids=subtree)
    elif source == RecognitionList.Source.MANUAL:
        rows = _manual_entries(entries or [], subtree=subtree)
    else:
        rows = insights_recognition_entries(source=source, campaign=campaign, unit_ids=subtree)
    if not rows:
        raise CampaignError("empty", _("Danh sách không có khách hàng nào; hãy kiểm tra nguồn dữ liệu hoặc thời gian."))
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.recognition_list_build"):
        built = RecognitionList.objects.create(campaign=campaign, unit=unit, source=source,
                                               title=(title or "").strip()[:200] or RecognitionList.Source(source).label,
                                               letter_text=(letter_text or "")[:2000], built_by=_user_or_none(user), built_at=now)  # fmt: skip
        RecognitionEntry.objects.bulk_create([
            RecognitionEntry(recognition_list=built, position=i, account_id=r.get("account_id"), name=r["name"][:200],
                             account_code=r.get("account_code", "")[:13], reason=r["reason"][:300], figure=r.get("figure", "")[:120])
            for i, r in enumerate(rows, start=1)
        ])  # fmt: skip
    return built


def _manual_entries(entries: list[dict], *, subtree: list[int]) -> list[dict]:
    codes = [e["account_code"] for e in entries]
    accounts = {a.code: a for a in Account.objects.filter(code__in=codes, unit_id__in=subtree).select_related("customer")}
    missing = [c for c in codes if c not in accounts]
    if missing:
        raise CampaignError("unknown_accounts", _("Không có các mã khách hàng này trong đơn vị: %(codes)s.") % {
            "codes": ", ".join(missing[:20])}, codes=missing)  # fmt: skip
    return [{"account_id": accounts[e["account_code"]].pk, "account_code": e["account_code"],
             "name": accounts[e["account_code"]].customer.name, "reason": e["reason"], "figure": e.get("figure", "")}
            for e in entries]  # fmt: skip


