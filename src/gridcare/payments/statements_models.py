"""Bank statements and collection-partner files: each import, and each line with how it was matched.

A line is keyed by (source, transaction id) — the bank's or partner's own transaction reference — a unique
constraint, so re-importing a file (or an overlapping statement) adds nothing. A matched line has exactly one
`Payment` (channel bank transfer or counter, reference `<source>:<transaction id>`); an unmatched one waits in the
queue for a staff member to name the account (docs/payments-import.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.billing.models import Bill
from gridcare.customers.models import Account


class StatementImport(models.Model):
    """One statement or partner file imported; its sha256 makes a re-import recognisable."""

    class Kind(models.TextChoices):
        BANK = "bank", _("sao kê ngân hàng")
        PARTNER = "partner", _("tệp đối tác thu hộ")

    class Status(models.TextChoices):
        DONE = "done", _("hoàn tất")
        DONE_WITH_ERRORS = "done_with_errors", _("hoàn tất, có dòng lỗi")

    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("ngân hàng / đối tác"), max_length=20,
                              help_text=_("Mã ngắn của ngân hàng hoặc đối tác, ví dụ VCB, VNPOST."))  # fmt: skip
    filename = models.CharField(_("tệp"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    started_at = models.DateTimeField(_("nhập lúc"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.DONE)
    rows_total = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_matched = models.PositiveIntegerField(_("dòng đã khớp"), default=0)
    rows_unmatched = models.PositiveIntegerField(_("dòng chờ khớp"), default=0)
    rows_already_present = models.PositiveIntegerField(_("dòng đã có"), default=0)
    rows_rejected = models.PositiveIntegerField(_("dòng lỗi"), default=0)
    errors = models.JSONField(_("lỗi (tối đa 1000 dòng đầu)"), default=list, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("đơn vị nhập"))  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("lần nhập sao kê")
        verbose_name_plural = _("lần nhập sao kê")

    def __str__(self) -> str:
        return f"{self.source} {self.filename} ({self.started_at:%d/%m/%Y %H:%M})"


class StatementLine(models.Model):
    """One credit of a statement or partner file, and the account, bill and payment it was matched to."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("đã khớp")
        UNMATCHED = "unmatched", _("chờ khớp")

    class MatchedBy(models.TextChoices):
        REFERENCE = "reference", _("mã thanh toán VietQR")
        CUSTOMER_CODE = "customer_code", _("mã khách hàng")
        MANUAL = "manual", _("nhân viên khớp")

    statement = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    source = models.CharField(_("ngân hàng / đối tác"), max_length=20)
    transaction_id = models.CharField(_("mã giao dịch"), max_length=64)
    booked_on = models.DateField(_("ngày ghi có"))
    amount = models.BigIntegerField(_("số tiền"))
    description = models.CharField(_("nội dung"), max_length=500, blank=True)
    customer_code = models.CharField(_("mã khách hàng (trong tệp)"), max_length=20, blank=True)
    payer = models.CharField(_("người nộp"), max_length=200, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices)
    matched_by = models.CharField(_("khớp theo"), max_length=16, choices=MatchedBy.choices, blank=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                db_index=False, verbose_name=_("mã khách hàng"))  # fmt: skip
    bill = models.ForeignKey(Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False,
                             db_constraint=False, verbose_name=_("hoá đơn"))  # fmt: skip
    payment = models.OneToOneField("payments.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="statement_line", verbose_name=_("khoản thanh toán"))  # fmt: skip
    # Whose queue an unmatched line is in (the importer's unit), then the matched account's unit.
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False, verbose_name=_("đơn vị"))  # fmt: skip
    matched_at = models.DateTimeField(_("khớp lúc"), null=True, blank=True)
    matched_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("người khớp"))  # fmt: skip

    class Meta:
        verbose_name = _("dòng sao kê")
        verbose_name_plural = _("dòng sao kê")
        constraints = [
            # The idempotency key of imports: a bank's transaction is one line, whatever file brings it again.
            models.UniqueConstraint(
                fields=["source", "transaction_id"], name="statement_line_once_per_source_transaction"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="statement_line_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(status="unmatched", payment__isnull=True)
                | models.Q(status="matched", payment__isnull=False, account__isnull=False),
                name="statement_line_matched_has_payment",
            ),
        ]
        indexes = [models.Index(fields=["status", "unit"]), models.Index(fields=["statement"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.transaction_id}"


class PaymentReminder(models.Model):
    """A reminder sent about one bill at one stage; (bill, stage) is unique, so a daily run never sends one twice."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("nhắc trước hạn thanh toán")
        OVERDUE = "overdue", _("thông báo quá hạn")
        DISCONNECTION_WARNING = "disconnection_warning", _("thông báo ngừng cấp điện do nợ")

    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("hoá đơn")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("mã khách hàng")
    )
    stage = models.CharField(_("loại"), max_length=24, choices=Stage.choices)
    sent_on = models.DateField(_("ngày gửi"))
    amount = models.BigIntegerField(_("số tiền còn nợ"))

    class Meta:
        verbose_name = _("nhắc nợ")
        verbose_name_plural = _("nhắc nợ")
        constraints = [
            models.UniqueConstraint(fields=["bill", "stage"], name="payment_reminder_once_per_bill_stage")
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.stage}"
