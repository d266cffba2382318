"""The Customer Appreciation Month ("Tháng tri ân khách hàng") and the community programmes run in it.

The corporation opens a campaign per year; a company or team may run its own part longer (`UnitPeriod`). Each unit
plans activities of a kind from the catalogue (`ActivityKind`, data) with targets and partners, and records what
was done (`ActivityRecord`), for whom (`Beneficiary`), with photos. Blood drives and rural road lighting projects
are activities with their own details; their results are written as records too, so that every roll-up reads
one table. Money is whole VND; dates are local (Asia/Ho_Chi_Minh); ranges end exclusively.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import StoredUpload
from gridcare.customers.models import Account, Customer, SocialCategoryAssignment
from gridcare.org.models import Commune, Unit
from gridcare.servicedesk.models import ServiceRequest


class Measure(models.TextChoices):
    """What an activity aims at and what a record counts (one column each on activities and records)."""

    COUNT = "count", _("số lượt")
    HOUSEHOLDS = "households", _("số hộ/khách hàng")
    BUDGET_VND = "budget_vnd", _("kinh phí (đồng)")
    KWH_SAVED = "kwh_saved", _("điện tiết kiệm (kWh)")
    BLOOD_UNITS = "blood_units", _("đơn vị máu")
    ROAD_KM = "road_km", _("km đường được thắp sáng")
    LAMPS = "lamps", _("số bóng đèn")


MEASURES = tuple(Measure.values)


class Campaign(models.Model):
    """The year's appreciation month, opened by the corporation: period, theme and the industry's anniversary."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    name = models.CharField(_("tên chương trình"), max_length=200)
    theme = models.CharField(_("chủ đề, thông điệp"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị phát động")
    )
    active_from = models.DateField(_("từ ngày"))
    active_to = models.DateField(
        _("đến hết ngày trước"), help_text=_("Ngày đầu tiên sau chương trình (ví dụ 01/01).")
    )
    latest_end = models.DateField(
        _("đơn vị được kéo dài đến hết ngày trước"),
        help_text=_("Giới hạn kéo dài của công ty, đội (ví dụ 01/02: hết tháng 1)."),
    )
    anniversary_on = models.DateField(
        _("ngày truyền thống ngành Điện"), help_text=_("21/12 (thành lập 1954).")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("phát động lúc"))

    class Meta:
        verbose_name = _("chương trình tri ân")
        verbose_name_plural = _("chương trình tri ân")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_to__gt=models.F("active_from")), name="campaign_period_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(latest_end__gte=models.F("active_to")),
                name="campaign_latest_end_after_end",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitPeriod(models.Model):
    """A company or team runs its part of the campaign longer than the corporation's period, with a reason."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="unit_periods", verbose_name=_("chương trình")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    active_to = models.DateField(_("kéo dài đến hết ngày trước"))
    reason = models.TextField(_("lý do"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("người quyết định"))  # fmt: skip
    set_at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("thời gian của đơn vị")
        verbose_name_plural = _("thời gian của đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="unit_period_once_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.campaign.year}"


class ActivityGroup(models.TextChoices):
    TECHNICAL = "technical", _("dịch vụ kỹ thuật miễn phí")
    SOCIAL = "social", _("an sinh xã hội")
    RECOGNITION = "recognition", _("tri ân khách hàng")
    COMMUNITY = "community", _("cộng đồng")
    DIGITAL = "digital", _("chuyển đổi số")
    COMMUNICATION = "communication", _("tuyên truyền")


class ActivityKind(models.Model):
    """A kind of activity of the month (the catalogue, data seeded by a migration), and the measures it targets."""

    class Special(models.TextChoices):
        NONE = "", _("không")
        BLOOD_DRIVE = "blood_drive", _("hiến máu tình nguyện")
        ROAD_LIGHTING = "road_lighting", _("Thắp sáng đường quê")

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    group = models.CharField(_("nhóm"), max_length=20, choices=ActivityGroup.choices)
    name_vi = models.CharField(_("tên (tiếng Việt)"), max_length=160)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=160)
    name_fr = models.CharField(_("tên (tiếng Pháp)"), max_length=160)
    measures = models.JSONField(
        _("chỉ tiêu áp dụng"), default=list, help_text=_("Các chỉ tiêu của loại hoạt động này.")
    )
    # The service-desk request type of a free technical service: its field work is a service request.
    request_type_code = models.SlugField(_("loại yêu cầu dịch vụ"), max_length=40, blank=True)
    beneficiaries = models.BooleanField(_("ghi người được hỗ trợ"), default=False)
    special = models.CharField(
        _("hoạt động riêng"), max_length=20, choices=Special.choices, blank=True, default=""
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        verbose_name = _("loại hoạt động")
        verbose_name_plural = _("loại hoạt động")

    def __str__(self) -> str:
        return self.name(get_language())

    def name(self, language: str | None) -> str:
        return {"en": self.name_en, "fr": self.name_fr}.get(
            (language or "vi")[:2], self.name_vi
        ) or self.name_vi


class Partner(models.Model):
    """An organisation a unit works with: the Youth Union, a bank, a payment partner, an association."""

    class Kind(models.TextChoices):
        YOUTH_UNION = "youth_union", _("Đoàn Thanh niên")
        BANK = "bank", _("ngân hàng")
        PAYMENT = "payment", _("đối tác thanh toán")
        ASSOCIATION = "association", _("hội, đoàn thể")
        AUTHORITY = "authority", _("chính quyền địa phương")
        OTHER = "other", _("khác")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("tên"), max_length=200)

    class Meta:
        verbose_name = _("đối tác")
        verbose_name_plural = _("đối tác")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="partner_unique_name_in_unit")]

    def __str__(self) -> str:
        return self.name


class ActivityState(models.TextChoices):
    PLANNED = "planned", _("kế hoạch")
    IN_PROGRESS = "in_progress", _("đang thực hiện")
    DONE = "done", _("đã hoàn thành")
    CANCELLED = "cancelled", _("đã huỷ")


class Targets(models.Model):
    """The measures as columns (targets on an activity, results on a record)."""

    count = models.PositiveIntegerField(_("số lượt"), default=0)
    households = models.PositiveIntegerField(_("số hộ/khách hàng"), default=0)
    kwh_saved = models.PositiveBigIntegerField(_("điện tiết kiệm (kWh)"), default=0)
    blood_units = models.PositiveIntegerField(_("đơn vị máu"), default=0)
    road_km = models.DecimalField(_("km đường"), max_digits=8, decimal_places=2, default=0)
    lamps = models.PositiveIntegerField(_("số bóng đèn"), default=0)

    class Meta:
        abstract = True


class Activity(Targets):
    """What a unit plans to do in the campaign, with its targets (the `Targets` columns) and budget."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="activities", verbose_name=_("chương trình")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị thực hiện")
    )
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.PROTECT, related_name="activities", verbose_name=_("loại hoạt động")
    )
    title = models.CharField(_("tên hoạt động"), max_length=200)
    description = models.TextField(_("nội dung"), blank=True)
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("phường/xã"))  # fmt: skip
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    budget_vnd = models.DecimalField(_("kinh phí dự kiến (đồng)"), max_digits=18, decimal_places=0, default=0)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="activities", verbose_name=_("đối tác")
    )
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=ActivityState.choices, default=ActivityState.PLANNED
    )
    cancel_reason = models.TextField(_("lý do huỷ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("lập lúc"))

    class Meta:
        verbose_name = _("hoạt động")
        verbose_name_plural = _("hoạt động")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ActivityState.values), name="activity_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="activity_dates_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(budget_vnd__gte=0), name="activity_budget_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "unit"], name="activity_campaign_unit")]

    def __str__(self) -> str:
        return self.title


class ActivityRecord(Targets):
    """What was done on one day of an activity: quantities (the `Targets` columns), cost, and the linked request."""

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="records", verbose_name=_("hoạt động")
    )
    done_on = models.DateField(_("ngày thực hiện"))
    note = models.TextField(_("nội dung đã làm"), blank=True)
    cost_vnd = models.DecimalField(_("chi phí (đồng)"), max_digits=18, decimal_places=0, default=0)
    # A free technical service is a service request: the field work is tracked there, and the record counts once
    # the request is closed.
    service_request = models.OneToOneField(ServiceRequest, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="campaign_record", verbose_name=_("yêu cầu dịch vụ"))  # fmt: skip
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("người ghi"))  # fmt: skip
    recorded_at = models.DateTimeField(_("ghi lúc"))
    # The blood drive or lighting project whose result this record is (one result each).
    source_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_vnd__gte=0), name="activity_record_cost_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.done_on:%d/%m/%Y}"


