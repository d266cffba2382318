"""The workday page's queues of the service desk, outages and payments (gridcare.backoffice.workday).

Each count is the number of rows of the list its link opens, read through the access policy.
"""

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from gridcare.backoffice.workday import Queue, changelist_url, register_queues
from gridcare.org import policy
from gridcare.outages import selectors as outage_selectors
from gridcare.outages.models import Outage, OutageStatus
from gridcare.payments import selectors as payment_selectors
from gridcare.payments.models import ReconciliationDifference
from gridcare.payments.statements_models import StatementLine
from gridcare.servicedesk import selectors as desk
from gridcare.servicedesk.models import ServiceRequest


def servicedesk_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Open requests past their promised time, and those close to it (one query)."""
    if not policy.may_record(user=user, model=ServiceRequest, verb="view"):
        return []
    counts = desk.queue_counts(user=user, now=now)
    breached = sum(row[desk.CLOCK_BREACHED] for row in counts.values())
    warning = sum(row[desk.CLOCK_WARNING] for row in counts.values())
    return [
        Queue(area=_("Yêu cầu dịch vụ"), label=_("Yêu cầu đã quá hạn"), count=breached, tone="urgent",
              url=changelist_url(ServiceRequest, open="1", clock=desk.CLOCK_BREACHED)),
        Queue(area=_("Yêu cầu dịch vụ"), label=_("Yêu cầu sắp đến hạn"), count=warning, tone="attention",
              url=changelist_url(ServiceRequest, open="1", clock=desk.CLOCK_WARNING)),
    ]  # fmt: skip


def outage_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Outages going on now (power off, not yet restored), and drafts waiting to be published."""
    if not policy.may_record(user=user, model=Outage, verb="view"):
        return []
    counts = outage_selectors.outages_visible(user=user).aggregate(
        off=Count("pk", filter=Q(status=OutageStatus.IN_PROGRESS)),
        drafts=Count("pk", filter=Q(status=OutageStatus.DRAFT)),
        overdue=Count("pk", filter=Q(status=OutageStatus.IN_PROGRESS, scheduled_end__lt=now)),
    )
    return [
        Queue(area=_("Ngừng cấp điện"), label=_("Đang mất điện, chưa có điện lại"), count=counts["off"], tone="urgent",
              url=changelist_url(Outage, status__exact=OutageStatus.IN_PROGRESS)),
        Queue(area=_("Ngừng cấp điện"), label=_("Lịch ngừng cấp điện chưa thông báo"), count=counts["drafts"],
              url=changelist_url(Outage, status__exact=OutageStatus.DRAFT)),
        Queue(area=_("Ngừng cấp điện"), label=_("Quá giờ dự kiến có điện lại, chưa đóng"), count=counts["overdue"],
              tone="urgent", url=changelist_url(Outage, overdue="1")),
    ]  # fmt: skip


def payment_queues(*, user, now: dt.datetime) -> list[Queue]:
    """Bank-statement and partner-file lines no account or bill was found for; reconciliation differences open."""
    result = []
    lines = policy.may_record(user=user, model=StatementLine, verb="view")
    open_ = policy.may_record(user=user, model=ReconciliationDifference, verb="view")
    waiting, differences = payment_selectors.work_queue_counts(
        user=user, lines=lines, differences=open_
    )  # one query
    if lines:
        result.append(Queue(area=_("Thanh toán"), label=_("Dòng sao kê chờ khớp"), count=waiting,
                            url=changelist_url(StatementLine, status__exact=StatementLine.Status.UNMATCHED)))  # fmt: skip
    if open_:
        result.append(Queue(area=_("Thanh toán"), label=_("Chênh lệch đối soát chưa xử lý"), count=differences,
                            tone="attention", url=changelist_url(ReconciliationDifference, status__exact="open")))  # fmt: skip
    return result


register_queues("servicedesk", servicedesk_queues)
register_queues("outages", outage_queues)
register_queues("payments", payment_queues)
