"""The back office's home page: the day's work of the staff member's unit, and its key figures.

A small registry. Each area contributes a *queue provider* — `provider(*, user, now) -> list[Queue]`, counts of
records that need someone's action, each with a link to the filtered list — and optionally a *figure provider*
(`-> list[Figure]`, the unit's key figures, with a small chart). An area that appears later plugs in with one line
in the back office (the apps below may not import it):

    workday.register_queues("servicedesk", servicedesk_queues)

Every count goes through the access policy (`org.policy.records`): a team sees only its units' records, and a
queue of a model the user may not view is not shown at all. Each provider runs a fixed number of queries
(aggregates, never one query per row), so the page costs the same for a unit of ten customers or a million.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from gridcare.billing.models import Bill, BillRun
from gridcare.billing.selectors import bill_runs, held_bills
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import BUSINESS_TZ, format_number, format_vnd
from gridcare.customers.models import Account
from gridcare.customers.selectors import accounts_visible
from gridcare.metering.models import Reading, ReadingImport
from gridcare.notifications.models import OutboxMessage, OutboxStatus
from gridcare.notifications.selectors import outbox_visible
from gridcare.org import policy


@dataclass(frozen=True)
class Queue:
    """Records waiting for someone: how many, and the list that shows them."""

    area: str
    label: str
    count: int
    url: str
    # "urgent" (something failed), "attention" (to check), "info" (in progress)
    tone: str = "attention"
    hint: str = ""

    @property
    def count_text(self) -> str:
        return format_number(self.count, language=translation.get_language() or "vi")


@dataclass(frozen=True)
class Figure:
    """One key figure of the unit, already formatted, with an optional small SVG chart and its numbers."""

    label: str
    value: str
    chart: str = ""
    table: list[tuple[str, str]] = field(default_factory=list)


Provider = Callable[..., list]
_QUEUES: dict[str, Provider] = {}
_FIGURES: dict[str, Provider] = {}


def register_queues(area: str, provider: Provider) -> None:
    """Add (or replace) the queue provider of `area`: `provider(*, user, now) -> list[Queue]`."""
    _QUEUES[area] = provider


def register_figures(area: str, provider: Provider) -> None:
    """Add (or replace) the figure provider of `area`: `provider(*, user, now) -> list[Figure]`."""
    _FIGURES[area] = provider


def queues(*, user, now: dt.datetime) -> list[Queue]:
    """Every area's queues for `user`, in registration order."""
    return [queue for provider in _QUEUES.values() for queue in provider(user=user, now=now)]


def figures(*, user, now: dt.datetime) -> list[Figure]:
    """Every area's key figures for `user`, in registration order."""
    return [figure for provider in _FIGURES.values() for figure in provider(user=user, now=now)]


# -- helpers -------------------------------------------------------------------------------------------------


def changelist_url(model, **params) -> str:
    """The back-office list of `model` filtered by `params` (admin lookups such as `status__exact`)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _visible(model, user) -> bool:
    return policy.may_record(user=user, model=model, verb="view")


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=BUSINESS_TZ)


def _since(now: dt.datetime, days: int) -> dt.datetime:
    """Local midnight `days` days before `now`'s business date."""
    return _local_midnight(now.astimezone(BUSINESS_TZ).date() - dt.timedelta(days=days))


