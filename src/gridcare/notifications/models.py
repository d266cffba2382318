"""Notification tables: templates, preferences, notices, the outbox, push subscriptions, OTP and alerts.

The outbox (`OutboxMessage`) holds one row per (notice, account, channel); the unique key makes every
retry, re-run or duplicate call of `notify` a no-op, and the in-app inbox is simply the outbox rows
of the `inbox` channel.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account


class Topic(models.TextChoices):
    BILLS = "bills", _("hoá đơn tiền điện")
    PAYMENTS = "payments", _("thanh toán và nợ tiền điện")
    PLANNED_OUTAGE = "planned_outage", _("lịch ngừng cấp điện")
    INCIDENT = "incident", _("sự cố mất điện")
    SERVICE_REQUEST = "service_request", _("yêu cầu dịch vụ")
    DEMAND_RESPONSE = "demand_response", _("điều chỉnh phụ tải")
    PROGRAMMES = "programmes", _("chương trình và tin tức")
    CONSUMPTION_ALERT = "consumption_alert", _("cảnh báo sản lượng điện")
    SECURITY = "security", _("mã xác thực và bảo mật")


# Topics a customer chooses channels for (security codes go to the channel the customer asks for).
CHOOSABLE_TOPICS = [t for t in Topic if t != Topic.SECURITY]


class Channel(models.TextChoices):
    PUSH = "push", _("thông báo trên ứng dụng")
    INBOX = "inbox", _("hộp thư trên cổng khách hàng")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


# Channels whose messages wait in the queue for a worker (inbox messages are delivered on insert).
QUEUED_CHANNELS = (Channel.PUSH, Channel.EMAIL, Channel.SMS, Channel.ZALO)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("thông thường")
    URGENT = "urgent", _("khẩn")


class Template(models.Model):
    """The text of one message kind (`key`) on one channel in one language, edited by staff.

    Bodies use `{parameter}` placeholders; `parameters` lists the allowed names with their maximum
    lengths (ZNS approves each parameter's length in advance).
    """

    key = models.CharField(_("mã mẫu"), max_length=60)
    topic = models.CharField(_("chủ đề"), max_length=30, choices=Topic.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=5)
    subject = models.CharField(_("tiêu đề"), max_length=200, blank=True)
    body = models.TextField(_("nội dung"))
    parameters = models.JSONField(_("tham số và độ dài tối đa"), default=dict, blank=True)
    zns_template_id = models.CharField(_("mã mẫu ZNS đã duyệt"), max_length=40, blank=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "language"], name="template_once_per_channel_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} / {self.get_channel_display()} / {self.language}"


class Preference(models.Model):
    """A customer's choice for one topic on one channel; absent rows fall back to the defaults."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notification_preferences")
    topic = models.CharField(_("chủ đề"), max_length=30, choices=Topic.choices)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("nhận"))

    class Meta:
        verbose_name = _("lựa chọn nhận thông báo")
        verbose_name_plural = _("lựa chọn nhận thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "topic", "channel"], name="preference_once_per_topic_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.topic} {self.channel}={self.enabled}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription for an account (from the installed portal)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(_("địa chỉ dịch vụ push"), max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    active = models.BooleanField(_("còn hiệu lực"), default=True)
    created_at = models.DateTimeField(_("ngày tạo"))

    class Meta:
        verbose_name = _("đăng ký thông báo đẩy")
        verbose_name_plural = _("đăng ký thông báo đẩy")
        indexes = [models.Index(fields=["account", "active"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.endpoint[:40]}"


class Notice(models.Model):
    """One event to tell customers about (a bill run, an outage notice…), known by its idempotency key."""

    key = models.CharField(_("khoá sự kiện"), max_length=120, unique=True)
    topic = models.CharField(_("chủ đề"), max_length=30, choices=Topic.choices)
    template_key = models.CharField(_("mã mẫu"), max_length=60)
    context = models.JSONField(_("tham số chung"), default=dict, blank=True)
    urgency = models.CharField(_("mức khẩn"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    created_at = models.DateTimeField(_("tạo lúc"))
    recipients = models.PositiveIntegerField(_("số khách hàng"), default=0)
    messages = models.PositiveIntegerField(_("số tin"), default=0)
    # The one account of a notice to a single customer (one-time codes, an alert, a service request):
    # staff search finds such messages through this index instead of probing every notice.
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+",
        verbose_name=_("khách hàng duy nhất"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("sự kiện thông báo")
        verbose_name_plural = _("sự kiện thông báo")
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("chờ gửi")
    SENDING = "sending", _("đang gửi")
    SENT = "sent", _("đã gửi")
    DELIVERED = "delivered", _("đã đến người nhận")
    FAILED = "failed", _("thất bại")


class OutboxMessage(models.Model):
    """One message to one account on one channel for one notice; the unit of delivery and of retry.

    Foreign keys are not enforced by the database here: the table takes a million rows in one
    statement, and accounts and notices are never deleted (accounts are closed, not removed).
    """

    # No index of its own: the unique (notice, account, channel) index starts with it.
    notice = models.ForeignKey(
        Notice, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="messages_set",
        verbose_name=_("sự kiện thông báo"),
    )  # fmt: skip
    # No index of its own either: a notice's rows arrive in account order, but an index led by the account
    # puts each new row next to that account's earlier messages, all over the index (3.5 s per million
    # rows). Per-account look-ups go through the notices (`selectors.outbox_ids_for_accounts`).
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
        verbose_name=_("khách hàng"),
    )  # fmt: skip
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    urgent = models.BooleanField(_("khẩn"), db_default=False)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=OutboxStatus.choices, db_default="queued"
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), db_default=0)
    available_at = models.DateTimeField(_("gửi từ lúc"))
    created_at = models.DateTimeField(_("tạo lúc"))
    context = models.JSONField(_("tham số riêng"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, db_default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("đến lúc"), null=True, blank=True)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)
    address = models.CharField(_("gửi tới"), max_length=254, db_default="")
    provider_ref = models.CharField(_("mã của nhà cung cấp"), max_length=100, db_default="")
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, db_default="")

    class Meta:
        verbose_name = _("tin trong hàng đợi")
        verbose_name_plural = _("tin trong hàng đợi")
        constraints = [
            # `created_at` is the notice's own time on all its rows (`services.notify`), so this is one row per
            # (notice, account, channel); it is in the key because PostgreSQL partitions the outbox by it.
            models.UniqueConstraint(
                fields=["notice", "account", "channel", "created_at"],
                name="outbox_once_per_notice_account_channel",
            ),
        ]
        # Partial indexes: a fan-out of a million rows only pays for the ones its rows enter. The queue
        # is one index per external channel keyed by (available_at, id), the order workers claim in:
        # no text comparison of the channel on every insert, and no sort of a notice's equal times.
        indexes = [
            *(
                models.Index(
                    fields=["available_at", "id"],
                    name=f"outbox_ready_{channel}",
                    condition=models.Q(status="queued", channel=channel),
                )
                for channel in QUEUED_CHANNELS
            ),
            models.Index(
                fields=["account", "created_at"], name="outbox_inbox", condition=models.Q(channel="inbox")
            ),
            models.Index(
                fields=["provider_ref"], name="outbox_provider_ref", condition=~models.Q(provider_ref="")
            ),
            models.Index(
                fields=["lease_expires_at"], name="outbox_sending", condition=models.Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} — {self.get_status_display()}"

    @property
    def idempotency_key(self) -> str:
        """The key given to providers that deduplicate (ZNS tracking_id, SMS client reference)."""
        return f"gc{self.pk}"


class ProviderState(models.Model):
    """Per-provider shared state: the rate-limit reservation clock and OAuth tokens (Zalo)."""

    provider = models.CharField(max_length=20, unique=True)
    next_free_at = models.FloatField(
        default=0.0, help_text=_("Thời điểm (giây epoch) khi lượt gửi kế tiếp được phép.")
    )
    access_token = models.CharField(max_length=1000, blank=True)
    refresh_token = models.CharField(max_length=1000, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    next_task_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Lần chạy đã hẹn của tác vụ gửi (tránh hẹn trùng).")
    )

    class Meta:
        verbose_name = _("trạng thái nhà cung cấp")
        verbose_name_plural = _("trạng thái nhà cung cấp")

    def __str__(self) -> str:
        return self.provider


class OtpPurpose(models.TextChoices):
    """What a one-time code is for: a code is accepted only for the purpose it was sent for."""

    SIGNIN = "signin", _("đăng nhập")
    PASSWORD_RESET = "password_reset", _("đặt lại mật khẩu")
    ACCOUNT_LINK = "account_link", _("thêm hợp đồng dùng chung")
    PHONE_CHANGE = "phone_change", _("đổi số điện thoại")
    ZALO_LINK = "zalo_link", _("liên kết Zalo")


class OtpChallenge(models.Model):
    """A one-time code sent to a customer; only its salted hash is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="otp_challenges")
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=OtpPurpose.choices, db_default="signin")
    # The number the code went to when it is not (yet) the contract's own (a new phone to confirm).
    destination = models.CharField(_("gửi tới"), max_length=254, db_default="", blank=True)
    code_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã xác thực")
        verbose_name_plural = _("mã xác thực")
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.created_at:%Y-%m-%d %H:%M}"


class ConsumptionAlert(models.Model):
    """A customer's consumption alert: kWh per reading period, or % above the previous period."""

    class Kind(models.TextChoices):
        KWH = "kwh", _("vượt số kWh trong kỳ")
        PERCENT = "percent", _("tăng quá ngưỡng phần trăm so với kỳ trước")

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="consumption_alert")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    threshold = models.PositiveIntegerField(_("ngưỡng"))
    active = models.BooleanField(_("đang bật"), default=True)
    last_alerted_on = models.DateField(_("lần cảnh báo gần nhất (ngày ghi)"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo sản lượng")
        verbose_name_plural = _("cảnh báo sản lượng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0), name="consumption_alert_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.threshold}"


class DeliveryReceipt(models.Model):
    """A provider's word that a message reached the phone (or did not), as received by a callback.

    Kept even when its message is not marked sent yet (a receipt can overtake the worker's mark):
    such a receipt waits, and the delivery worker applies it after its next batch.
    """

    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    provider_ref = models.CharField(_("mã của nhà cung cấp"), max_length=100)
    delivered = models.BooleanField(_("đã đến"))
    occurred_at = models.DateTimeField(_("xảy ra lúc"))
    error = models.CharField(_("lỗi"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"))
    applied_at = models.DateTimeField(_("áp dụng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("báo nhận của nhà cung cấp")
        verbose_name_plural = _("báo nhận của nhà cung cấp")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_ref", "delivered"], name="receipt_once_per_outcome"
            ),
        ]
        indexes = [
            models.Index(
                fields=["channel", "received_at"], name="receipt_pending", condition=models.Q(applied_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.provider_ref} {'delivered' if self.delivered else 'failed'}"


class ZaloLinkCode(models.Model):
    """A short one-time code the portal shows; sent by a customer to the utility's Zalo Official Account, it links
    the Zalo account that sent it to the contract (`notifications.zalo_oa`). Only its hash is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="zalo_link_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    zalo_user_id = models.CharField(_("Zalo"), max_length=64, blank=True, db_default="")

    class Meta:
        verbose_name = _("mã liên kết Zalo OA")
        verbose_name_plural = _("mã liên kết Zalo OA")
        indexes = [models.Index(fields=["account", "created_at"], name="zalo_link_code_account_at")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.created_at:%Y-%m-%d %H:%M}"


class ZaloOaEvent(models.Model):
    """A follow, unfollow or message event of the Zalo OA webhook, kept once (the key is the SHA-256 of its body):
    a replayed event is recognised and changes nothing, and an event older than one already applied for the same
    Zalo user (a late retry) is not applied."""

    key = models.CharField(max_length=64, unique=True)
    event_name = models.CharField(max_length=40)
    zalo_user_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("sự kiện Zalo OA")
        verbose_name_plural = _("sự kiện Zalo OA")
        indexes = [models.Index(fields=["zalo_user_id", "occurred_at"], name="zalo_oa_event_user_at")]

    def __str__(self) -> str:
        return f"{self.event_name} {self.zalo_user_id}"
