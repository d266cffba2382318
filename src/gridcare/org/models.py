"""The utility's own units (corporation → company → team), staff roles and service areas.

Since 1 July 2025 Vietnam has no district level: a service area is province → commune/ward.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """Tỉnh / thành phố trực thuộc trung ương."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=100)

    class Meta:
        verbose_name = _("tỉnh/thành phố")
        verbose_name_plural = _("tỉnh/thành phố")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """Phường / xã / đặc khu: the commune-level unit after the 2025 reform."""

    class Kind(models.TextChoices):
        WARD = "ward", _("phường")
        COMMUNE = "commune", _("xã")
        SPECIAL_ZONE = "special_zone", _("đặc khu")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("phường/xã")
        verbose_name_plural = _("phường/xã")
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="commune_unique_name_in_province")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display().capitalize()} {self.name}"


class Unit(models.Model):
    """A unit of the utility; `path` (`/1/4/17/`) makes "this unit and its descendants" one query."""

    class Kind(models.TextChoices):
        CORPORATION = "corporation", _("tổng công ty")
        COMPANY = "company", _("công ty điện lực")
        TEAM = "team", _("đội quản lý điện")

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("cấp"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("mã đơn vị"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    customer_code_prefix = models.CharField(
        _("tiền tố mã khách hàng"), max_length=6, blank=True, help_text=_("Với công ty điện lực, ví dụ PB13.")
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    communes = models.ManyToManyField(Commune, blank=True, related_name="units", verbose_name=_("địa bàn"))

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    VIEWER = "viewer", _("xem")
    OPERATOR = "operator", _("nghiệp vụ")
    MANAGER = "manager", _("quản lý")
    ADMINISTRATOR = "administrator", _("quản trị")
    # At the corporation: keeps the national catalogue (tariffs, VAT, time-of-use hours), the unit tree and
    # the message templates; sees no customer records.
    CATALOGUE = "catalogue", _("quản lý danh mục")


class StaffMembership(models.Model):
    """A staff user belongs to one unit with one role; they see what the unit and its descendants serve."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_membership"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("vai trò"), max_length=20, choices=StaffRole.choices, default=StaffRole.VIEWER)

    class Meta:
        verbose_name = _("nhân viên")
        verbose_name_plural = _("nhân viên")

    def __str__(self) -> str:
        return f"{self.user} — {self.unit} ({self.get_role_display()})"
