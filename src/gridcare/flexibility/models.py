"""Demand response (điều chỉnh phụ tải, Circular 23/2017/TT-BCT): programmes, enrolments, events, responses, results.

Energy is whole watt-hours (like `metering.IntervalReading`), power whole kW, money whole VND.
OpenADR 3 clients (a customer's energy-management system, a "VEN") are `Ven` rows bound to one enrolled account.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcare.customers.models import Account
from gridcare.network.models import Feeder, Substation
from gridcare.org.models import Unit

MIN_NOTICE_MINUTES = 30


class Programme(models.Model):
    """A load-adjustment programme run by a power company: who may join, how delivery is measured and thanked."""

    class Purpose(models.TextChoices):
        PEAK_CUT = "peak_cut", _("giảm phụ tải giờ cao điểm")
        SHIFT = "shift", _("chuyển phụ tải sang giờ thấp điểm")

    class Delivered(models.TextChoices):
        REDUCTION = "reduction", _("mức giảm so với đường cơ sở trong khung giờ sự kiện")
        REDUCTION_AND_SHIFT = (
            "reduction_and_shift",
            _("mức giảm trong khung giờ sự kiện và điện năng chuyển sang giờ thấp điểm"),
        )

    class Incentive(models.TextChoices):
        NONE = "none", _("không (tự nguyện)")
        PER_KWH = "per_kwh", _("theo kWh giảm được")
        PER_KW = "per_kw", _("theo kW giảm bình quân")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị"))
    code = models.CharField(_("mã chương trình"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    purpose = models.CharField(_("mục đích"), max_length=20, choices=Purpose.choices)
    eligible_purposes = models.JSONField(
        _("mục đích sử dụng điện được tham gia"), default=list, blank=True,
        help_text=_("Danh sách mã mục đích sử dụng điện; để trống: mọi mục đích."),
    )  # fmt: skip
    eligible_voltages = models.JSONField(
        _("cấp điện áp được tham gia"), default=list, blank=True, help_text=_("Để trống: mọi cấp điện áp.")
    )
    min_annual_kwh = models.BigIntegerField(_("sản lượng năm tối thiểu (kWh)"), default=1_000_000)
    requires_interval_meter = models.BooleanField(_("cần công tơ đo xa 30 phút"), default=True)
    notice_minutes = models.PositiveIntegerField(
        _("thời gian báo trước tối thiểu (phút)"), default=MIN_NOTICE_MINUTES
    )
    baseline_method = models.CharField(_("phương pháp đường cơ sở"), max_length=30, default="caiso-10-in-10")
    baseline_parameters = models.JSONField(_("tham số đường cơ sở"), default=dict, blank=True)
    delivered_rule = models.CharField(
        _("cách tính kết quả"), max_length=30, choices=Delivered.choices, default=Delivered.REDUCTION
    )
    recognition_min_kwh = models.PositiveIntegerField(
        _("mức giảm tối thiểu để được ghi nhận (kWh)"), default=1,
        help_text=_("Khách hàng giảm được ít nhất chừng này trong một sự kiện được đưa vào danh sách tri ân."),
    )  # fmt: skip
    recognition_text = models.TextField(_("lời cảm ơn trong thư"), blank=True)
    incentive = models.CharField(
        _("khuyến khích"), max_length=10, choices=Incentive.choices, default=Incentive.NONE
    )
    incentive_vnd = models.BigIntegerField(_("mức khuyến khích (đồng mỗi kWh hoặc kW)"), default=0)
    active_from = models.DateField(_("từ ngày"))
    active_to = models.DateField(_("đến ngày (không gồm)"), null=True, blank=True)

    class Meta:
        verbose_name = _("chương trình điều chỉnh phụ tải")
        verbose_name_plural = _("chương trình điều chỉnh phụ tải")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notice_minutes__gte=MIN_NOTICE_MINUTES),
                name="programme_notice_at_least_30_minutes",
            ),
            models.CheckConstraint(
                condition=models.Q(incentive_vnd__gte=0), name="programme_incentive_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(incentive="none", incentive_vnd=0) | ~models.Q(incentive="none"),
                name="programme_no_incentive_no_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True) | models.Q(active_to__gt=models.F("active_from")),
                name="programme_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Enrolment(models.Model):
    """One customer's contract in a programme, with the load they committed to adjust."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("chương trình")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("khách hàng")
    )
    commitment_kw = models.PositiveIntegerField(_("công suất cam kết điều chỉnh (kW)"))
    enrolled_on = models.DateField(_("ngày tham gia"))
    withdrawn_on = models.DateField(_("ngày rút (không gồm)"), null=True, blank=True)

    class Meta:
        verbose_name = _("khách hàng tham gia")
        verbose_name_plural = _("khách hàng tham gia")
        constraints = [
            models.UniqueConstraint(fields=["programme", "account"], name="enrolment_once_per_programme"),
            models.CheckConstraint(
                condition=models.Q(commitment_kw__gte=1), name="enrolment_commitment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} · {self.account.code}"


class Event(models.Model):
    """A call on the grid: a date, a window and a target, for the enrolled customers (or those under a grid element)."""

    class Scope(models.TextChoices):
        ENROLLED = "enrolled", _("mọi khách hàng tham gia")
        SUBSTATION = "substation", _("khách hàng tham gia dưới một trạm biến áp 110 kV")
        FEEDER = "feeder", _("khách hàng tham gia dưới một xuất tuyến")

    class Status(models.TextChoices):
        CALLED = "called", _("đã thông báo")
        CANCELLED = "cancelled", _("đã huỷ")
        MEASURED = "measured", _("đã tính kết quả")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="events", verbose_name=_("chương trình")
    )
    name = models.CharField(_("tên sự kiện"), max_length=200)
    day = models.DateField(_("ngày"))
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    target_kw = models.PositiveIntegerField(_("mục tiêu (kW)"))
    scope = models.CharField(_("phạm vi"), max_length=20, choices=Scope.choices, default=Scope.ENROLLED)
    substation = models.ForeignKey(Substation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("trạm biến áp"))  # fmt: skip
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("xuất tuyến"))  # fmt: skip
    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.CALLED)
    called_at = models.DateTimeField(_("thông báo lúc"))
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("người gọi"))  # fmt: skip
    measured_at = models.DateTimeField(_("tính kết quả lúc"), null=True, blank=True)
    modified_at = models.DateTimeField(_("sửa lúc"))

    class Meta:
        verbose_name = _("sự kiện điều chỉnh phụ tải")
        verbose_name_plural = _("sự kiện điều chỉnh phụ tải")
        constraints = [
            models.UniqueConstraint(fields=["programme", "starts_at"], name="event_once_per_programme_start"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_window_valid"
            ),
            models.CheckConstraint(condition=models.Q(target_kw__gte=1), name="event_target_positive"),
            models.CheckConstraint(
                condition=models.Q(scope="enrolled", substation__isnull=True, feeder__isnull=True)
                | models.Q(scope="substation", substation__isnull=False, feeder__isnull=True)
                | models.Q(scope="feeder", feeder__isnull=False, substation__isnull=True),
                name="event_scope_element",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.day:%d/%m/%Y})"