class Beneficiary(models.Model):
    """Who an activity helped: a customer with a social category (restricted, audited), or a person registered with
    their consent (name, address, consent date)."""

    class Source(models.TextChoices):
        SOCIAL_CATEGORY = "social_category", _("đối tượng chính sách của khách hàng")
        CONSENT = "consent", _("đăng ký có đồng ý của người được hỗ trợ")

    record = models.ForeignKey(
        ActivityRecord, on_delete=models.PROTECT, related_name="beneficiaries", verbose_name=_("kết quả")
    )
    source = models.CharField(_("nguồn"), max_length=20, choices=Source.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("khách hàng"))  # fmt: skip
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("hợp đồng"))  # fmt: skip
    social_category = models.ForeignKey(SocialCategoryAssignment, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("đối tượng chính sách"))  # fmt: skip
    name = models.CharField(_("họ tên"), max_length=200, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    consent_on = models.DateField(_("ngày đồng ý"), null=True, blank=True)
    support = models.CharField(_("nội dung hỗ trợ"), max_length=200, blank=True)
    value_vnd = models.DecimalField(_("trị giá (đồng)"), max_digits=18, decimal_places=0, default=0)

    class Meta:
        verbose_name = _("người được hỗ trợ")
        verbose_name_plural = _("người được hỗ trợ")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="social_category", social_category__isnull=False, customer__isnull=False)
                    | models.Q(source="consent", consent_on__isnull=False) & ~models.Q(name="")
                ),
                name="beneficiary_source_complete",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return self.name or str(self.customer or "")


