"""Refunds through the gateways, and the daily reconciliation per channel (docs/payments.md).

- `Refund`: a staff member asks the gateway to give (part of) a payment back, with a reason. Pending until the
  gateway confirms it (then done, with the `PaymentReversal` that takes the money off the ledger) or refuses it
  (failed). One refund per (payment, request key): the form's key makes a double click or a retry the same refund.
- `ReconciliationRun`: one channel's day (local date, Asia/Ho_Chi_Minh) compared with the gateway's, the bank's or
  the partner's record; `ReconciliationDifference`: each transaction that does not agree, to act on.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.payments.models import Channel  # defined before models.py imports this module


class Refund(models.Model):
    """Hoàn tiền qua cổng thanh toán: asked by staff, confirmed (or refused) by the gateway."""

    class Status(models.TextChoices):
        PENDING = "pending", _("đang chờ cổng xác nhận")
        DONE = "done", _("đã hoàn tiền")
        FAILED = "failed", _("cổng từ chối")

    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="refunds",
                                verbose_name=_("khoản thanh toán"))  # fmt: skip
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("mã khách hàng")
    )
    channel = models.CharField(_("cổng thanh toán"), max_length=16, choices=Channel.choices)
    amount = models.BigIntegerField(_("số tiền hoàn"))
    reason = models.CharField(_("lý do"), max_length=300)
    request_key = models.CharField(max_length=64)
    # Ours, sent to the gateway: VNPAY vnp_RequestId, ZaloPay m_refund_id (yymmdd_appid_xxx).
    reference = models.CharField(_("mã yêu cầu hoàn"), max_length=64, unique=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_reference = models.CharField(_("mã hoàn tiền của cổng"), max_length=64, blank=True)
    result_code = models.CharField(_("mã kết quả của cổng"), max_length=16, blank=True)
    result_message = models.CharField(_("thông báo của cổng"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người yêu cầu"))  # fmt: skip
    settled_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    reversal = models.OneToOneField("payments.PaymentReversal", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="refund", verbose_name=_("bút toán hoàn tiền"))  # fmt: skip
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("yêu cầu hoàn tiền")
        verbose_name_plural = _("yêu cầu hoàn tiền")
        constraints = [
            models.UniqueConstraint(fields=["payment", "request_key"], name="refund_once_per_request_key"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            # Done means the ledger has its reversal; anything else has none.
            models.CheckConstraint(
                condition=models.Q(status="done", reversal__isnull=False)
                | (~models.Q(status="done") & models.Q(reversal__isnull=True)),
                name="refund_done_has_its_reversal",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.reference


class ReconciliationRun(models.Model):
    """One channel's day compared with the other side's record (the last run of that day and channel)."""

    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    day = models.DateField(_("ngày"))
    ran_at = models.DateTimeField(_("đối soát lúc"))
    source = models.CharField(_("nguồn đối chiếu"), max_length=200, blank=True)
    their_count = models.PositiveIntegerField(_("số giao dịch bên kia"), default=0)
    their_total = models.BigIntegerField(_("tổng tiền bên kia"), default=0)
    our_count = models.PositiveIntegerField(_("số giao dịch đã ghi sổ"), default=0)
    our_total = models.BigIntegerField(_("tổng tiền đã ghi sổ"), default=0)
    matched_count = models.PositiveIntegerField(_("số giao dịch khớp"), default=0)
    difference_count = models.PositiveIntegerField(_("số chênh lệch"), default=0)

    class Meta:
        verbose_name = _("đối soát ngày")
        verbose_name_plural = _("đối soát ngày")
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="reconciliation_once_per_channel_day")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.day:%d/%m/%Y}"


class ReconciliationDifference(models.Model):
    """A transaction the two sides do not agree on: to be looked at and settled by payments staff."""

    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", _("bên kia có, sổ của ta chưa ghi")
        MISSING_THEIRS = "missing_theirs", _("sổ của ta có, bên kia không có")
        AMOUNT = "amount_differs", _("lệch số tiền")

    class Status(models.TextChoices):
        OPEN = "open", _("chưa xử lý")
        RESOLVED = "resolved", _("đã xử lý")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="differences")
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    day = models.DateField(_("ngày"))
    kind = models.CharField(_("loại chênh lệch"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("mã giao dịch"), max_length=64)
    gateway_transaction = models.CharField(_("mã giao dịch của cổng"), max_length=64, blank=True)
    our_amount = models.BigIntegerField(_("số tiền trong sổ"), null=True, blank=True)
    their_amount = models.BigIntegerField(_("số tiền bên kia"), null=True, blank=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("mã khách hàng"))  # fmt: skip
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("đơn vị"))  # fmt: skip
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("ghi chú xử lý"), max_length=300, blank=True)
    resolved_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("người xử lý"))  # fmt: skip

    class Meta:
        verbose_name = _("chênh lệch đối soát")
        verbose_name_plural = _("chênh lệch đối soát")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "day", "reference", "kind"], name="reconciliation_difference_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "day"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.day} {self.reference}"
