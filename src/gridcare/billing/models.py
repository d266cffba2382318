"""Bill runs, bills and their lines, and the accounts a run could not bill (with reasons).

A bill is keyed by (account, period) among the bills that stand (not cancelled), so a run that is
killed and started again bills every account exactly once. A wrong bill is cancelled by a credit note
that refers to it and re-issued as a new bill; nothing is deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.metering.models import Reading, ReadingRoute
from gridcare.org.models import Unit


class BillRun(models.Model):
    """Một đợt lập hoá đơn: the accounts of one route (or every route due) for one month."""

    class Status(models.TextChoices):
        PENDING = "pending", _("chờ chạy")
        RUNNING = "running", _("đang chạy")
        DONE = "done", _("hoàn tất")
        FAILED = "failed", _("lỗi")

    period = models.DateField(_("kỳ (tháng)"), help_text=_("Ngày đầu tháng của kỳ hoá đơn."))
    route = models.ForeignKey(
        ReadingRoute,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bill_runs",
        verbose_name=_("lộ trình"),
        help_text=_("Để trống: mọi lộ trình đến kỳ."),
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("tạo lúc"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    accounts_total = models.PositiveIntegerField(_("số khách hàng"), default=0)
    accounts_done = models.PositiveIntegerField(_("đã xử lý"), default=0)
    bills_created = models.PositiveIntegerField(_("hoá đơn mới"), default=0)
    bills_held = models.PositiveIntegerField(_("hoá đơn chờ kiểm tra"), default=0)
    accounts_skipped = models.PositiveIntegerField(_("không lập được"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    cutover = models.BooleanField(
        _("chuyển đổi hệ thống"), default=False,
        help_text=_("Hoá đơn đầu tiên của mỗi khách hàng tính từ chỉ số cuối cùng trước kỳ (hệ thống cũ đã lập hoá đơn "
                    "đến chỉ số đó), không từ chỉ số đầu tiên."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("đợt lập hoá đơn")
        verbose_name_plural = _("đợt lập hoá đơn")

    def __str__(self) -> str:
        every_route = _("mọi lộ trình")
        return f"{self.period:%m/%Y} — {self.route or every_route}"

    @property
    def progress_percent(self) -> int:
        return 100 if not self.accounts_total else round(100 * self.accounts_done / self.accounts_total)


class Bill(models.Model):
    """Hoá đơn tiền điện (or a credit note cancelling one). Money is whole VND."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("hoá đơn")
        CREDIT_NOTE = "credit_note", _("hoá đơn điều chỉnh giảm")

    class Status(models.TextChoices):
        HELD = "held", _("chờ kiểm tra")
        ISSUED = "issued", _("đã phát hành")
        CANCELLED = "cancelled", _("đã huỷ")

    number = models.CharField(_("số hoá đơn"), max_length=32, unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # Indexes are few on purpose (bill runs write millions of rows): (account, period) and (run, status) serve
    # the reads; the reading links are kept for audit, not looked up.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="bills", db_index=False,
                                verbose_name=_("mã khách hàng"))  # fmt: skip
    period = models.DateField(_("kỳ (tháng)"))
    run = models.ForeignKey(
        BillRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="bills", db_index=False
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices)
    hold_reason = models.CharField(_("lý do chờ kiểm tra"), max_length=300, blank=True)
    start_date = models.DateField(_("từ ngày (ngày ghi kỳ trước)"))
    end_date = models.DateField(_("đến ngày (ngày ghi kỳ này)"))
    days = models.PositiveSmallIntegerField(_("số ngày"))
    start_index = models.BigIntegerField(_("chỉ số đầu kỳ"))
    end_index = models.BigIntegerField(_("chỉ số cuối kỳ"))
    # Written by the bill run from the readings it just read, in the bill's own transaction: the database does
    # not re-check these links row by row (each check costs a lookup per bill at COMMIT); the ORM still protects.
    start_reading = models.ForeignKey(Reading, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      db_index=False, db_constraint=False)  # fmt: skip
    end_reading = models.ForeignKey(Reading, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    db_index=False, db_constraint=False)  # fmt: skip
    households = models.PositiveSmallIntegerField(_("số hộ"), default=1)
    kwh = models.BigIntegerField(_("điện năng tiêu thụ (kWh)"))
    subtotal = models.BigIntegerField(_("tiền điện chưa thuế"))
    vat = models.BigIntegerField(_("thuế GTGT"))
    total = models.BigIntegerField(_("tổng cộng"))
    estimated = models.BooleanField(_("ước tính"), default=False)
    created_at = models.DateTimeField(_("lập lúc"))
    issued_at = models.DateTimeField(_("phát hành lúc"), null=True, blank=True)
    due_date = models.DateField(_("hạn thanh toán"), null=True, blank=True)
    refers_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("điều chỉnh cho hoá đơn"),
    )
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("thay thế hoá đơn"),
    )
    # The VAT e-invoice (Decree 123/2020, Circular 78/2021): form 1 (GTGT), a series of the seller and year
    # ("C26TAB": C = with the tax authority's code, 26 = year of issue, T = registered by the seller, AB = the
    # company), a number counted per series from 1, given when the bill is issued (held bills have none, so the
    # numbers of issued invoices have no gaps), and the lookup code the buyer types on the e-invoice portal.
    invoice_series = models.CharField(
        _("ký hiệu hoá đơn"), max_length=6, blank=True, default="", db_default=""
    )
    invoice_number = models.PositiveIntegerField(_("số hoá đơn điện tử"), null=True, blank=True)
    lookup_code = models.CharField(_("mã tra cứu"), max_length=12, blank=True, default="", db_default="")
    # Filled when the e-invoice is sent to the tax authority (a later step): its code and when it was sent.
    tax_authority_code = models.CharField(
        _("mã của cơ quan thuế"), max_length=40, blank=True, default="", db_default=""
    )
    einvoice_sent_at = models.DateTimeField(_("gửi cơ quan thuế lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("hoá đơn")
        verbose_name_plural = _("hoá đơn")
        constraints = [
            # The idempotency key of bill runs: one standing invoice per account and period.
            models.UniqueConstraint(
                fields=["account", "period"],
                condition=models.Q(kind="invoice") & ~models.Q(status="cancelled"),
                name="bill_one_standing_invoice_per_account_period",
            ),
            models.UniqueConstraint(
                fields=["invoice_series", "invoice_number"],
                condition=models.Q(invoice_number__isnull=False),
                name="bill_invoice_number_unique_in_series",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="bill_period_not_empty"
            ),
            models.CheckConstraint(
                condition=models.Q(total=models.F("subtotal") + models.F("vat")),
                name="bill_total_is_subtotal_plus_vat",
            ),
        ]
        indexes = [models.Index(fields=["account", "period"]), models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return self.number


class InvoiceSequence(models.Model):
    """The last e-invoice number given in one series (one company, one year): numbers are reserved by UPDATE."""

    series = models.CharField(_("ký hiệu hoá đơn"), max_length=6, unique=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("công ty điện lực")
    )
    last_number = models.PositiveIntegerField(_("số cuối đã cấp"), default=0)

    class Meta:
        verbose_name = _("dãy số hoá đơn")
        verbose_name_plural = _("dãy số hoá đơn")

    def __str__(self) -> str:
        return f"{self.series}: {self.last_number}"


class BillLine(models.Model):
    """One priced line: a tier (bậc) or a time-of-use period of one part of the bill's days."""

    class Period(models.TextChoices):
        PEAK = "peak", _("cao điểm")
        NORMAL = "normal", _("bình thường")
        OFFPEAK = "offpeak", _("thấp điểm")

    # Lines are written with their bill, in the same transaction, by the same code: no per-row check at COMMIT.
    # (bill, position) is unique, which also indexes the link.
    bill = models.ForeignKey(
        Bill, on_delete=models.CASCADE, related_name="lines", db_index=False, db_constraint=False
    )
    position = models.PositiveSmallIntegerField()
    part_from = models.DateField(_("từ ngày"))
    part_to = models.DateField(_("đến ngày (không gồm)"))
    tier = models.PositiveSmallIntegerField(_("bậc"), null=True, blank=True)
    period = models.CharField(_("khung giờ"), max_length=10, choices=Period.choices, blank=True)
    limit_kwh = models.BigIntegerField(_("định mức (kWh)"), null=True, blank=True)
    kwh = models.BigIntegerField(_("kWh"))
    unit_price = models.BigIntegerField(_("đơn giá"))
    amount = models.BigIntegerField(_("thành tiền"))

    class Meta:
        verbose_name = _("dòng hoá đơn")
        verbose_name_plural = _("dòng hoá đơn")
        constraints = [models.UniqueConstraint(fields=["bill", "position"], name="bill_line_unique_position")]

    def __str__(self) -> str:
        return _("dòng %(position)s") % {"position": self.position}


class BillRunSkip(models.Model):
    """An account a run could not bill, and why (missing reading, unpriced, …); listed, never silent."""

    class Reason(models.TextChoices):
        NO_READING = "no_reading", _("chưa có chỉ số kỳ này")
        NO_PREVIOUS_READING = "no_previous_reading", _("không có chỉ số kỳ trước")
        NEGATIVE_CONSUMPTION = "negative_consumption", _("chỉ số nhỏ hơn kỳ trước")
        NO_TARIFF = "no_tariff", _("chưa có biểu giá áp dụng")

    run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="skips")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("lý do"), max_length=30, choices=Reason.choices)
    detail = models.CharField(_("chi tiết"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khách hàng chưa lập được hoá đơn")
        verbose_name_plural = _("khách hàng chưa lập được hoá đơn")
        constraints = [models.UniqueConstraint(fields=["run", "account"], name="bill_run_skip_once")]

    def __str__(self) -> str:
        return self.get_reason_display()


class BillRunChunk(models.Model):
    """One slice of a run's accounts (ids after `after_id` up to `last_id`), billed by one task on any worker.

    A run started in the background is planned into chunks; each chunk task locks its row, bills the slice in
    one transaction and marks it done, so any number of workers bill one run in parallel and a chunk is never
    billed twice. A chunk whose worker died stays pending and is queued again by the run's watch task.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("đang chờ")
        DONE = "done", _("xong")

    run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="chunks")
    after_id = models.BigIntegerField(_("sau khách hàng số"))
    last_id = models.BigIntegerField(_("đến khách hàng số"))
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.PENDING)
    enqueued_at = models.DateTimeField(_("đưa vào hàng đợi lúc"), null=True, blank=True)
    done_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phần của đợt lập hoá đơn")
        verbose_name_plural = _("phần của đợt lập hoá đơn")
        constraints = [
            models.UniqueConstraint(fields=["run", "after_id"], name="bill_run_chunk_once"),
            models.CheckConstraint(
                condition=models.Q(last_id__gt=models.F("after_id")), name="bill_run_chunk_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["run", "status"], name="bill_run_chunk_pending")]

    def __str__(self) -> str:
        return f"{self.run_id}: ({self.after_id}, {self.last_id}]"
