"""Writes of the appreciation month: open the campaign, extend a unit's period, plan, move and record activities
(photos, free services as service requests), beneficiaries. Blood drives (`blood_drives`), lighting projects
(`lighting`) and recognition lists (`recognition`) have modules of their own; their functions are re-exported here,
so callers keep writing `services.blood_drive_close(...)`.

Each function is one transaction, checks the access policy itself (so the back office, the API and any caller are
refused alike), names who and why for the database's audit triggers (`acting_as`), and takes `now` instead of
reading the clock. Refusals are `CampaignError` with a stable code and a Vietnamese sentence saying what to do.
"""

import datetime as dt
import secrets
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gridcare.campaigns import selectors
from gridcare.campaigns.blood_drives import (  # noqa: F401 - re-exported for callers
    PHONE,
    blood_donation_record,
    blood_drive_close,
    blood_drive_plan,
    blood_register,
    phone_normalise,
)
from gridcare.campaigns.lighting import lighting_project_save  # noqa: F401 - re-exported for callers
from gridcare.campaigns.models import (
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Beneficiary,
    Campaign,
    LightingProject,
    Measure,
    Partner,
    Photo,
    UnitPeriod,
)
from gridcare.campaigns.recognition import (  # noqa: F401 - re-exported for callers
    MAX_RECOGNITION_ROWS,
    insights_recognition_entries,
    recognition_entries_parse,
    recognition_list_build,
)
from gridcare.campaigns.rules import (  # noqa: F401 - CampaignError is re-exported for callers
    MOVES,
    CampaignError,
    _clean_quantities,
    _day,
    _recordable,
    _start_if_planned,
    _user_or_none,
    _within_period,
)
from gridcare.core.audit import acting_as
from gridcare.core.formatting import local_date
from gridcare.core.models import AuditEntry
from gridcare.customers import services as customer_services
from gridcare.customers.models import Account, SocialCategoryAssignment
from gridcare.org import policy
from gridcare.org.models import Commune, Unit
from gridcare.servicedesk import services as desk
from gridcare.servicedesk.models import RequestType, ServiceRequest

# --- the campaign and the units' periods -----------------------------------------------------------------------


def campaign_open(
    *, user, year: int, name: str, theme: str, active_from: dt.date, active_to: dt.date, latest_end: dt.date,
    anniversary_on: dt.date, now: dt.datetime,
) -> Campaign:  # fmt: skip
    """Open the year's campaign (the corporation's managers): its period, theme and the industry's anniversary."""
    unit = policy.unit_of(user)
    if not user.is_superuser:
        policy.require(
            user=user, action="campaigns.open", message=_("Chỉ lãnh đạo Tổng công ty phát động Tháng tri ân.")
        )
    if unit is None or unit.kind != Unit.Kind.CORPORATION:
        unit = Unit.objects.filter(kind=Unit.Kind.CORPORATION).order_by("pk").first()
    if not (active_from < active_to <= latest_end):
        raise CampaignError(
            "period",
            _(
                "Thời gian không hợp lệ: ngày bắt đầu phải trước ngày kết thúc, và hạn kéo dài không sớm hơn ngày kết thúc."
            ),
        )
    if Campaign.objects.filter(year=year).exists():
        raise CampaignError(
            "exists", _("Năm %(year)s đã có chương trình tri ân; hãy sửa chương trình đó.") % {"year": year}
        )
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.campaign_open"):
        return Campaign.objects.create(
            year=year, name=name.strip()[:200], theme=(theme or "").strip()[:300], unit=unit, active_from=active_from,
            active_to=active_to, latest_end=latest_end, anniversary_on=anniversary_on, opened_by=_user_or_none(user), opened_at=now,
        )  # fmt: skip


def unit_period_extend(
    *, user, campaign: Campaign, unit: Unit, active_to: dt.date, reason: str, now: dt.datetime
) -> UnitPeriod:
    """A company or team runs its part until `active_to` (exclusive, at most the campaign's limit), with a reason."""
    policy.require(user=user, action="campaigns.extend_period", unit_id=unit.pk,
                   message=_("Chỉ lãnh đạo của đơn vị mình được kéo dài thời gian của đơn vị."))  # fmt: skip
    if unit.kind == Unit.Kind.CORPORATION:
        raise CampaignError(
            "unit_kind",
            _("Thời gian chung do Tổng công ty quy định; chỉ công ty hoặc đội kéo dài phần của mình."),
        )
    reason = (reason or "").strip()
    if not reason:
        raise CampaignError(
            "reason_missing",
            _("Hãy ghi lý do kéo dài (ví dụ: còn công trình Thắp sáng đường quê chưa xong)."),
        )
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
        current.cancel_reason = (
            (reason or "").strip()[:2000] if to_state == ActivityState.CANCELLED else current.cancel_reason
        )
        current.save(update_fields=["state", "cancel_reason"])
    return current


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
        with (
            transaction.atomic(),
            acting_as(user=_user_or_none(user), reason="campaigns.activity_record_add"),
        ):
            record = ActivityRecord.objects.create(activity=activity, done_on=done_on, note=(note or "")[:4000], cost_vnd=cost,
                                                   recorded_by=_user_or_none(user), recorded_at=now, **cleaned)  # fmt: skip
            for (content, content_type, extension), name in checked:
                _photo_store(
                    record=record,
                    content=content,
                    content_type=content_type,
                    extension=extension,
                    name=name,
                    by=user,
                    now=now,
                )
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
        raise CampaignError(
            "no_request_type",
            _("Loại hoạt động này không làm qua yêu cầu dịch vụ; hãy ghi kết quả trực tiếp."),
        )
    return request_type