class Channel(models.TextChoices):
    PORTAL = "portal", _("cổng khách hàng")
    API = "api", _("API")
    OPENADR = "openadr", _("OpenADR")
    STAFF = "staff", _("nhân viên ghi nhận")


class EventParticipant(models.Model):
    """The notice of one event to one enrolled customer, their latest answer, and their measured result."""

    class Response(models.TextChoices):
        PENDING = "pending", _("chưa trả lời")
        ACKNOWLEDGED = "acknowledged", _("đã xác nhận tham gia")
        OPTED_OUT = "opted_out", _("từ chối tham gia")

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="participants", verbose_name=_("sự kiện")
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name=_("đăng ký")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("khách hàng")
    )
    commitment_kw = models.PositiveIntegerField(_("công suất cam kết (kW)"))
    notified_at = models.DateTimeField(_("thông báo lúc"))
    response = models.CharField(
        _("trả lời"), max_length=20, choices=Response.choices, default=Response.PENDING
    )
    responded_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    response_channel = models.CharField(_("trả lời qua"), max_length=10, choices=Channel.choices, blank=True)
    # Results (filled after the event): energy in Wh over the event window.
    has_baseline = models.BooleanField(_("có đường cơ sở"), default=False)
    baseline_wh = models.BigIntegerField(_("đường cơ sở (Wh)"), null=True, blank=True)
    actual_wh = models.BigIntegerField(_("thực tế (Wh)"), null=True, blank=True)
    delivered_wh = models.BigIntegerField(_("giảm được (Wh)"), null=True, blank=True)
    shifted_wh = models.BigIntegerField(_("chuyển sang giờ thấp điểm (Wh)"), null=True, blank=True)
    saved_vnd = models.BigIntegerField(_("tiền điện tiết kiệm nhờ chuyển giờ (đồng)"), null=True, blank=True)
    incentive_vnd = models.BigIntegerField(_("khuyến khích (đồng)"), null=True, blank=True)

    class Meta:
        verbose_name = _("khách hàng được thông báo")
        verbose_name_plural = _("khách hàng được thông báo")
        constraints = [
            models.UniqueConstraint(fields=["event", "account"], name="participant_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.account.code}"


class EventResponse(models.Model):
    """One acknowledgement or opt-out, as given: who, when, through which channel (the history behind `response`)."""

    participant = models.ForeignKey(EventParticipant, on_delete=models.CASCADE, related_name="responses")
    response = models.CharField(_("trả lời"), max_length=20, choices=EventParticipant.Response.choices)
    at = models.DateTimeField(_("lúc"))
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("người trả lời"))  # fmt: skip
    by_ven = models.ForeignKey("Ven", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("hệ thống quản lý năng lượng"))  # fmt: skip

    class Meta:
        verbose_name = _("lần trả lời")
        verbose_name_plural = _("lần trả lời")

    def __str__(self) -> str:
        return f"{self.participant_id} {self.response} {self.at:%Y-%m-%d %H:%M}"


class IntervalResult(models.Model):
    """Baseline and actual energy of one participant in one 30-minute interval of the event day."""

    participant = models.ForeignKey(EventParticipant, on_delete=models.CASCADE, related_name="intervals")
    start = models.DateTimeField(_("bắt đầu"))
    in_event = models.BooleanField(_("trong khung giờ sự kiện"))
    baseline_wh = models.BigIntegerField(_("đường cơ sở (Wh)"))
    actual_wh = models.BigIntegerField(_("thực tế (Wh)"))

    class Meta:
        verbose_name = _("kết quả theo chu kỳ 30 phút")
        verbose_name_plural = _("kết quả theo chu kỳ 30 phút")
        constraints = [models.UniqueConstraint(fields=["participant", "start"], name="interval_result_once")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.start:%Y-%m-%d %H:%M}"


class Ven(models.Model):
    """An OpenADR 3 client (VEN) of an enrolled customer, with its OAuth2 client credentials (secret hashed)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("khách hàng")
    )
    ven_name = models.CharField(_("tên VEN"), max_length=128, unique=True)
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    attributes = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    modified_at = models.DateTimeField(_("sửa lúc"))

    class Meta:
        verbose_name = _("hệ thống quản lý năng lượng (VEN)")
        verbose_name_plural = _("hệ thống quản lý năng lượng (VEN)")

    def __str__(self) -> str:
        return self.ven_name


class VenToken(models.Model):
    """An access token issued by `/openadr3/3.0.1/auth/token` (hashed; expires)."""

    ven = models.ForeignKey(Ven, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.ven_id} token"


class VenResource(models.Model):
    """A device or system a VEN controls (OpenADR `resource`)."""

    ven = models.ForeignKey(Ven, on_delete=models.CASCADE, related_name="resources")
    resource_name = models.CharField(max_length=128)
    attributes = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ven", "resource_name"], name="ven_resource_name_unique")
        ]

    def __str__(self) -> str:
        return self.resource_name


class VenSubscription(models.Model):
    """A VEN's webhook: which objects and operations it wants to hear about (OpenADR `subscription`)."""

    ven = models.ForeignKey(Ven, on_delete=models.CASCADE, related_name="subscriptions")
    client_name = models.CharField(max_length=128)
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    object_operations = models.JSONField(default=list)
    targets = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.client_name} subscription {self.pk}"


class VenReport(models.Model):
    """A report a VEN sent about an event (OpenADR `report`); an opt-in/opt-out report also records the answer."""

    ven = models.ForeignKey(Ven, on_delete=models.PROTECT, related_name="reports")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    client_name = models.CharField(max_length=128)
    report_name = models.CharField(max_length=128, blank=True)
    payload_descriptors = models.JSONField(default=list, blank=True)
    resources = models.JSONField(default=list)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.report_name or f"report {self.pk}"
