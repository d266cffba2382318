"""Safety and savings advice to segments of customers, digital-adoption targets and reading-date agreements.

An advice is written by a unit's staff (Vietnamese first, English and French optional), aimed at a segment of the
unit's customers (purpose, commune/ward, high users, a recent bill-shock hold) and published once: the segment is
staged into `AdviceRecipient` by one INSERT … SELECT and the notice goes out through `notifications.notify`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.metering.models import ReadingRoute
from gridcare.org.models import Commune, Unit


class Advice(models.Model):
    """Một bản tin tư vấn an toàn, tiết kiệm điện: a text and the segment of customers it is for."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("bản nháp")
        SENT = "sent", _("đã gửi")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị gửi"))
    title_vi = models.CharField(_("tiêu đề (tiếng Việt)"), max_length=100)
    body_vi = models.TextField(_("nội dung (tiếng Việt)"), max_length=2000)
    title_en = models.CharField(_("tiêu đề (tiếng Anh)"), max_length=100, blank=True)
    body_en = models.TextField(_("nội dung (tiếng Anh)"), max_length=2000, blank=True)
    title_fr = models.CharField(_("tiêu đề (tiếng Pháp)"), max_length=100, blank=True)
    body_fr = models.TextField(_("nội dung (tiếng Pháp)"), max_length=2000, blank=True)
    # The segment: every criterion given must hold (empty = not a criterion).
    purposes = models.JSONField(_("mục đích sử dụng điện"), default=list, blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("phường/xã"))  # fmt: skip
    high_users_percent = models.PositiveSmallIntegerField(
        _("khách hàng dùng nhiều (nhóm % cao nhất)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Ví dụ 10: 10% khách hàng có sản lượng cao nhất trong các tháng gần đây."),
    )  # fmt: skip
    high_users_months = models.PositiveSmallIntegerField(
        _("số tháng tính sản lượng"), default=3, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    bill_shock_days = models.PositiveSmallIntegerField(
        _("có hoá đơn tăng cao phải kiểm tra trong số ngày gần đây"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )  # fmt: skip
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("tạo lúc"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người soạn"))  # fmt: skip
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("người gửi"))  # fmt: skip
    recipients = models.PositiveIntegerField(_("số khách hàng nhận"), default=0)

    class Meta:
        verbose_name = _("tư vấn an toàn, tiết kiệm điện")
        verbose_name_plural = _("tư vấn an toàn, tiết kiệm điện")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(sent_at__isnull=False),
                name="advice_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title_vi

    def text(self, language: str) -> tuple[str, str]:
        """(title, body) in `language`, Vietnamese when that translation is missing."""
        title = getattr(self, f"title_{language}", "") or self.title_vi
        body = getattr(self, f"body_{language}", "") or self.body_vi
        return title, body


class AdviceRecipient(models.Model):
    """One customer an advice was published to (the staged segment; the portal lists them)."""

    advice = models.ForeignKey(Advice, on_delete=models.PROTECT, related_name="+", db_index=False)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("khách hàng")
    )

    class Meta:
        verbose_name = _("khách hàng nhận tư vấn")
        verbose_name_plural = _("khách hàng nhận tư vấn")
        constraints = [models.UniqueConstraint(fields=["advice", "account"], name="advice_once_per_account")]

    def __str__(self) -> str:
        return f"{self.advice_id} → {self.account_id}"


class Measure(models.TextChoices):
    """What the digital-adoption drive counts: customers moved to it during the period."""

    APP = "app", _("dùng ứng dụng / cổng khách hàng")
    EMAIL = "email", _("nhận thông báo qua e-mail")
    ZALO = "zalo", _("nhận thông báo qua Zalo")
    EBILL = "ebill", _("nhận hoá đơn điện tử")
    ONLINE_PAYMENT = "online_payment", _("thanh toán trực tuyến")


class AdoptionTarget(models.Model):
    """Chỉ tiêu chuyển đổi số: how many customers a unit means to move to a measure in a year's campaign."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    measure = models.CharField(_("chỉ tiêu"), max_length=20, choices=Measure.choices)
    target = models.PositiveIntegerField(_("số khách hàng"))

    class Meta:
        verbose_name = _("chỉ tiêu chuyển đổi số")
        verbose_name_plural = _("chỉ tiêu chuyển đổi số")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "measure"], name="adoption_target_once"),
            models.CheckConstraint(
                condition=models.Q(measure__in=Measure.values), name="adoption_target_measure_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_measure_display()}"


class ReadingDateAgreement(models.Model):
    """A customer's agreement to move the day their meter is read (a route's reading day change), for recognition.

    Routes keep only their current reading day; this records who agreed, from which day to which, and when.
    """

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("khách hàng")
    )
    route = models.ForeignKey(ReadingRoute, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("lộ trình ghi chỉ số"))  # fmt: skip
    from_day = models.PositiveSmallIntegerField(
        _("ngày ghi cũ"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    to_day = models.PositiveSmallIntegerField(
        _("ngày ghi mới"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    agreed_on = models.DateField(_("ngày đồng ý"))
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("đồng ý thay đổi ngày ghi chỉ số")
        verbose_name_plural = _("đồng ý thay đổi ngày ghi chỉ số")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "agreed_on"], name="reading_date_agreement_once_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(from_day__gte=1, from_day__lte=31, to_day__gte=1, to_day__lte=31),
                name="reading_date_agreement_days_valid",
            ),  # fmt: skip
        ]
        indexes = [models.Index(fields=["agreed_on"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_day} → {self.to_day}"
