"""The service desk: customers' requests, their routing to a management team, work orders, clocks and surveys."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gridcare.core.models import StoredUpload
from gridcare.customers.models import Account, Customer, Premise
from gridcare.org.models import Unit


class PromiseUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    WORKING_HOURS = "working_hours", _("giờ làm việc")


# Fields a request type may ask for (their labels are shown by the portal and the back office).
FIELD_CHOICES = (
    ("contact_phone", _("Số điện thoại liên hệ")),
    ("preferred_date", _("Ngày quý khách muốn nhân viên đến")),
    ("requested_kw", _("Công suất đăng ký (kW)")),
    ("meter_serial", _("Số công tơ")),
    ("new_address", _("Địa chỉ mới")),
    ("transformer_kva", _("Công suất trạm biến áp (kVA)")),
    ("contract_change", _("Nội dung cần thay đổi trong hợp đồng")),
)
FIELD_NAMES = tuple(name for name, _label in FIELD_CHOICES)


class RequestType(models.Model):
    """A kind of request customers may open, with its promised time and the fields it needs (data, editable)."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name_vi = models.CharField(_("tên (tiếng Việt)"), max_length=120)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=120)
    name_fr = models.CharField(_("tên (tiếng Pháp)"), max_length=120)
    promise_amount = models.PositiveSmallIntegerField(_("thời hạn cam kết"))
    promise_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=20, choices=PromiseUnit.choices, default=PromiseUnit.WORKING_DAYS
    )
    extended_promise_amount = models.PositiveSmallIntegerField(
        _("thời hạn khi cần thi công thêm"),
        null=True,
        blank=True,
        help_text=_("Ví dụ cấp điện mới: 7 ngày làm việc khi phải kéo thêm đường dây."),
    )
    required_fields = models.JSONField(_("thông tin bắt buộc"), default=list, blank=True)
    campaign = models.BooleanField(
        _("dịch vụ miễn phí của Tháng tri ân"), default=False,
        help_text=_("Dịch vụ kỹ thuật miễn phí trong Tháng tri ân khách hàng (được đếm vào kết quả chương trình)."),
    )  # fmt: skip
    no_power = models.BooleanField(
        _("mất điện / sự cố"), default=False, help_text=_("Đối chiếu với mất điện đã biết trước khi cử đội.")
    )
    active = models.BooleanField(_("đang nhận"), default=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        verbose_name = _("loại yêu cầu")
        verbose_name_plural = _("loại yêu cầu")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(promise_amount__gt=0), name="request_type_promise_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(promise_unit__in=PromiseUnit.values),
                name="request_type_promise_unit_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name(get_language())

    def name(self, language: str | None) -> str:
        return {"en": self.name_en, "fr": self.name_fr}.get(
            (language or "vi")[:2], self.name_vi
        ) or self.name_vi


class RequestState(models.TextChoices):
    NEW = "new", _("mới tiếp nhận")
    ASSIGNED = "assigned", _("đã phân công")
    IN_PROGRESS = "in_progress", _("đang xử lý")
    CLOSED = "closed", _("đã hoàn thành")
    CANCELLED = "cancelled", _("đã huỷ")


OPEN_STATES = (RequestState.NEW, RequestState.ASSIGNED, RequestState.IN_PROGRESS)


class Channel(models.TextChoices):
    PORTAL = "portal", _("cổng khách hàng")
    HOTLINE = "hotline", _("tổng đài")
    API = "api", _("hệ thống khác")


class ServiceRequest(models.Model):
    """One customer's request about one contract (and its premise), routed to the team serving the premise."""

    number = models.CharField(_("số yêu cầu"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("khách hàng")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("hợp đồng")
    )
    premise = models.ForeignKey(
        Premise, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("địa điểm")
    )
    request_type = models.ForeignKey(
        RequestType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("loại yêu cầu")
    )
    description = models.TextField(_("nội dung"), blank=True)
    fields = models.JSONField(_("thông tin kèm theo"), default=dict, blank=True)
    extra_works = models.BooleanField(_("cần thi công thêm"), default=False)
    channel = models.CharField(
        _("kênh tiếp nhận"), max_length=10, choices=Channel.choices, default=Channel.PORTAL
    )
    state = models.CharField(
        _("trạng thái"), max_length=20, choices=RequestState.choices, default=RequestState.NEW
    )
    team = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("đội xử lý")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_requests",
        verbose_name=_("người xử lý"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("tiếp nhận lúc"))
    due_at = models.DateTimeField(_("hạn hoàn thành"))
    warn_at = models.DateTimeField(_("cảnh báo từ"))
    closed_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    resolution = models.TextField(_("kết quả xử lý"), blank=True)
    # A "no power" request under a known outage is linked to it instead of dispatching a crew.
    outage_reference = models.CharField(_("mất điện đã biết"), max_length=60, blank=True)
    # Its clock follows that outage: held while the outage is announced or in progress, counted from the restoration.
    outage = models.ForeignKey(
        "outages.Outage", null=True, blank=True, on_delete=models.SET_NULL, related_name="service_requests",
        verbose_name=_("mất điện đã biết"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("yêu cầu dịch vụ")
        verbose_name_plural = _("yêu cầu dịch vụ")
        constraints = [
            # The same customer cannot have the same kind of request open twice on one contract.
            models.UniqueConstraint(
                fields=["account", "request_type"],
                condition=models.Q(state__in=OPEN_STATES),
                name="service_request_one_open_per_type",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=RequestState.values), name="service_request_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__gte=models.F("opened_at")), name="service_request_due_after_opened"
            ),
        ]
        indexes = [models.Index(fields=["team", "state"], name="service_request_team_state")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class StatusChange(models.Model):
    """Who moved a request, when, from which state to which, and why (the request's history)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(_("lúc"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("người thực hiện"),
    )
    from_state = models.CharField(_("từ trạng thái"), max_length=20, choices=RequestState.choices, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=20, choices=RequestState.choices)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("lịch sử trạng thái")
        verbose_name_plural = _("lịch sử trạng thái")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_state or '-'} → {self.to_state}"


class Assignment(models.Model):
    """The team lead gives a request to a staff member of the team."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người xử lý")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người phân công"),
    )
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("phân công")
        verbose_name_plural = _("phân công")

    def __str__(self) -> str:
        return f"{self.request_id} → {self.assignee_id}"


class WorkOrder(models.Model):
    """A visit of the field team for a request: the day's job on the worklist, and what was done."""

    class State(models.TextChoices):
        PLANNED = "planned", _("đã lên lịch")
        STARTED = "started", _("đang làm")
        DONE = "done", _("đã xong")

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="work_orders", verbose_name=_("yêu cầu")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("người làm"),
    )
    scheduled_for = models.DateField(_("ngày làm"))
    sequence = models.PositiveSmallIntegerField(_("thứ tự trong ngày"), default=1)
    state = models.CharField(_("trạng thái"), max_length=10, choices=State.choices, default=State.PLANNED)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    work_done = models.TextField(_("công việc đã làm"), blank=True)
    materials = models.TextField(_("vật tư đã dùng"), blank=True)
    customer_confirmed = models.BooleanField(_("khách hàng xác nhận"), default=False)
    customer_confirmed_by = models.CharField(_("người xác nhận"), max_length=120, blank=True)
    # The key the phone generated for the finished form: sending it twice (offline, then back online) is one.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("phiếu công tác")
        verbose_name_plural = _("phiếu công tác")
        indexes = [models.Index(fields=["assignee", "scheduled_for"], name="work_order_assignee_day")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.scheduled_for:%d/%m/%Y}"


class Attachment(StoredUpload):
    """A photo or document of a request, stored through Django's storage API (images scaled down)."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="attachments")
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("tệp"), upload_to="servicedesk/%Y/%m/", max_length=200)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")


class ClockAlert(models.Model):
    """A warning (the deadline is near) or a breach (it has passed) of an open request, found by the scan once."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("sắp quá hạn")
        BREACH = "breach", _("quá hạn")

    # No database foreign key: the scan inserts tens of thousands of alerts at once from the requests table itself,
    # and PostgreSQL's deferred key check would lock every one of those requests at commit (seconds for 100,000).
    # Deleting a request still deletes its alerts (Django's cascade). No index of its own either: the unique key
    # (request, kind) serves lookups by request, and one index fewer is a quarter of the scan's insert time.
    request = models.ForeignKey(
        ServiceRequest,
        on_delete=models.CASCADE,
        related_name="clock_alerts",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("cảnh báo thời hạn")
        verbose_name_plural = _("cảnh báo thời hạn")
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="clock_alert_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class Survey(models.Model):
    """The one-question satisfaction survey sent after closing: a score from 1 to 5 and an optional comment."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="survey")
    sent_at = models.DateTimeField(_("gửi lúc"))
    score = models.PositiveSmallIntegerField(_("điểm hài lòng (1–5)"), null=True, blank=True)
    comment = models.TextField(_("góp ý"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khảo sát hài lòng")
        verbose_name_plural = _("khảo sát hài lòng")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score or '-'}"


class DayOff(models.Model):
    """A day off of the utility besides the public holidays (a working-day swap, a company day)."""

    day = models.DateField(_("ngày"), unique=True)
    name = models.CharField(_("lý do"), max_length=120)

    class Meta:
        verbose_name = _("ngày nghỉ của đơn vị")
        verbose_name_plural = _("ngày nghỉ của đơn vị")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"
