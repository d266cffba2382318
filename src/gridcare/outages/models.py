"""Outages: planned outages (lịch ngừng cấp điện) and incidents (sự cố), located on the grid or on communes/wards.

One table for both kinds (`Outage.kind`): they share the place, the times, the status history and the notices;
an incident simply starts "in progress" and has no five-day rule. Affected customers are resolved from the
grid elements and areas by `outages.selectors.affected_accounts` (one query), never stored per customer.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account, ServicePoint
from gridcare.network.models import Feeder, Substation, TransformerStation
from gridcare.org.models import Commune, Unit


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("ngừng cấp điện có kế hoạch")
    INCIDENT = "incident", _("sự cố mất điện")


class OutageStatus(models.TextChoices):
    DRAFT = "draft", _("bản nháp")
    PUBLISHED = "published", _("đã thông báo")
    CHANGED = "changed", _("đã thay đổi")
    CANCELLED = "cancelled", _("đã huỷ")
    IN_PROGRESS = "in_progress", _("đang mất điện")
    RESTORED = "restored", _("đã có điện lại")


# Statuses a customer hears about and the public schedule shows (draft and cancelled ones are not current).
ANNOUNCED_STATUSES = (OutageStatus.PUBLISHED, OutageStatus.CHANGED, OutageStatus.IN_PROGRESS)
# Statuses after which nothing changes any more.
FINAL_STATUSES = (OutageStatus.CANCELLED, OutageStatus.RESTORED)


class Outage(models.Model):
    """A planned outage or an incident: where (grid elements and/or communes), when, why, who works on it.

    Times: `scheduled_start`/`scheduled_end` are the announced window of a planned outage; for an incident
    `scheduled_end` is the estimated restoration. `started_at`/`restored_at` are what really happened (the
    reliability indices use them). The customer counts are taken when the outage is published and closed.
    """

    kind = models.CharField(_("loại"), max_length=10, choices=OutageKind.choices)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=OutageStatus.choices, default=OutageStatus.DRAFT
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="outages", verbose_name=_("đơn vị"))
    place = models.CharField(
        _("khu vực mất điện"), max_length=200,
        help_text=_("Như khách hàng đọc trong thông báo, ví dụ: khu vực chợ Cái Răng, phường Cái Răng."),
    )  # fmt: skip
    reason = models.CharField(_("lý do"), max_length=100)
    crew = models.CharField(_("đội thi công / xử lý"), max_length=200, blank=True)
    emergency = models.BooleanField(_("khẩn cấp"), default=False)
    emergency_reason = models.CharField(_("lý do khẩn cấp"), max_length=200, blank=True)
    scheduled_start = models.DateTimeField(_("bắt đầu dự kiến"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("dự kiến có điện lại"), null=True, blank=True)
    started_at = models.DateTimeField(_("mất điện thực tế lúc"), null=True, blank=True)
    restored_at = models.DateTimeField(_("có điện lại lúc"), null=True, blank=True)
    substations = models.ManyToManyField(
        Substation, blank=True, related_name="outages", verbose_name=_("trạm biến áp nguồn")
    )
    feeders = models.ManyToManyField(
        Feeder, blank=True, related_name="outages", verbose_name=_("xuất tuyến trung thế")
    )
    transformer_stations = models.ManyToManyField(
        TransformerStation, blank=True, related_name="outages", verbose_name=_("trạm biến áp phân phối")
    )
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="outages", verbose_name=_("phường/xã")
    )
    customers_at_publish = models.PositiveIntegerField(
        _("số khách hàng bị ảnh hưởng khi thông báo"), null=True, blank=True
    )
    customers_at_close = models.PositiveIntegerField(
        _("số khách hàng bị ảnh hưởng khi đóng"), null=True, blank=True
    )
    published_at = models.DateTimeField(_("thông báo lúc"), null=True, blank=True)
    # Each change told to customers is a new revision: the idempotency key of its notice.
    revision = models.PositiveIntegerField(_("lần thay đổi"), default=0)
    reminded_for = models.DateTimeField(_("đã nhắc lịch cho giờ bắt đầu"), null=True, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    class Meta:
        verbose_name = _("ngừng cấp điện / sự cố")
        verbose_name_plural = _("ngừng cấp điện / sự cố")
        indexes = [
            models.Index(fields=["status", "scheduled_start"], name="outage_status_start"),
            models.Index(fields=["unit", "started_at"], name="outage_unit_started"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=OutageKind.values), name="outage_kind_known"),
            models.CheckConstraint(
                condition=models.Q(status__in=OutageStatus.values), name="outage_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(scheduled_start__isnull=True)
                | models.Q(scheduled_end__isnull=True)
                | models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="outage_schedule_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(started_at__isnull=True)
                | models.Q(restored_at__isnull=True)
                | models.Q(restored_at__gte=models.F("started_at")),
                name="outage_restored_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(emergency=False) | ~models.Q(emergency_reason=""),
                name="outage_emergency_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.place}"


class OutageEvent(models.Model):
    """The status history of an outage: who did what, when, and what changed."""

    class Action(models.TextChoices):
        CREATED = "created", _("tạo")
        PUBLISHED = "published", _("thông báo")
        CHANGED = "changed", _("thay đổi")
        CANCELLED = "cancelled", _("huỷ")
        STARTED = "started", _("bắt đầu mất điện")
        UPDATED = "updated", _("cập nhật")
        RESTORED = "restored", _("có điện lại")
        REMINDED = "reminded", _("nhắc lịch")

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("lúc"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("thao tác"), max_length=12, choices=Action.choices)
    status = models.CharField(_("trạng thái sau"), max_length=12, choices=OutageStatus.choices)
    changes = models.JSONField(_("thay đổi"), default=dict, blank=True)
    customers = models.PositiveIntegerField(_("số khách hàng được báo"), null=True, blank=True)

    class Meta:
        verbose_name = _("lịch sử ngừng cấp điện")
        verbose_name_plural = _("lịch sử ngừng cấp điện")
        indexes = [models.Index(fields=["outage", "at"], name="outage_event_outage_at")]

    def __str__(self) -> str:
        return f"{self.outage_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ReportChannel(models.TextChoices):
    PORTAL = "portal", _("cổng khách hàng")
    API = "api", _("hệ thống khác (API)")
    HOTLINE = "hotline", _("tổng đài")


class OutageReport(models.Model):
    """A customer's "no power" report, placed on the grid (its service point's transformer station and feeder)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="outage_reports", verbose_name=_("hợp đồng")
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("điểm đo")
    )
    transformer_station = models.ForeignKey(
        TransformerStation, on_delete=models.PROTECT, related_name="+", verbose_name=_("trạm biến áp")
    )
    feeder = models.ForeignKey(
        Feeder, on_delete=models.PROTECT, related_name="+", verbose_name=_("xuất tuyến")
    )
    reported_at = models.DateTimeField(_("báo lúc"))
    channel = models.CharField(
        _("kênh"), max_length=10, choices=ReportChannel.choices, default=ReportChannel.PORTAL
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    # The incident it was grouped into (None: not yet looked at; it shows in the suggested incidents).
    outage = models.ForeignKey(
        Outage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("sự cố"),
    )

    class Meta:
        verbose_name = _("báo mất điện của khách hàng")
        verbose_name_plural = _("báo mất điện của khách hàng")
        indexes = [
            models.Index(fields=["feeder", "reported_at"], name="outage_report_feeder_at"),
            models.Index(fields=["account", "reported_at"], name="outage_report_account_at"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.reported_at:%Y-%m-%d %H:%M}"


class RestorationRequest(models.Model):
    """ "Tell me when power is back": the customer is notified once, when the outage is closed."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="restoration_requests", verbose_name=_("hợp đồng")
    )
    outage = models.ForeignKey(
        Outage, on_delete=models.CASCADE, related_name="restoration_requests", verbose_name=_("sự cố")
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"))
    notified_at = models.DateTimeField(_("đã báo lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu báo khi có điện")
        verbose_name_plural = _("yêu cầu báo khi có điện")
        constraints = [models.UniqueConstraint(fields=["account", "outage"], name="restoration_request_once")]

    def __str__(self) -> str:
        return f"{self.account_id} → {self.outage_id}"
