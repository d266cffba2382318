"""Customers, their contracts (accounts), premises, service points and social categories."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from gridcare.core.text import fold
from gridcare.network.models import TransformerStation
from gridcare.org.models import Commune, Province, Unit

e164 = RegexValidator(
    r"^\+[1-9]\d{7,14}$", _("Số điện thoại phải theo dạng quốc tế E.164, ví dụ +84912345678.")
)
customer_code = RegexValidator(
    r"^[A-Z]{2}[A-Z0-9]{11}$", _("Mã khách hàng gồm 13 ký tự, bắt đầu bằng tiền tố của công ty.")
)


class Customer(models.Model):
    """A person or an organisation who buys electricity under one or more contracts."""

    class Kind(models.TextChoices):
        PERSON = "person", _("cá nhân")
        ORGANISATION = "organisation", _("tổ chức")

    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("tên"), max_length=200, db_index=True)
    # `name` folded (`core.text.fold`: lower case, no diacritics), kept by `save()` and by bulk writers, so that
    # "nguyen van an" finds "Nguyễn Văn An" through an index (prefix) on SQLite and PostgreSQL alike.
    search_name = models.CharField(max_length=200, editable=False, db_default="")
    tax_code = models.CharField(_("mã số thuế"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
        verbose_name=_("tài khoản cổng khách hàng"),
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("khách hàng")
        verbose_name_plural = _("khách hàng")
        # varchar_pattern_ops (PostgreSQL only; other databases ignore it) lets LIKE 'prefix%' use the index.
        indexes = [
            models.Index(
                fields=["search_name"], name="customer_search_name", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)[:200]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)


class Purpose(models.TextChoices):
    """Mục đích sử dụng điện."""

    RESIDENTIAL = "residential", _("sinh hoạt")
    BUSINESS = "business", _("kinh doanh")
    PRODUCTION = "production", _("sản xuất")
    ADMINISTRATIVE = "administrative", _("hành chính sự nghiệp")
    # Hospitals, nurseries, kindergartens and general schools: their own, lower price (tariffs 0005).
    PUBLIC_SERVICE = "public_service", _("bệnh viện, nhà trẻ, mẫu giáo, trường phổ thông")


class Voltage(models.TextChoices):
    """Cấp điện áp, with the codes the tariff catalogue uses."""

    GE110KV = "ge110kv", _("từ 110 kV trở lên")
    KV22TO110 = "22to110kv", _("từ 22 kV đến dưới 110 kV")
    KV6TO22 = "6to22kv", _("từ 6 kV đến dưới 22 kV")
    LT6KV = "lt6kv", _("dưới 6 kV")


class SensitiveKind(models.TextChoices):
    """Customers an outage must not surprise: staff see them among the affected before publishing."""

    HOSPITAL = "hospital", _("bệnh viện, cơ sở y tế")
    SCHOOL = "school", _("trường học")
    LARGE_CUSTOMER = "large_customer", _("khách hàng lớn")
    OTHER = "other", _("khách hàng quan trọng khác")


class Premise(models.Model):
    """The place where electricity is used: an address after the 2025 reform (province, commune/ward, street)."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, verbose_name=_("tỉnh/thành phố"))
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="premises", verbose_name=_("phường/xã")
    )
    street = models.CharField(_("địa chỉ (số nhà, đường, ấp/khu vực)"), max_length=255)
    # `street` folded (`core.text.fold`), kept by `save()` and by bulk writers: address search without diacritics.
    search_street = models.CharField(max_length=255, editable=False, db_default="")

    class Meta:
        verbose_name = _("địa điểm dùng điện")
        verbose_name_plural = _("địa điểm dùng điện")

    def __str__(self) -> str:
        return f"{self.street}, {self.commune.name}, {self.province.name}"

    def save(self, *args, **kwargs):
        self.search_street = fold(self.street)[:255]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "street" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_street"}
        super().save(*args, **kwargs)


