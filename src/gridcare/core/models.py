"""Kernel tables: the user model and the audit log; the columns every stored upload (photo, document) shares."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredUpload(models.Model):
    """An uploaded file kept through Django's storage API, checked and (for images) scaled down by the service that
    stores it: the file, the name it came with, its type, size, who uploaded it and when. Abstract: each area's table
    (service-desk attachments, campaign photos) keeps its own columns and says where its files go (`file`)."""

    file = models.FileField(_("tệp"), max_length=200)
    original_name = models.CharField(_("tên tệp"), max_length=200)
    content_type = models.CharField(_("loại tệp"), max_length=60)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class User(AbstractUser):
    """A person who signs in: a staff member (is_staff) or a customer of the portal."""

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")


class AuditEntry(models.Model):
    """One audited read or change: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("tạo")
        UPDATE = "update", _("sửa")
        DELETE = "delete", _("xoá")
        READ = "read", _("xem")

    at = models.DateTimeField(_("lúc"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    action = models.CharField(_("hành động"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("loại đối tượng"), max_length=100)
    object_id = models.CharField(_("mã đối tượng"), max_length=64)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )


class EnrolmentLink(models.Model):
    """A one-time link an administrator gives a staff member to enrol their first two-factor device.

    Only the SHA-256 of the link's secret is stored; the link is shown once, when it is issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("nhân viên")
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("người cấp"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("cấp lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đường dẫn đăng ký xác thực hai bước")
        verbose_name_plural = _("đường dẫn đăng ký xác thực hai bước")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="enrolment_link_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An API token of a staff member or a system's service user; only its SHA-256 is stored, and it expires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("người dùng"),
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        _("đầu khoá"), max_length=8, help_text=_("Vài ký tự đầu, để nhận ra khoá; không đủ để dùng.")
    )
    created_at = models.DateTimeField(_("cấp lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), db_index=True)

    class Meta:
        verbose_name = _("khoá truy cập API")
        verbose_name_plural = _("khoá truy cập API")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