def _month_starts(now: dt.datetime, months: int) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, this month included."""
    first = now.astimezone(BUSINESS_TZ).date().replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(dt.date(year, month + 1, 1))
    return starts


def _month_key(value) -> dt.date:
    """A TruncMonth value (aware datetime on PostgreSQL, naive or date on SQLite) as the month's first day."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(BUSINESS_TZ) if value.tzinfo else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _small_chart(
    *, element_id: str, title: str, months: list[dt.date], values: list[int], money: bool = False
):
    language = translation.get_language() or "vi"
    labels = [f"{month:%m/%y}" for month in months]
    if money:
        value_format = lambda v: format_vnd(v, language=language)  # noqa: E731
        tick_format = lambda v: format_number(v / 1_000_000, language=language)  # noqa: E731
        axis = _("triệu ₫")
    else:
        value_format = tick_format = lambda v: format_number(v, language=language)  # noqa: E731
        axis = ""
    svg = bar_chart_svg(
        labels=labels, series=[Series(name=title, values=values)], title=title, y_axis_label=axis,
        value_format=value_format, tick_format=tick_format, width=300, height=150, ticks=2, element_id=element_id,
    )  # fmt: skip
    table = [(f"{month:%m/%Y}", value_format(value)) for month, value in zip(months, values, strict=True)]
    return svg, table


# -- billing -------------------------------------------------------------------------------------------------


def billing_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Held bills to check; bill runs waiting or running; runs that failed in the last 30 days."""
    result = []
    if _visible(Bill, user):
        held = policy.records(held_bills(), user=user).count()
        result.append(Queue(
            area=_("Hoá đơn"), label=_("Hoá đơn chờ kiểm tra"), count=held, tone="attention",
            url=changelist_url(Bill, status__exact=Bill.Status.HELD),
            hint=_("Tăng bất thường so với kỳ trước: kiểm tra rồi phát hành."),
        ))  # fmt: skip
    if _visible(BillRun, user):
        since = _since(now, 30)
        runs = policy.records(bill_runs(), user=user).aggregate(
            active=Count("pk", filter=Q(status__in=[BillRun.Status.PENDING, BillRun.Status.RUNNING])),
            failed=Count("pk", filter=Q(status=BillRun.Status.FAILED, created_at__gte=since)),
        )
        result.append(Queue(
            area=_("Hoá đơn"), label=_("Đợt lập hoá đơn đang chờ hoặc đang chạy"), count=runs["active"], tone="info",
            url=changelist_url(BillRun, status__in=f"{BillRun.Status.PENDING},{BillRun.Status.RUNNING}"),
        ))  # fmt: skip
        result.append(Queue(
            area=_("Hoá đơn"), label=_("Đợt lập hoá đơn bị lỗi (30 ngày qua)"), count=runs["failed"], tone="urgent",
            url=changelist_url(BillRun, status__exact=BillRun.Status.FAILED, created_at__gte=since.isoformat()),
        ))  # fmt: skip
    return result


def billing_figures(*, user, now: dt.datetime) -> list[Figure]:
    """Bills issued this month (count and total) with the last six months, in one grouped query."""
    if not _visible(Bill, user):
        return []
    months = _month_starts(now, 6)
    rows = (
        policy.records(
            Bill.objects.filter(issued_at__gte=_local_midnight(months[0]), kind=Bill.Kind.INVOICE), user=user
        )
        .annotate(month=TruncMonth("issued_at", tzinfo=BUSINESS_TZ))
        .values("month")
        .annotate(n=Count("pk"), total=Sum("total"))
        .order_by("month")
    )
    by_month = {_month_key(row["month"]): row for row in rows}
    counts = [by_month.get(month, {}).get("n", 0) for month in months]
    totals = [int(by_month.get(month, {}).get("total") or 0) for month in months]
    count_chart, count_table = _small_chart(
        element_id="workday-bills", title=_("Hoá đơn phát hành theo tháng"), months=months, values=counts
    )
    total_chart, total_table = _small_chart(
        element_id="workday-billed",
        title=_("Tiền điện phát hành theo tháng"),
        months=months,
        values=totals,
        money=True,
    )
    return [
        Figure(
            label=_("Hoá đơn phát hành tháng này"),
            value=format_number(counts[-1]),
            chart=count_chart,
            table=count_table,
        ),
        Figure(
            label=_("Tổng tiền hoá đơn tháng này"),
            value=format_vnd(totals[-1]),
            chart=total_chart,
            table=total_table,
        ),
    ]


# -- customers and metering ----------------------------------------------------------------------------------


def customer_figures(*, user, now: dt.datetime) -> list[Figure]:
    """Contracts in supply, and register readings taken this month."""
    result = []
    if _visible(Account, user):
        active = accounts_visible(user=user).filter(status=Account.Status.ACTIVE).count()
        result.append(Figure(label=_("Hợp đồng đang cấp điện"), value=format_number(active)))
    if _visible(Reading, user):
        first = now.astimezone(BUSINESS_TZ).date().replace(day=1)
        readings = policy.records(Reading.objects.filter(read_on__gte=first), user=user).count()
        result.append(Figure(label=_("Chỉ số ghi trong tháng này"), value=format_number(readings)))
    return result


def metering_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Reading imports of the last 30 days with rejected rows (conflicts included), and failed ones."""
    if not _visible(ReadingImport, user):
        return []
    since = _since(now, 30)
    imports = policy.records(ReadingImport.objects.filter(started_at__gte=since), user=user).aggregate(
        rejected=Count("pk", filter=Q(rows_rejected__gt=0)),
        failed=Count("pk", filter=Q(status=ReadingImport.Status.FAILED)),
    )
    return [
        Queue(
            area=_("Chỉ số công tơ"), label=_("Lần nhập chỉ số có dòng bị từ chối (30 ngày qua)"),
            count=imports["rejected"], tone="attention",
            url=changelist_url(ReadingImport, rows_rejected__gt=0, started_at__gte=since.isoformat()),
            hint=_("Dòng sai, công tơ lạ hoặc chỉ số khác với chỉ số đã có."),
        ),
        Queue(
            area=_("Chỉ số công tơ"), label=_("Lần nhập chỉ số thất bại (30 ngày qua)"), count=imports["failed"],
            tone="urgent",
            url=changelist_url(ReadingImport, status__exact=ReadingImport.Status.FAILED, started_at__gte=since.isoformat()),
        ),
    ]  # fmt: skip