def _in_subtree(unit_id: int, root: Unit) -> bool:
    return Unit.objects.filter(pk=unit_id, path__startswith=root.path).exists()


def activity_request_open(
    *,
    user,
    activity: Activity,
    account: Account,
    now: dt.datetime,
    description: str = "",
    fields: dict | None = None,
) -> ActivityRecord:
    """Open the free service's request for a customer of the activity's units; the record counts once it is closed."""
    _recordable(user=user, activity=activity)
    request_type = _campaign_request_type(activity)
    if not _in_subtree(account.unit_id, activity.unit):
        raise CampaignError(
            "account_elsewhere", _("Khách hàng này không thuộc địa bàn của đơn vị thực hiện hoạt động.")
        )
    try:
        with transaction.atomic():
            request = desk.request_open(account=account, request_type=request_type, now=now, by=user, channel="hotline",
                                        description=description or activity.title, fields=fields or {})  # fmt: skip
            return _record_for_request(user=user, activity=activity, request=request, now=now)
    except desk.ServiceDeskError as error:
        raise CampaignError(error.code, error.message, **error.details) from error


def activity_request_link(
    *, user, activity: Activity, request: ServiceRequest, now: dt.datetime
) -> ActivityRecord:
    """Count an existing free-service request (of the activity's units) in the activity, once."""
    _recordable(user=user, activity=activity)
    if not request.request_type.campaign or request.request_type.code != activity.kind.request_type_code:
        raise CampaignError(
            "request_type",
            _("Yêu cầu %(number)s không phải loại dịch vụ của hoạt động này.") % {"number": request.number},
        )
    if not _in_subtree(request.team_id, activity.unit):
        raise CampaignError(
            "account_elsewhere",
            _("Yêu cầu %(number)s không thuộc đơn vị thực hiện hoạt động.") % {"number": request.number},
        )
    if ActivityRecord.objects.filter(service_request=request).exists():
        raise CampaignError(
            "already_linked",
            _("Yêu cầu %(number)s đã được tính vào một hoạt động.") % {"number": request.number},
        )
    with transaction.atomic():
        return _record_for_request(user=user, activity=activity, request=request, now=now)


def _record_for_request(
    *, user, activity: Activity, request: ServiceRequest, now: dt.datetime
) -> ActivityRecord:
    with acting_as(user=_user_or_none(user), reason="campaigns.activity_request"):
        try:
            with transaction.atomic():
                record = ActivityRecord.objects.create(
                    activity=activity, done_on=local_date(request.closed_at or request.opened_at), note=request.number,
                    count=1, households=1, service_request=request, recorded_by=_user_or_none(user), recorded_at=now,
                )  # fmt: skip
        except IntegrityError:
            raise CampaignError(
                "already_linked",
                _("Yêu cầu %(number)s đã được tính vào một hoạt động.") % {"number": request.number},
            ) from None
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
        raise policy.AccessDenied(
            _("Cần quyền xem đối tượng chính sách để chọn người được hỗ trợ từ danh sách này.")
        )
    on = record.done_on
    valid = selectors.social_categories_for_beneficiary(
        user=user, customer_id=assignment.customer_id, on=on
    ).filter(pk=assignment.pk)
    if not valid.exists():
        raise CampaignError("category_not_valid", _("Khách hàng không thuộc đối tượng này vào ngày %(day)s (hoặc ngoài đơn vị của bạn).") % {
            "day": _day(on)})  # fmt: skip
    account = (
        Account.objects.filter(
            customer_id=assignment.customer_id, unit__path__startswith=record.activity.unit.path
        )
        .order_by("pk")
        .first()
    )
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
        raise CampaignError(
            "consent_missing",
            _("Cần ngày người được hỗ trợ đồng ý cho ghi thông tin của họ."),
            field="consent_on",
        )
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
        customer_services.social_categories_read_record(
            assignments=categories, user=user, address=address, reason=reason, now=now
        )
    return len(rows)
