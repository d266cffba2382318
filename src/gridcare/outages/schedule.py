"""The public outage schedule: what anyone may read without signing in, and its iCalendar feeds.

Reads only announced outages (never drafts) and gives plain `ScheduleEntry` records that carry nothing about a
customer: a lookup by customer code only chooses *which* outages (those reaching the contract's service points),
and the entry says where (the place text of the notice), when, why and in which state — the same for everyone.

The feeds (`schedule_calendar`) hold one VEVENT per outage:
- UID `outage-<id>@<GRIDCARE_CALENDAR_UID_DOMAIN>`, stable for the outage's life;
- DTSTART/DTEND in Asia/Ho_Chi_Minh with TZID and a VTIMEZONE (the announced window; an incident's actual start
  and estimated or actual restoration; an incident without an estimate ends `UNKNOWN_END` after its start);
- SEQUENCE = the outage's revision (bumped by every change told to customers), + 1 once cancelled or restored,
  so a calendar applies every change, and STATUS:CANCELLED for a cancelled outage (kept in the feed for
  `CALENDAR_PAST` so that subscribers' calendars remove it).
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.customers.models import Account
from gridcare.org.models import Commune, Province
from gridcare.outages.models import ANNOUNCED_STATUSES, Outage, OutageKind, OutageStatus
from gridcare.outages.selectors import _outages_in_communes, _outages_of_account, published_outages

SCHEDULE_AHEAD = dt.timedelta(days=30)  # the page and the API: in progress now, and up to 30 days ahead
CALENDAR_PAST = dt.timedelta(days=30)  # the feeds also keep the last 30 days (restored, cancelled)
CALENDAR_AHEAD = dt.timedelta(days=90)
UNKNOWN_END = dt.timedelta(hours=2)


@dataclasses.dataclass(frozen=True)
class ScheduleEntry:
    """One announced outage as the public reads it (no customer data)."""

    id: int
    kind: str
    status: str
    place: str
    reason: str
    emergency: bool
    begins_at: dt.datetime
    ends_at: dt.datetime | None  # restoration, else the expected end; None: not known yet (an incident)
    restored_at: dt.datetime | None
    revision: int
    updated_at: dt.datetime

    @property
    def cancelled(self) -> bool:
        return self.status == OutageStatus.CANCELLED

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE: grows with every change told to customers, and once more when final."""
        return self.revision + (1 if self.status in (OutageStatus.CANCELLED, OutageStatus.RESTORED) else 0)


def schedule_provinces() -> QuerySet[Province]:
    """Provinces/cities to choose from, by name."""
    return Province.objects.order_by("name", "pk")


def schedule_communes(*, province: Province) -> QuerySet[Commune]:
    """Communes/wards of a province, by name."""
    return Commune.objects.filter(province=province).order_by("name", "pk")


def province_by_code(*, code: str) -> Province | None:
    return Province.objects.filter(code=code.strip()).first()


def commune_by_code(*, code: str) -> Commune | None:
    return Commune.objects.filter(code=code.strip()).select_related("province").first()


def normalised_customer_code(*, code: str) -> str:
    return code.strip().upper()


def customer_code_known(*, code: str) -> bool:
    """Whether a contract (not closed) has this customer code; codes are printed on bills, not secrets."""
    return (
        Account.objects.filter(code=normalised_customer_code(code=code))
        .exclude(status=Account.Status.CLOSED)
        .exists()
    )


def _entries(rows: QuerySet[Outage]) -> list[ScheduleEntry]:
    rows = rows.annotate(last_event_at=Max("events__at"))
    return [
        ScheduleEntry(
            id=o.pk,
            kind=o.kind,
            status=o.status,
            place=o.place,
            reason=o.reason,
            emergency=o.emergency,
            begins_at=o.begins_at,
            ends_at=o.ends_at,
            restored_at=o.restored_at,
            revision=o.revision,
            updated_at=o.last_event_at or o.published_at or o.created_at,
        )  # fmt: skip
        for o in rows
        if o.begins_at is not None
    ]


def schedule_entries(
    *,
    now: dt.datetime,
    province: Province | None = None,
    commune: Commune | None = None,
    customer_code: str | None = None,
) -> list[ScheduleEntry]:
    """Announced outages in progress or starting within `SCHEDULE_AHEAD`, in one place, soonest first."""
    rows = published_outages(
        province_id=province.pk if province else None,
        commune_id=commune.pk if commune else None,
        customer_code=normalised_customer_code(code=customer_code) if customer_code else None,
        start=now,
        end=now + SCHEDULE_AHEAD,
    )
    return _entries(rows)