# -- notifications -------------------------------------------------------------------------------------------


def notification_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Messages that could not be delivered in the last 7 days (to retry, or to fix the contact)."""
    if not _visible(OutboxMessage, user):
        return []
    since = _since(now, 7)
    failed = outbox_visible(user=user).filter(status=OutboxStatus.FAILED, created_at__gte=since).count()
    return [
        Queue(
            area=_("Thông báo"), label=_("Tin không gửi được (7 ngày qua)"), count=failed, tone="urgent",
            url=changelist_url(OutboxMessage, status__exact=OutboxStatus.FAILED, created_at__gte=since.isoformat()),
            hint=_("Sửa số điện thoại hoặc e-mail của khách hàng rồi gửi lại."),
        )
    ]  # fmt: skip


def notification_figures(*, user, now: dt.datetime) -> list[Figure]:
    """Messages sent (or delivered) this month, with the last six months, in one grouped query."""
    if not _visible(OutboxMessage, user):
        return []
    months = _month_starts(now, 6)
    rows = (
        outbox_visible(user=user)
        .filter(
            created_at__gte=_local_midnight(months[0]), status__in=[OutboxStatus.SENT, OutboxStatus.DELIVERED]
        )
        .annotate(month=TruncMonth("created_at", tzinfo=BUSINESS_TZ))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    by_month = {_month_key(row["month"]): row["n"] for row in rows}
    values = [by_month.get(month, 0) for month in months]
    chart, table = _small_chart(
        element_id="workday-messages", title=_("Tin đã gửi theo tháng"), months=months, values=values
    )
    return [
        Figure(label=_("Tin đã gửi tháng này"), value=format_number(values[-1]), chart=chart, table=table)
    ]


register_queues("billing", billing_queues)
register_queues("metering", metering_queues)
register_queues("notifications", notification_queues)
register_figures("customers", customer_figures)
register_figures("billing", billing_figures)
register_figures("notifications", notification_figures)
