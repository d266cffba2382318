"""The tariff catalogue as data: price decisions by purpose, tier bounds, time-of-use prices, hours and VAT.

Every row is versioned by date with `active_from` and an exclusive, nullable `active_to`. Facts that are
uncertain carry their confidence (A official, B one secondary source, C unverified) so that staff see it.
"""

from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.core.constraints import DateRange, PostgresExclusionConstraint
from gridcare.customers.models import Purpose, Voltage

# The names of the database constraints that refuse overlapping date ranges (PostgreSQL; on SQLite the
# services check under the write lock): the services turn a violation into the same message as their own check.
TARIFF_VERSION_NO_OVERLAP = "tariff_version_no_overlap"
VAT_RATE_NO_OVERLAP = "vat_rate_no_overlap"


class Confidence(models.TextChoices):
    """How sure we are of a catalogue fact."""

    OFFICIAL = "A", _("A — văn bản chính thức hoặc nhiều nguồn khớp nhau")
    SECONDARY = "B", _("B — một nguồn thứ cấp")
    UNVERIFIED = "C", _("C — chưa kiểm chứng")


class PricingMethod(models.TextChoices):
    TIERED = "tiered", _("bậc thang")
    TIME_OF_USE = "time_of_use", _("theo thời gian sử dụng (cao điểm / bình thường / thấp điểm)")


class ProrationDivisor(models.TextChoices):
    """The `D` in `round(L × N / D × h)`: how many days one month of tier limit stands for."""

    THIRTY_DAYS = "30", _("30 ngày")
    PRECEDING_MONTH = "preceding_month", _("số ngày của tháng trước tháng ghi chỉ số")


class TimeOfUsePeriod(models.TextChoices):
    PEAK = "peak", _("cao điểm")
    NORMAL = "normal", _("bình thường")
    OFFPEAK = "offpeak", _("thấp điểm")


class TariffVersion(models.Model):
    """One price decision for one purpose (e.g. residential under 1279/QĐ-BCT), valid over a date range."""

    purpose = models.CharField(_("mục đích sử dụng"), max_length=20, choices=Purpose.choices)
    method = models.CharField(_("cách tính"), max_length=20, choices=PricingMethod.choices)
    decision = models.CharField(_("số quyết định"), max_length=100)
    decision_date = models.DateField(_("ngày ký quyết định"), null=True, blank=True)
    active_from = models.DateField(_("áp dụng từ ngày"))
    active_to = models.DateField(_("đến ngày (không gồm)"), null=True, blank=True)
    proration_divisor = models.CharField(
        _("số ngày chia định mức"),
        max_length=20,
        choices=ProrationDivisor.choices,
        default=ProrationDivisor.THIRTY_DAYS,
        help_text=_("Định mức mỗi bậc của kỳ = round(định mức tháng × số ngày / số ngày chia × số hộ)."),
    )
    confidence = models.CharField(_("độ tin cậy"), max_length=1, choices=Confidence.choices)
    note = models.TextField(_("ghi chú, nguồn"), blank=True)

    class Meta:
        verbose_name = _("biểu giá (phiên bản)")
        verbose_name_plural = _("biểu giá (phiên bản)")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "active_from"], name="tariff_version_one_start_per_purpose"
            ),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True) | models.Q(active_to__gt=models.F("active_from")),
                name="tariff_version_range_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=Purpose.values), name="tariff_version_purpose_known"
            ),
            # One version per purpose on any day: the engine takes the version that covers a day.
            PostgresExclusionConstraint(
                name=TARIFF_VERSION_NO_OVERLAP,
                expressions=[
                    ("purpose", RangeOperators.EQUAL),
                    (DateRange("active_from", "active_to"), RangeOperators.OVERLAPS),
                ],
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.decision} ({self.active_from:%d/%m/%Y})"


