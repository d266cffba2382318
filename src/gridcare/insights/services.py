"""Writes of the insights area: compose and publish advice, set adoption targets, record reading-date agreements."""

import datetime as dt
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils.translation import gettext as _

from gridcare.customers.models import Account, Purpose
from gridcare.insights.models import AdoptionTarget, Advice, AdviceRecipient, Measure, ReadingDateAgreement
from gridcare.insights.selectors import Segment, segment_accounts
from gridcare.notifications.models import Topic
from gridcare.notifications.services import notify
from gridcare.org import policy
from gridcare.org.models import Unit

SUMMARY_LENGTH = 200  # the `summary` parameter of the "advice" template (ZNS approves 200 characters)
LANGUAGES = ("vi", "en", "fr")


class InsightsError(Exception):
    """A refused write, with a stable code and a message for people."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def _summary(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _check(*, purposes, high_users_percent, high_users_months, bill_shock_days, title_vi, body_vi) -> None:
    unknown = sorted(set(purposes or ()) - set(Purpose.values))
    if unknown:
        raise InsightsError(
            "unknown_purpose", _("Mục đích sử dụng điện không có: %(names)s.") % {"names": ", ".join(unknown)}
        )
    if high_users_percent is not None and not 1 <= int(high_users_percent) <= 100:
        raise InsightsError("bad_percent", _("Nhóm dùng nhiều phải từ 1 đến 100%."))
    if not 1 <= int(high_users_months or 0) <= 24:
        raise InsightsError("bad_months", _("Số tháng tính sản lượng phải từ 1 đến 24."))
    if bill_shock_days is not None and not 1 <= int(bill_shock_days) <= 730:
        raise InsightsError("bad_days", _("Số ngày gần đây phải từ 1 đến 730."))
    if not (title_vi or "").strip() or not (body_vi or "").strip():
        raise InsightsError("text_missing", _("Cần tiêu đề và nội dung tiếng Việt."))


def advice_create(*, user, unit: Unit, now: dt.datetime, title_vi: str, body_vi: str, title_en: str = "", body_en: str = "",
                  title_fr: str = "", body_fr: str = "", purposes: list[str] | None = None, commune_id: int | None = None,
                  high_users_percent: int | None = None, high_users_months: int = 3,
                  bill_shock_days: int | None = None) -> Advice:  # fmt: skip
    """A draft advice of `unit` (one the user's units) for a segment of its customers."""
    if not policy.may_record(user=user, model=Advice, verb="add") or not policy.may(
        user=user, action="insights.publish_advice", unit_id=unit.pk
    ):
        raise policy.AccessDenied()
    _check(purposes=purposes, high_users_percent=high_users_percent, high_users_months=high_users_months,
           bill_shock_days=bill_shock_days, title_vi=title_vi, body_vi=body_vi)  # fmt: skip
    return Advice.objects.create(
        unit=unit, title_vi=title_vi.strip(), body_vi=body_vi.strip(), title_en=title_en.strip(), body_en=body_en.strip(),
        title_fr=title_fr.strip(), body_fr=body_fr.strip(), purposes=sorted(set(purposes or ())), commune_id=commune_id,
        high_users_percent=high_users_percent, high_users_months=high_users_months, bill_shock_days=bill_shock_days,
        created_at=now, created_by=user if getattr(user, "is_authenticated", False) else None,
    )  # fmt: skip


def _stage_recipients(*, advice: Advice, accounts) -> int:
    """Write the segment into AdviceRecipient with one INSERT … SELECT (the database does the work)."""
    try:
        sql, params = accounts.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a segment that can hold no one (e.g. no commune has customers of that purpose)
        return 0
    table = AdviceRecipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (advice_id, account_id) SELECT %s, s.* FROM ({sql}) s",  # noqa: S608 - our own SQL
            [advice.pk, *params],
        )
        return cursor.rowcount


def advice_publish(*, advice: Advice, user, now: dt.datetime) -> Advice:
    """Send a draft advice to its segment as it is now, on each customer's chosen channels; publishing again is a no-op.

    The advice row is locked, the segment staged set-based, and one notice (key `advice:<id>`) queued for the staged
    accounts in the same transaction: a second call, or a retry after a crash, finds the advice sent and sends nothing.
    """
    if not policy.may(user=user, action="insights.publish_advice", unit_id=advice.unit_id):
        raise policy.AccessDenied()
    with transaction.atomic():
        locked = Advice.objects.select_for_update().get(pk=advice.pk)
        if locked.status == Advice.Status.SENT:
            return locked
        staged = _stage_recipients(
            advice=locked, accounts=segment_accounts(segment=Segment.of(locked), now=now)
        )
        recipients = Account.objects.filter(
            pk__in=AdviceRecipient.objects.filter(advice=locked).values("account_id")
        )
        texts = {lang: locked.text(lang) for lang in LANGUAGES}
        notify(
            topic=Topic.PROGRAMMES, recipients=recipients, template="advice", key=f"advice:{locked.pk}", now=now,
            context={"title": {lang: t for lang, (t, _b) in texts.items()},
                     "summary": {lang: _summary(b) for lang, (_t, b) in texts.items()}},
        )  # fmt: skip
        Advice.objects.filter(pk=locked.pk).update(
            status=Advice.Status.SENT, sent_at=now, recipients=staged,
            sent_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
    return Advice.objects.get(pk=advice.pk)


def adoption_target_set(*, user, unit: Unit, year: int, measure: str, target: int) -> AdoptionTarget:
    """Set (or change) a unit's target for one measure of a year's digital-adoption drive."""
    if measure not in Measure.values:
        raise InsightsError("unknown_measure", _("Chỉ tiêu không có: %(name)s.") % {"name": measure})
    if target < 0:
        raise InsightsError("bad_target", _("Chỉ tiêu không được âm."))
    verb = (
        "change" if AdoptionTarget.objects.filter(unit=unit, year=year, measure=measure).exists() else "add"
    )
    if (
        not policy.may_record(user=user, model=AdoptionTarget, verb=verb)
        or not policy.reach(Unit.objects.filter(pk=unit.pk), user=user).exists()
    ):
        raise policy.AccessDenied()
    row, _created = AdoptionTarget.objects.update_or_create(
        unit=unit, year=year, measure=measure, defaults={"target": target}
    )
    return row


def reading_date_agreement_record(*, user, account: Account, from_day: int, to_day: int, agreed_on: dt.date,
                                  note: str = "") -> ReadingDateAgreement:  # fmt: skip
    """Record that a customer agreed to move their reading day (for the recognition list); once per account and day."""
    if not (1 <= from_day <= 31 and 1 <= to_day <= 31) or from_day == to_day:
        raise InsightsError("bad_days", _("Ngày ghi cũ và mới phải từ 1 đến 31 và khác nhau."))
    if not policy.may_record(user=user, model=ReadingDateAgreement, verb="add") or not policy.may_record(
        user=user, model=Account, verb="view", obj=account
    ):
        raise policy.AccessDenied()
    stop = getattr(account, "route_stop", None)
    row, _created = ReadingDateAgreement.objects.get_or_create(
        account=account, agreed_on=agreed_on,
        defaults={"from_day": from_day, "to_day": to_day, "note": note[:200], "route": stop.route if stop else None},
    )  # fmt: skip
    return row
