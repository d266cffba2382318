"""The appreciation month on the workday page (gridcare.backoffice.workday): while a campaign runs, a team lead sees
the activities whose day has come but that have not started, those under way past their end, the blood drives held
but not summed up, and the results typed without a photo, for the unit and the units below it.

Each count is the number of rows of the list its link opens (the `queue` list filter below), read through the
access policy; the counts are four queries whatever the number of rows (`campaigns.selectors.queue_counts`).
"""

import datetime as dt

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.backoffice.workday import Queue, changelist_url, register_queues
from gridcare.campaigns import selectors
from gridcare.campaigns.models import Activity, ActivityRecord, BloodDrive
from gridcare.core.formatting import local_date

LABELS = {
    selectors.QUEUE_DUE: gettext_lazy("Hoạt động đã đến ngày, chưa bắt đầu"),
    selectors.QUEUE_LATE: gettext_lazy("Hoạt động quá ngày kết thúc, chưa hoàn thành"),
    selectors.QUEUE_DRIVE_TO_CLOSE: gettext_lazy("Đợt hiến máu đã tổ chức, chưa tổng kết"),
    selectors.QUEUE_NO_PHOTO: gettext_lazy("Kết quả chưa có ảnh"),
}
MODELS = {
    selectors.QUEUE_DUE: Activity, selectors.QUEUE_LATE: Activity, selectors.QUEUE_DRIVE_TO_CLOSE: BloodDrive,
    selectors.QUEUE_NO_PHOTO: ActivityRecord,
}  # fmt: skip
TONES = {selectors.QUEUE_LATE: "urgent"}


class QueueFilter(admin.SimpleListFilter):
    """The rows of one of the workday page's campaign queues, today."""

    title = gettext_lazy("việc cần làm trong Tháng tri ân")
    parameter_name = "queue"
    queues: tuple[str, ...] = ()

    def lookups(self, request, model_admin):
        return [(q, LABELS[q]) for q in self.queues]

    def queryset(self, request, queryset):
        if self.value() in self.queues:
            return queryset.filter(selectors.queue_condition(self.value(), today=local_date(timezone.now())))
        return queryset


class ActivityQueueFilter(QueueFilter):
    queues = (selectors.QUEUE_DUE, selectors.QUEUE_LATE)


class BloodDriveQueueFilter(QueueFilter):
    queues = (selectors.QUEUE_DRIVE_TO_CLOSE,)


class RecordQueueFilter(QueueFilter):
    queues = (selectors.QUEUE_NO_PHOTO,)


def campaign_queues(*, user, now: dt.datetime) -> list[Queue]:
    """The campaign's queues of the user's units, only while a campaign runs."""
    counts = selectors.queue_counts(user=user, today=local_date(now))
    if not counts:
        return []
    return [
        Queue(area=_("Tháng tri ân khách hàng"), label=str(LABELS[q]), count=counts[q], tone=TONES.get(q, "attention"),
              url=changelist_url(MODELS[q], queue=q))
        for q in selectors.QUEUES if q in counts
    ]  # fmt: skip


register_queues("campaigns", campaign_queues)