class BillDelivery(models.TextChoices):
    """How the customer chose to receive bills (the choice itself; "" = not chosen, the notification defaults apply)."""

    APP = "app", _("trên ứng dụng (thông báo trên điện thoại)")
    EMAIL = "email", _("qua e-mail")
    ZALO = "zalo", _("qua Zalo")
    PAPER = "paper", _("hoá đơn giấy, nhận tại quầy")


class Account(models.Model):
    """Hợp đồng mua bán điện: the contract a bill is issued for, known by its 13-character customer code."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("đang cấp điện")
        SUSPENDED = "suspended", _("tạm ngừng")
        CLOSED = "closed", _("đã thanh lý")

    code = models.CharField(_("mã khách hàng"), max_length=13, unique=True, validators=[customer_code])
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("khách hàng")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("đội quản lý")
    )
    premise = models.ForeignKey(
        Premise, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("địa điểm")
    )
    purpose = models.CharField(
        _("mục đích sử dụng"), max_length=20, choices=Purpose.choices, default=Purpose.RESIDENTIAL
    )
    voltage = models.CharField(
        _("cấp điện áp"), max_length=10, choices=Voltage.choices, default=Voltage.LT6KV
    )
    households = models.PositiveSmallIntegerField(
        _("số hộ dùng chung công tơ"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Nhân với định mức mỗi bậc thang."),
    )
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    phone = models.CharField(_("điện thoại"), max_length=16, blank=True, validators=[e164], db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    zalo_user_id = models.CharField(_("Zalo"), max_length=64, blank=True)
    preferred_language = models.CharField(
        _("ngôn ngữ"), max_length=5, choices=settings.LANGUAGES, default="vi"
    )
    start_date = models.DateField(_("ngày bắt đầu"))
    sensitive = models.CharField(
        _("khách hàng cần lưu ý khi ngừng cấp điện"),
        max_length=20,
        choices=SensitiveKind.choices,
        blank=True,
        db_default="",  # bulk writers (the demo, imports) that name their columns need not know this one
        help_text=_(
            "Bệnh viện, trường học, khách hàng lớn…: hiện ra cho nhân viên trước khi thông báo ngừng cấp điện."
        ),
    )
    # Chosen by the customer on the portal (`notifications.selfservice.bill_delivery_set`); "paper" is the flag the
    # bill printing reads (`selectors.paper_bill_accounts`). Bulk writers need not know it (database default).
    bill_delivery = models.CharField(
        _("cách nhận hoá đơn"),
        max_length=10,
        choices=BillDelivery.choices,
        blank=True,
        db_default="",
    )

    class Meta:
        verbose_name = _("hợp đồng (mã khách hàng)")
        verbose_name_plural = _("hợp đồng (mã khách hàng)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(households__gte=1), name="account_households_at_least_one"
            ),
            models.CheckConstraint(condition=Exact(Length("code"), 13), name="account_code_13_characters"),
            # The bill run maps these columns to the tariff engine's codes: a value outside the choices would be
            # "no tariff" there, so the database refuses it in the first place.
            models.CheckConstraint(
                condition=models.Q(purpose__in=Purpose.values), name="account_purpose_known"
            ),
            models.CheckConstraint(
                condition=models.Q(voltage__in=Voltage.values), name="account_voltage_known"
            ),
            models.CheckConstraint(
                condition=models.Q(bill_delivery__in=["", *BillDelivery.values]),
                name="account_bill_delivery_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.customer.name}" if self.customer_id else self.code


class ServicePoint(models.Model):
    """Điểm đo: where an account's meter sits, hanging off one transformer station."""

    code = models.CharField(_("mã điểm đo"), max_length=20, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="service_points")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="service_points")
    transformer_station = models.ForeignKey(
        TransformerStation,
        on_delete=models.PROTECT,
        related_name="service_points",
        verbose_name=_("trạm biến áp"),
    )

    class Meta:
        verbose_name = _("điểm đo")
        verbose_name_plural = _("điểm đo")

    def __str__(self) -> str:
        return self.code