def calendar_entries(
    *, now: dt.datetime, commune: Commune | None = None, customer_code: str | None = None
) -> list[ScheduleEntry]:
    """What a feed holds: announced, restored and cancelled-after-announcement outages of the place.

    Window: outages overlapping [now − `CALENDAR_PAST`, now + `CALENDAR_AHEAD`), ordered by beginning then id.
    """
    if (commune is None) == (customer_code is None):
        raise ValueError("one of commune and customer_code")
    shown = Q(status__in=[*ANNOUNCED_STATUSES, OutageStatus.RESTORED]) | Q(
        status=OutageStatus.CANCELLED, published_at__isnull=False
    )
    rows = Outage.objects.filter(shown).annotate(
        begins_at=Coalesce("scheduled_start", "started_at"), ends_at=Coalesce("restored_at", "scheduled_end")
    )
    if commune is not None:
        rows = rows.filter(_outages_in_communes([commune.pk]))
    else:
        code = normalised_customer_code(code=customer_code)
        rows = rows.filter(_outages_of_account(Account.objects.filter(code=code).values("pk")))
    start, end = now - CALENDAR_PAST, now + CALENDAR_AHEAD
    rows = rows.filter(begins_at__lt=end).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=start))
    return _entries(rows.order_by("begins_at", "pk"))


def _time(moment: dt.datetime) -> str:
    local = moment.astimezone(BUSINESS_TZ)
    return f"{local:%H:%M} {format_day(local.date(), language=translation.get_language())}"


def entry_title(entry: ScheduleEntry) -> str:
    """A line such as "Ngừng cấp điện có kế hoạch: khu vực chợ Cái Răng" (translated)."""
    if entry.cancelled:
        return _("Đã huỷ lịch ngừng cấp điện: %(place)s") % {"place": entry.place}
    if entry.kind == OutageKind.INCIDENT:
        return _("Sự cố mất điện: %(place)s") % {"place": entry.place}
    return _("Ngừng cấp điện có kế hoạch: %(place)s") % {"place": entry.place}


def entry_description(entry: ScheduleEntry) -> str:
    """The event's text: why, when, and what has happened since it was announced."""
    lines = [_("Lý do: %(reason)s") % {"reason": entry.reason}]
    if entry.kind == OutageKind.INCIDENT:
        lines.append(_("Mất điện từ %(start)s.") % {"start": _time(entry.begins_at)})
    else:
        lines.append(_("Từ %(start)s") % {"start": _time(entry.begins_at)})
    if entry.restored_at is not None:
        lines.append(_("Đã có điện lại lúc %(time)s.") % {"time": _time(entry.restored_at)})
    elif entry.ends_at is not None:
        lines.append(_("Dự kiến có điện lại lúc %(time)s.") % {"time": _time(entry.ends_at)})
    else:
        lines.append(_("Chưa có giờ dự kiến có điện lại."))
    if entry.emergency:
        lines.append(_("Ngừng cấp điện khẩn cấp."))
    if entry.cancelled:
        lines.append(_("Lịch này đã được huỷ: vẫn có điện như bình thường."))
    lines.append(_("Tổng đài chăm sóc khách hàng: %(hotline)s") % {"hotline": "19001006"})
    return "\n".join(lines)


def calendar_uid_domain() -> str:
    return getattr(settings, "GRIDCARE_CALENDAR_UID_DOMAIN", "") or "gridcare.invalid"


def schedule_calendar(*, entries: list[ScheduleEntry], name: str) -> bytes:
    """An iCalendar (RFC 5545) feed of the entries, in the active language."""
    calendar = Calendar()
    calendar.add("prodid", "-//gridcare//outage schedule//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    domain = calendar_uid_domain()
    for entry in entries:
        event = Event()
        event.add("uid", f"outage-{entry.id}@{domain}")
        event.add("dtstamp", entry.updated_at.astimezone(dt.UTC))
        event.add("last-modified", entry.updated_at.astimezone(dt.UTC))
        begins = entry.begins_at.astimezone(BUSINESS_TZ)
        event.add("dtstart", begins)
        event.add("dtend", (entry.ends_at or entry.begins_at + UNKNOWN_END).astimezone(BUSINESS_TZ))
        event.add("summary", entry_title(entry))
        event.add("location", entry.place)
        event.add("description", entry_description(entry))
        event.add("sequence", entry.sequence)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
