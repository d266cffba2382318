"""Blood drives ("Tuần lễ hồng EVN"): plan a drive, register donors (the public through the portal, staff in the
back office) with their consent, record who came, and sum the drive up into its activity's record."""

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from gridcare.campaigns import selectors
from gridcare.campaigns.models import (
    Activity,
    ActivityKind,
    ActivityRecord,
    BloodDrive,
    BloodRegistration,
)
from gridcare.campaigns.rules import (
    CampaignError,
    _recordable,
    _start_if_planned,
    _user_or_none,
    _within_period,
)
from gridcare.core.audit import acting_as
from gridcare.core.formatting import local_date
from gridcare.org import policy

PHONE = re.compile(r"^\+[1-9]\d{7,14}$")


def blood_drive_plan(
    *, user, activity: Activity, place: str, held_on: dt.date, public_registration: bool = True
) -> BloodDrive:
    """The drive of a blood-donation activity: where and when, open to the public or to staff only."""
    policy.require(user=user, action="campaigns.plan", unit_id=activity.unit_id)
    if activity.kind.special != ActivityKind.Special.BLOOD_DRIVE:
        raise CampaignError("not_blood_drive", _("Chỉ hoạt động hiến máu mới có đợt hiến máu."))
    if not (place or "").strip():
        raise CampaignError("place_missing", _("Hãy ghi địa điểm hiến máu."), field="place")
    _within_period(campaign=activity.campaign, unit=activity.unit, first=held_on, last=held_on)
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.blood_drive_plan"):
        drive, _created = BloodDrive.objects.update_or_create(
            activity=activity,
            defaults={
                "place": place.strip()[:255],
                "held_on": held_on,
                "public_registration": public_registration,
            },
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


def blood_register(
    *, drive: BloodDrive, name: str, phone: str, consent: bool, now: dt.datetime, staff_user=None
) -> BloodRegistration:
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
        raise CampaignError(
            "consent_missing",
            _("Hãy đánh dấu đồng ý để đơn vị liên hệ với bạn về đợt hiến máu."),
            field="consent",
        )
    kind = BloodRegistration.Kind.STAFF if staff_user is not None else BloodRegistration.Kind.PUBLIC
    try:
        with (
            transaction.atomic(),
            acting_as(user=_user_or_none(staff_user), reason="campaigns.blood_register"),
        ):
            return BloodRegistration.objects.create(drive=drive, kind=kind, name=name, phone=normalised,
                                                    staff_user=_user_or_none(staff_user), consent_at=now, registered_at=now)  # fmt: skip
    except IntegrityError:
        raise CampaignError(
            "already_registered", _("Số điện thoại này đã đăng ký đợt hiến máu; cảm ơn bạn!"), field="phone"
        ) from None


def blood_donation_record(
    *, user, registration: BloodRegistration, turned_up: bool, units: int
) -> BloodRegistration:
    """Whether a registered donor came, and how many units they gave (0–3)."""
    policy.require(user=user, action="campaigns.record", unit_id=registration.drive.activity.unit_id)
    if not 0 <= int(units) <= 3 or (units and not turned_up):
        raise CampaignError(
            "units", _("Số đơn vị máu từ 0 đến 3, và chỉ ghi cho người đã đến hiến."), field="units"
        )
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