class SocialCategory(models.TextChoices):
    """Categories used by support programmes. Sensitive: restricted and audited on every read and change."""

    POOR = "poor", _("hộ nghèo")
    NEAR_POOR = "near_poor", _("hộ cận nghèo")
    POLICY_FAMILY = "policy_family", _("gia đình chính sách")
    ELDERLY_ALONE = "elderly_alone", _("người già neo đơn")
    ORPHAN = "orphan", _("trẻ mồ côi")
    HEROIC_MOTHER = "heroic_mother", _("Mẹ Việt Nam Anh hùng")


class SocialCategoryAssignment(models.Model):
    """A customer's social category, valid over a date range (exclusive, nullable end)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="social_categories")
    category = models.CharField(_("đối tượng"), max_length=20, choices=SocialCategory.choices)
    active_from = models.DateField(_("từ ngày"))
    active_to = models.DateField(_("đến ngày (không gồm)"), null=True, blank=True)
    evidence = models.CharField(_("căn cứ (số quyết định, sổ hộ nghèo…)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("đối tượng chính sách")
        verbose_name_plural = _("đối tượng chính sách")
        permissions = [
            ("access_social_category", _("Được xem và sửa đối tượng chính sách (dữ liệu nhạy cảm)"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "category", "active_from"], name="social_category_once_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True) | models.Q(active_to__gt=models.F("active_from")),
                name="social_category_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()


class LoginAttempt(models.Model):
    """A failed portal sign-in, counted per customer code and per address for throttling."""

    at = models.DateTimeField(db_index=True)
    identifier = models.CharField(max_length=64, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)

    class Meta:
        verbose_name = _("đăng nhập thất bại")
        verbose_name_plural = _("đăng nhập thất bại")

    def __str__(self) -> str:
        return f"{self.identifier} {self.at:%Y-%m-%d %H:%M}"


class AccountLink(models.Model):
    """A portal login that may use a contract it does not own (a landlord, a family with two houses).

    The contract holder's own login stays `Customer.user` (the owner needs no row: staff, imports and the demo
    set it as before); a link is added by the signed-in customer with the account's code and a one-time code
    sent to that contract's phone, and removed by them. Audited by the database (`audited_models`).
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("được chủ hợp đồng cho dùng chung")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_links",
        verbose_name=_("tài khoản cổng khách hàng"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="links", verbose_name=_("hợp đồng")
    )
    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    verified_at = models.DateTimeField(_("xác nhận lúc"))
    created_at = models.DateTimeField(_("ngày tạo"))

    class Meta:
        verbose_name = _("hợp đồng dùng chung")
        verbose_name_plural = _("hợp đồng dùng chung")
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="account_link_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.account_id}"


class ContactChange(models.Model):
    """One change of a contract's e-mail, phone or Zalo asked for by the customer: the history staff read.

    A change is "pending" until confirmed (a link to the new e-mail, a code to the new phone or through Zalo);
    the contact itself changes only when confirmed. Audited by the database (`audited_models`).
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("điện thoại")
        ZALO = "zalo", _("Zalo")

    class Status(models.TextChoices):
        PENDING = "pending", _("chờ xác nhận")
        CONFIRMED = "confirmed", _("đã xác nhận")
        SUPERSEDED = "superseded", _("thay bằng yêu cầu mới hơn")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contact_changes",
                                verbose_name=_("hợp đồng"))  # fmt: skip
    kind = models.CharField(_("thông tin"), max_length=10, choices=Kind.choices)
    old_value = models.CharField(_("giá trị cũ"), max_length=254, blank=True)
    new_value = models.CharField(_("giá trị mới"), max_length=254, blank=True)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )

    class Meta:
        verbose_name = _("thay đổi thông tin liên lạc")
        verbose_name_plural = _("thay đổi thông tin liên lạc")
        indexes = [models.Index(fields=["account", "requested_at"], name="contact_change_account_at")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.status}"