class BloodDrive(models.Model):
    """A blood-donation drive of a unit (the "Red Week"): place, day, registrations, who turned up, units collected."""

    activity = models.OneToOneField(
        Activity, on_delete=models.PROTECT, related_name="blood_drive", verbose_name=_("hoạt động")
    )
    place = models.CharField(_("địa điểm"), max_length=255)
    held_on = models.DateField(_("ngày tổ chức"))
    public_registration = models.BooleanField(_("nhận đăng ký của người dân"), default=True)
    closed_at = models.DateTimeField(_("tổng kết lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("đợt hiến máu")
        verbose_name_plural = _("đợt hiến máu")

    def __str__(self) -> str:
        return f"{self.place} · {self.held_on:%d/%m/%Y}"


class BloodRegistration(models.Model):
    """A donor registered for a drive (a staff member or a member of the public), and whether they gave blood."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("cán bộ công nhân viên")
        PUBLIC = "public", _("người dân")

    drive = models.ForeignKey(
        BloodDrive, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("đợt hiến máu")
    )
    kind = models.CharField(_("đối tượng"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("họ tên"), max_length=200)
    phone = models.CharField(_("điện thoại"), max_length=16)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_at = models.DateTimeField(_("đồng ý lúc"))
    registered_at = models.DateTimeField(_("đăng ký lúc"))
    turned_up = models.BooleanField(_("đã đến hiến"), default=False)
    units = models.PositiveSmallIntegerField(_("số đơn vị máu"), default=0)

    class Meta:
        verbose_name = _("đăng ký hiến máu")
        verbose_name_plural = _("đăng ký hiến máu")
        constraints = [
            models.UniqueConstraint(fields=["drive", "phone"], name="blood_registration_once_per_phone"),
            models.CheckConstraint(
                condition=models.Q(units__lte=3), name="blood_registration_units_plausible"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LightingProject(models.Model):
    """A "Thắp sáng đường quê" project in one commune: road lit, lamps, cost, partners, before/after photos."""

    activity = models.OneToOneField(
        Activity, on_delete=models.PROTECT, related_name="lighting_project", verbose_name=_("hoạt động")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("phường/xã")
    )
    road_name = models.CharField(_("tuyến đường"), max_length=200)
    km_lit = models.DecimalField(_("km đường được thắp sáng"), max_digits=8, decimal_places=2, default=0)
    lamps_installed = models.PositiveIntegerField(_("số bóng đèn đã lắp"), default=0)
    cost_vnd = models.DecimalField(_("kinh phí (đồng)"), max_digits=18, decimal_places=0, default=0)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="lighting_projects", verbose_name=_("đối tác")
    )
    finished_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)

    class Meta:
        verbose_name = _("công trình Thắp sáng đường quê")
        verbose_name_plural = _("công trình Thắp sáng đường quê")

    def __str__(self) -> str:
        return self.road_name


class Photo(StoredUpload):
    """A photo of what was done (a record) or of a lighting project before and after, checked and scaled down."""

    class Moment(models.TextChoices):
        DURING = "during", _("khi thực hiện")
        BEFORE = "before", _("trước")
        AFTER = "after", _("sau")

    record = models.ForeignKey(
        ActivityRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    lighting_project = models.ForeignKey(
        LightingProject, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    moment = models.CharField(_("thời điểm"), max_length=10, choices=Moment.choices, default=Moment.DURING)
    file = models.FileField(_("tệp"), upload_to="campaigns/%Y/%m/", max_length=200)

    class Meta:
        verbose_name = _("ảnh")
        verbose_name_plural = _("ảnh")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(record__isnull=False, lighting_project__isnull=True)
                | models.Q(record__isnull=True, lighting_project__isnull=False),
                name="photo_of_one_thing",
            ),
        ]


class RecognitionList(models.Model):
    """Customers a unit thanks this year, built from data (demand response, reading-date moves, top savers) or
    chosen by staff (typed or uploaded); each entry gets a letter or certificate (PDF)."""

    class Source(models.TextChoices):
        DEMAND_RESPONSE = "demand_response", _("khách hàng tham gia điều chỉnh phụ tải")
        READING_DATE = "reading_date", _("khách hàng phối hợp thay đổi ngày ghi chỉ số")
        TOP_SAVERS = "top_savers", _("gia đình tiết kiệm điện")
        MANUAL = "manual", _("danh sách do đơn vị lập")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="recognition_lists", verbose_name=_("chương trình")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    source = models.CharField(_("nguồn danh sách"), max_length=20, choices=Source.choices)
    title = models.CharField(_("tên danh sách"), max_length=200)
    letter_text = models.TextField(_("lời cảm ơn trên thư"), blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    built_at = models.DateTimeField(_("lập lúc"))

    class Meta:
        verbose_name = _("danh sách tri ân")
        verbose_name_plural = _("danh sách tri ân")

    def __str__(self) -> str:
        return self.title


class RecognitionEntry(models.Model):
    """One customer (or organisation) on a recognition list, with why and the figure that earned it."""

    recognition_list = models.ForeignKey(RecognitionList, on_delete=models.CASCADE, related_name="entries",
                                         verbose_name=_("danh sách"))  # fmt: skip
    position = models.PositiveIntegerField(_("thứ tự"))
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("hợp đồng")
    )
    name = models.CharField(_("tên khách hàng"), max_length=200)
    account_code = models.CharField(_("mã khách hàng"), max_length=13, blank=True)
    reason = models.CharField(_("lý do tri ân"), max_length=300)
    figure = models.CharField(_("kết quả"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("khách hàng được tri ân")
        verbose_name_plural = _("khách hàng được tri ân")
        constraints = [
            models.UniqueConstraint(
                fields=["recognition_list", "position"], name="recognition_entry_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
