"""Meters, their installations, reading routes, register readings, interval data and imports.

Register readings are whole kWh (the index printed on bills); interval energy is stored in whole
watt-hours so that 30-minute values stay exact integers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account, ServicePoint
from gridcare.org.models import Unit


class Meter(models.Model):
    """Công tơ."""

    class Kind(models.TextChoices):
        MECHANICAL = "mechanical", _("công tơ cơ")
        ELECTRONIC = "electronic", _("công tơ điện tử")
        SMART = "smart", _("công tơ đo xa")

    serial = models.CharField(_("số công tơ"), max_length=30, unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    time_of_use = models.BooleanField(
        _("nhiều biểu giá"), default=False, help_text=_("Có thanh ghi cao điểm / bình thường / thấp điểm.")
    )
    register_digits = models.PositiveSmallIntegerField(
        _("số chữ số"), default=6, help_text=_("Chỉ số quay vòng về 0 sau 10^số chữ số.")
    )
    multiplier = models.PositiveIntegerField(_("hệ số nhân"), default=1)
    manufacturer = models.CharField(_("hãng"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("công tơ")
        verbose_name_plural = _("công tơ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(register_digits__gte=4, register_digits__lte=9), name="meter_digits_range"
            ),
            models.CheckConstraint(condition=models.Q(multiplier__gte=1), name="meter_multiplier_positive"),
        ]

    def __str__(self) -> str:
        return self.serial


class MeterInstallation(models.Model):
    """A meter on a service point from `installed_on` until `removed_on` (exclusive, null while installed)."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="installations")
    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="installations")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="meter_installations")
    installed_on = models.DateField(_("ngày lắp"))
    removed_on = models.DateField(_("ngày tháo"), null=True, blank=True)
    initial_total = models.BigIntegerField(_("chỉ số khi lắp"), default=0)

    class Meta:
        verbose_name = _("lắp đặt công tơ")
        verbose_name_plural = _("lắp đặt công tơ")
        constraints = [
            models.UniqueConstraint(
                fields=["meter"], condition=models.Q(removed_on__isnull=True), name="meter_installed_once"
            ),
            models.CheckConstraint(
                condition=models.Q(removed_on__isnull=True)
                | models.Q(removed_on__gte=models.F("installed_on")),
                name="installation_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter} @ {self.service_point}"


class ReadingRoute(models.Model):
    """Lộ trình ghi chỉ số: the accounts read on the same day of the month."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reading_routes", verbose_name=_("đội quản lý")
    )
    code = models.CharField(_("mã lộ trình"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    reading_day = models.PositiveSmallIntegerField(_("ngày ghi chỉ số"))

    class Meta:
        verbose_name = _("lộ trình ghi chỉ số")
        verbose_name_plural = _("lộ trình ghi chỉ số")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reading_day__gte=1, reading_day__lte=31), name="reading_day_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.reading_day})"


class RouteAccount(models.Model):
    """An account's place on a reading route (one route per account)."""

    route = models.ForeignKey(ReadingRoute, on_delete=models.CASCADE, related_name="stops")
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="route_stop")
    sequence = models.PositiveIntegerField(_("thứ tự"))

    class Meta:
        verbose_name = _("khách hàng trên lộ trình")
        verbose_name_plural = _("khách hàng trên lộ trình")

    def __str__(self) -> str:
        return f"{self.route.code} — {self.sequence}"


class ReadingImport(models.Model):
    """One import of a readings file or API payload; the sha256 makes re-imports recognisable."""

    class Status(models.TextChoices):
        RUNNING = "running", _("đang nhập")
        DONE = "done", _("hoàn tất")
        DONE_WITH_ERRORS = "done_with_errors", _("hoàn tất, có dòng lỗi")
        FAILED = "failed", _("thất bại")

    class Kind(models.TextChoices):
        REGISTER = "register", _("chỉ số công tơ")
        INTERVAL = "interval", _("dữ liệu 30 phút")

    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.REGISTER)
    source = models.CharField(_("nguồn"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    started_at = models.DateTimeField(_("bắt đầu"))
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    rows_total = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_inserted = models.PositiveIntegerField(_("dòng mới"), default=0)
    rows_already_present = models.PositiveIntegerField(_("dòng đã có"), default=0)
    rows_rejected = models.PositiveIntegerField(_("dòng lỗi"), default=0)
    errors = models.JSONField(_("lỗi (tối đa 1000 dòng đầu)"), default=list, blank=True)
    report_path = models.CharField(_("báo cáo lỗi"), max_length=500, blank=True)
    # The unit of the staff member who sent it (its rows were limited to that unit's meters); none for a
    # system import (head-end command), which only superusers see.
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị gửi"),
    )

    class Meta:
        verbose_name = _("lần nhập chỉ số")
        verbose_name_plural = _("lần nhập chỉ số")

    def __str__(self) -> str:
        return f"{self.source} ({self.started_at:%d/%m/%Y %H:%M})"


class Reading(models.Model):
    """A register reading (chỉ số): total and, for time-of-use meters, peak / normal / off-peak."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("ghi tay")
        IMPORT = "import", _("nhập tệp")
        HEAD_END = "head_end", _("hệ thống đo xa")
        ESTIMATED = "estimated", _("ước tính")

    # No single-column indexes on meter and account: the (meter, read_on) and (account, read_on) indexes
    # serve those lookups, and every extra index slows the bulk import of millions of readings.
    # Readings are the largest table and arrive by the million: the import resolves every meter and account
    # set-based before it writes (an unknown meter is a rejected row), so the database does not re-check each link
    # at COMMIT (what that cost: benchmarks/README.md). The ORM still refuses to delete a meter or an
    # account that has readings (PROTECT); `metering.selectors.readings_without_owner` finds any orphan.
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", db_index=False,
                              db_constraint=False)  # fmt: skip
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="readings", db_index=False,
                                db_constraint=False)  # fmt: skip
    read_on = models.DateField(_("ngày ghi"))
    total = models.BigIntegerField(_("chỉ số tổng (kWh)"))
    peak = models.BigIntegerField(_("cao điểm"), null=True, blank=True)
    normal = models.BigIntegerField(_("bình thường"), null=True, blank=True)
    offpeak = models.BigIntegerField(_("thấp điểm"), null=True, blank=True)
    rollover = models.BooleanField(
        _("quay vòng"), default=False, help_text=_("Chỉ số đã quay vòng qua 0 kể từ lần ghi trước.")
    )
    source = models.CharField(_("nguồn"), max_length=20, choices=Source.choices, default=Source.IMPORT)
    reading_import = models.ForeignKey(ReadingImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       db_index=False, db_constraint=False)  # fmt: skip

    class Meta:
        verbose_name = _("chỉ số công tơ")
        verbose_name_plural = _("chỉ số công tơ")
        constraints = [
            models.UniqueConstraint(fields=["meter", "read_on"], name="reading_once_per_meter_day"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="reading_total_not_negative"),
        ]
        indexes = [models.Index(fields=["account", "read_on"])]

    def __str__(self) -> str:
        return f"{self.meter.serial} {self.read_on:%d/%m/%Y}: {self.total}"


class IntervalReading(models.Model):
    """Energy of one 30-minute interval of a smart meter, in whole watt-hours, keyed by the interval start."""

    # See Reading: the import checks these links set-based; the database does not re-check them row by row.
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="interval_readings", db_index=False,
                              db_constraint=False)  # (meter, start) indexes it  # fmt: skip
    start = models.DateTimeField(_("bắt đầu"))
    energy_wh = models.BigIntegerField(_("điện năng (Wh)"))
    reading_import = models.ForeignKey(ReadingImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       db_index=False, db_constraint=False)  # fmt: skip

    class Meta:
        verbose_name = _("dữ liệu 30 phút")
        verbose_name_plural = _("dữ liệu 30 phút")
        constraints = [
            models.UniqueConstraint(fields=["meter", "start"], name="interval_once_per_meter_start"),
            models.CheckConstraint(condition=models.Q(energy_wh__gte=0), name="interval_energy_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.start:%Y-%m-%d %H:%M}: {self.energy_wh} Wh"