class TierPrice(models.Model):
    """Bậc thang: one tier of a tiered version, its monthly per-household width and its price."""

    version = models.ForeignKey(TariffVersion, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(_("bậc"))
    limit_kwh = models.PositiveIntegerField(
        _("định mức tháng mỗi hộ (kWh)"),
        null=True,
        blank=True,
        help_text=_("Để trống ở bậc cuối (không giới hạn)."),
    )
    unit_price = models.PositiveIntegerField(_("đơn giá (đồng/kWh, chưa VAT)"))

    class Meta:
        verbose_name = _("bậc giá")
        verbose_name_plural = _("bậc giá")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="tier_price_unique_position"),
            models.CheckConstraint(condition=models.Q(position__gte=1), name="tier_price_position_from_one"),
            models.CheckConstraint(
                condition=models.Q(limit_kwh__isnull=True) | models.Q(limit_kwh__gt=0),
                name="tier_price_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.unit_price}"


class TimeOfUsePrice(models.Model):
    """The price of one time-of-use period at one voltage level in a time-of-use version."""

    version = models.ForeignKey(TariffVersion, on_delete=models.CASCADE, related_name="time_of_use_prices")
    voltage = models.CharField(_("cấp điện áp"), max_length=10, choices=Voltage.choices)
    period = models.CharField(_("khung giờ"), max_length=10, choices=TimeOfUsePeriod.choices)
    unit_price = models.PositiveIntegerField(_("đơn giá (đồng/kWh, chưa VAT)"))

    class Meta:
        verbose_name = _("giá theo khung giờ")
        verbose_name_plural = _("giá theo khung giờ")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "voltage", "period"], name="tou_price_unique_voltage_period"
            ),
            models.CheckConstraint(
                condition=models.Q(voltage__in=Voltage.values), name="tou_price_voltage_known"
            ),
            models.CheckConstraint(
                condition=models.Q(period__in=TimeOfUsePeriod.values), name="tou_price_period_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voltage} {self.period}: {self.unit_price}"


class TimeOfUseSchedule(models.Model):
    """The hours of peak, normal and off-peak periods, as set by one legal text, valid over a date range."""

    decision = models.CharField(_("văn bản"), max_length=100)
    active_from = models.DateField(_("áp dụng từ ngày"))
    active_to = models.DateField(_("đến ngày (không gồm)"), null=True, blank=True)
    confidence = models.CharField(_("độ tin cậy"), max_length=1, choices=Confidence.choices)
    note = models.TextField(_("ghi chú, nguồn"), blank=True)

    class Meta:
        verbose_name = _("khung giờ cao điểm / thấp điểm")
        verbose_name_plural = _("khung giờ cao điểm / thấp điểm")
        constraints = [
            models.UniqueConstraint(fields=["active_from"], name="tou_schedule_one_start"),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True) | models.Q(active_to__gt=models.F("active_from")),
                name="tou_schedule_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} ({self.active_from:%d/%m/%Y})"


class TimeOfUseWindow(models.Model):
    """One window of hours of a schedule; `ends_at` 00:00 means midnight at the end of the day."""

    class DayKind(models.TextChoices):
        MONDAY_TO_SATURDAY = "mon_sat", _("thứ Hai – thứ Bảy")
        SUNDAY = "sunday", _("Chủ nhật")

    schedule = models.ForeignKey(TimeOfUseSchedule, on_delete=models.CASCADE, related_name="windows")
    days = models.CharField(_("ngày"), max_length=10, choices=DayKind.choices)
    period = models.CharField(_("khung giờ"), max_length=10, choices=TimeOfUsePeriod.choices)
    starts_at = models.TimeField(_("từ"))
    ends_at = models.TimeField(_("đến (không gồm)"))

    class Meta:
        verbose_name = _("khung giờ")
        verbose_name_plural = _("khung giờ")
        constraints = [
            models.UniqueConstraint(fields=["schedule", "days", "starts_at"], name="tou_window_unique_start"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")) | models.Q(ends_at="00:00"),
                name="tou_window_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days} {self.period} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class VatRate(models.Model):
    """The VAT rate on electricity over a date range (reduced to 8% by successive decrees)."""

    active_from = models.DateField(_("áp dụng từ ngày"), unique=True)
    active_to = models.DateField(_("đến ngày (không gồm)"), null=True, blank=True)
    rate_percent = models.DecimalField(_("thuế suất (%)"), max_digits=5, decimal_places=2)
    basis = models.CharField(_("căn cứ"), max_length=200, blank=True)
    confidence = models.CharField(_("độ tin cậy"), max_length=1, choices=Confidence.choices)

    class Meta:
        verbose_name = _("thuế suất GTGT")
        verbose_name_plural = _("thuế suất GTGT")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True) | models.Q(active_to__gt=models.F("active_from")),
                name="vat_rate_range_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_percent__gte=0, rate_percent__lt=100), name="vat_rate_percent_range"
            ),
            # One rate on any day.
            PostgresExclusionConstraint(
                name=VAT_RATE_NO_OVERLAP,
                expressions=[(DateRange("active_from", "active_to"), RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent}% ({self.active_from:%d/%m/%Y})"
