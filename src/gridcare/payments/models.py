"""The payments ledger: money received, its allocation to bills, refunds and reversals, and payment orders.

Rules (docs/payments.md):
- A payment is recorded once per (channel, reference): the gateway's or bank's transaction reference is the
  idempotency key, a unique constraint, so a replayed callback or a re-imported statement line adds nothing.
- Entries are never edited: an allocation is released by a negative allocation, a payment is refunded or
  reversed by a `PaymentReversal`. Database triggers (`ledger_triggers`) refuse any row that would allocate more
  than a payment holds (its amount less its refunds and reversals) or more than a bill's total, and any edit of an
  entry's money.
- What a payment holds and has not allocated is the account's credit, used by the next bill.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.billing.models import Bill
from gridcare.customers.models import Account


class Channel(models.TextChoices):
    VNPAY = "vnpay", _("VNPAY")
    ZALOPAY = "zalopay", _("ZaloPay")
    BANK_TRANSFER = "bank_transfer", _("chuyển khoản ngân hàng")
    COUNTER = "counter", _("quầy thu / đối tác thu hộ")


class PaymentOrder(models.Model):
    """Một lệnh thanh toán: created when a customer starts paying, before the gateway is asked.

    `reference` is ours (VNPAY's `vnp_TxnRef`, ZaloPay's `app_trans_id`); the gateway's callback or a status query
    settles it. Only a verified callback or query records money (a `Payment`); the return page only shows this.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("đang chờ thanh toán")
        PAID = "paid", _("đã thanh toán")
        FAILED = "failed", _("không thành công")
        EXPIRED = "expired", _("hết hạn")

    reference = models.CharField(_("mã giao dịch"), max_length=40, unique=True)
    gateway = models.CharField(_("cổng thanh toán"), max_length=16, choices=Channel.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payment_orders",
                                verbose_name=_("mã khách hàng"))  # fmt: skip
    amount = models.BigIntegerField(_("số tiền"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    settled_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    gateway_transaction = models.CharField(_("mã giao dịch của cổng"), max_length=64, blank=True)
    result_code = models.CharField(_("mã kết quả của cổng"), max_length=16, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    bills = models.ManyToManyField(Bill, through="PaymentOrderBill", related_name="+", blank=True)

    class Meta:
        verbose_name = _("lệnh thanh toán")
        verbose_name_plural = _("lệnh thanh toán")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_order_amount_positive")
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["account", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentOrderBill(models.Model):
    """A bill a payment order was made for, with what was owed on it then."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="order_bills")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("số tiền"))

    class Meta:
        verbose_name = _("hoá đơn của lệnh thanh toán")
        verbose_name_plural = _("hoá đơn của lệnh thanh toán")
        constraints = [models.UniqueConstraint(fields=["order", "bill"], name="payment_order_bill_once")]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.bill_id}"


class Payment(models.Model):
    """Money received for an account, once per (channel, reference). Never edited; see `PaymentReversal`."""

    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    reference = models.CharField(_("mã giao dịch"), max_length=64,
                                 help_text=_("Mã giao dịch của cổng thanh toán hoặc của ngân hàng."))  # fmt: skip
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments",
                                verbose_name=_("mã khách hàng"))  # fmt: skip
    amount = models.BigIntegerField(_("số tiền"))
    received_at = models.DateTimeField(_("nhận lúc"))
    recorded_at = models.DateTimeField(_("ghi sổ lúc"))
    order = models.OneToOneField(PaymentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="payment",
                                 verbose_name=_("lệnh thanh toán"))  # fmt: skip
    gateway_transaction = models.CharField(_("mã giao dịch của cổng"), max_length=64, blank=True)
    payer = models.CharField(_("người nộp"), max_length=200, blank=True)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("khoản thanh toán")
        constraints = [
            # The idempotency key: one payment per gateway/bank transaction reference and channel.
            models.UniqueConstraint(
                fields=["channel", "reference"], name="payment_once_per_channel_reference"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "received_at"]),
            models.Index(fields=["channel", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def receipt_number(self) -> str:
        """The receipt's number (biên lai): fixed once the payment is recorded, as the payment itself."""
        return f"BL{self.recorded_at:%y%m%d}{self.pk:08d}"


class Allocation(models.Model):
    """Part of a payment applied to a bill (phân bổ); a negative amount releases an earlier allocation."""

    class Reason(models.TextChoices):
        ALLOCATE = "allocate", _("phân bổ")
        BILL_CANCELLED = "bill_cancelled", _("hoá đơn đã huỷ")
        REVERSAL = "reversal", _("hoàn tiền / huỷ thanh toán")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("hoá đơn")
    )
    amount = models.BigIntegerField(_("số tiền"))
    reason = models.CharField(_("lý do"), max_length=16, choices=Reason.choices, default=Reason.ALLOCATE)
    created_at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("phân bổ thanh toán")
        verbose_name_plural = _("phân bổ thanh toán")
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="allocation_amount_not_zero")
        ]
        indexes = [models.Index(fields=["payment"]), models.Index(fields=["bill"])]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.bill_id}: {self.amount}"


class PaymentReversal(models.Model):
    """Money going back out of a payment: a refund to the customer, or a reversal (chargeback, wrong match)."""

    class Kind(models.TextChoices):
        REFUND = "refund", _("hoàn tiền")
        REVERSAL = "reversal", _("huỷ thanh toán")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="reversals")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField(_("số tiền"))
    reference = models.CharField(_("mã tham chiếu"), max_length=64)
    reason = models.CharField(_("lý do"), max_length=300)
    created_at = models.DateTimeField(_("lúc"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("hoàn tiền / huỷ thanh toán")
        verbose_name_plural = _("hoàn tiền / huỷ thanh toán")
        constraints = [
            models.UniqueConstraint(fields=["payment", "reference"], name="payment_reversal_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_reversal_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}: -{self.amount}"


class GatewayCallback(models.Model):
    """Every callback (IPN) a gateway sent us, and what we answered: refused ones too (forged, wrong amount)."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("đã ghi nhận")
        ALREADY_CONFIRMED = "already_confirmed", _("đã ghi nhận trước đó")
        FAILED = "failed", _("giao dịch không thành công")
        NOT_FOUND = "not_found", _("không tìm thấy lệnh")
        INVALID_AMOUNT = "invalid_amount", _("sai số tiền")
        INVALID_SIGNATURE = "invalid_signature", _("sai chữ ký")
        ERROR = "error", _("lỗi")

    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("nhận lúc"))
    reference = models.CharField(_("mã giao dịch"), max_length=64, blank=True)
    order = models.ForeignKey(
        PaymentOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    outcome = models.CharField(_("kết quả"), max_length=20, choices=Outcome.choices)
    address = models.GenericIPAddressField(_("địa chỉ"), null=True, blank=True)
    payload = models.JSONField(_("nội dung"), default=dict)

    class Meta:
        verbose_name = _("thông báo từ cổng thanh toán")
        verbose_name_plural = _("thông báo từ cổng thanh toán")
        indexes = [models.Index(fields=["channel", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference} {self.outcome}"


from gridcare.payments.operations_models import ReconciliationDifference, ReconciliationRun, Refund  # noqa: E402, F401  (refunds, reconciliation)
from gridcare.payments.statements_models import PaymentReminder, StatementImport, StatementLine  # noqa: E402, F401  (files, reminders)
