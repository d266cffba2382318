"""Back office of demand response: programmes, enrolments, calling events, answers, results, OpenADR clients."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.formatting import BUSINESS_TZ, format_number, format_vnd, local_date
from gridcare.customers.models import Purpose, Voltage
from gridcare.flexibility import documents, selectors, services
from gridcare.flexibility.baselines import PRESETS
from gridcare.flexibility.models import Enrolment, Event, EventParticipant, Programme, Ven
from gridcare.org import policy


def _kw_as_mw(kw) -> str:
    return format_number(round((kw or 0) / 1000, 2)) + " MW"


class ProgrammeForm(forms.ModelForm):
    eligible_purposes = forms.MultipleChoiceField(label=_("Mục đích sử dụng điện được tham gia"), choices=Purpose.choices,
                                                  required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    eligible_voltages = forms.MultipleChoiceField(label=_("Cấp điện áp được tham gia"), choices=Voltage.choices,
                                                  required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    baseline_method = forms.ChoiceField(label=_("Phương pháp đường cơ sở"), choices=[(k, k) for k in PRESETS])

    class Meta:
        model = Programme
        fields = ["unit", "code", "name", "purpose", "eligible_purposes", "eligible_voltages", "min_annual_kwh",
                  "requires_interval_meter", "notice_minutes", "baseline_method", "baseline_parameters",
                  "delivered_rule", "recognition_min_kwh", "recognition_text", "incentive", "incentive_vnd",
                  "active_from", "active_to"]  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("incentive") == Programme.Incentive.NONE and data.get("incentive_vnd"):
            self.add_error(
                "incentive_vnd", _("Chương trình không có khuyến khích thì mức khuyến khích phải bằng 0.")
            )
        return data


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    fields = ["account", "commitment_kw", "enrolled_on", "withdrawn_on"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(Programme, site=admin_site)
class ProgrammeAdmin(UnitScopedAdmin):
    form = ProgrammeForm
    list_display = [
        "code",
        "name",
        "purpose",
        "notice_minutes",
        "baseline_method",
        "incentive",
        "active_from",
        "active_to",
    ]
    list_filter = ["purpose", "incentive"]
    search_fields = ["code", "name"]
    ordering = ["code", "pk"]
    inlines = [EnrolmentInline]

    def save_model(self, request, obj, form, change):
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("unit", "code")}
        saved = services.programme_define(user=request.user, unit=form.cleaned_data["unit"], code=form.cleaned_data["code"],
                                          now=timezone.now(), **fields)  # fmt: skip
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["programme", "account", "commitment_kw"]

    user = None

    def clean(self):
        data = super().clean()
        programme, account = data.get("programme"), data.get("account")
        if programme is not None and account is not None:
            reasons = services.enrolment_eligibility(
                programme=programme, account=account, today=local_date(timezone.now())
            )
            if reasons:
                raise ValidationError(reasons)
            if not policy.may(user=self.user, action="flexibility.enrol", unit_id=account.unit_id):
                raise ValidationError(_("Cần quyền đăng ký khách hàng của đơn vị mình."))
        return data


@admin.register(Enrolment, site=admin_site)
class EnrolmentAdmin(UnitScopedAdmin):
    form = EnrolmentForm
    list_display = ["programme", "account", "customer_name", "commitment_kw", "enrolled_on", "withdrawn_on"]
    list_filter = ["programme"]
    list_select_related = ["programme", "account", "account__customer"]
    search_fields = ["=account__code", "account__customer__name"]
    raw_id_fields = ["account"]
    ordering = ["programme", "account__code", "pk"]

    @admin.display(description=_("Khách hàng"))
    def customer_name(self, obj):
        return obj.account.customer.name

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        return ["programme", "account"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        saved = services.enrolment_create(user=request.user, programme=obj.programme, account=obj.account,
                                          commitment_kw=obj.commitment_kw, today=local_date(timezone.now()))  # fmt: skip
        obj.pk = saved.pk


class EventForm(forms.ModelForm):
    day = forms.DateField(
        label=_("Ngày"), input_formats=["%d/%m/%Y", "%Y-%m-%d"], help_text=_("Ví dụ 15/07/2025.")
    )
    start_time = forms.TimeField(label=_("Từ giờ"), help_text=_("Tròn 30 phút, ví dụ 17:00."))
    end_time = forms.TimeField(label=_("Đến giờ"))
    target_mw = forms.DecimalField(label=_("Mục tiêu (MW)"), min_value=0.001, decimal_places=3)

    class Meta:
        model = Event
        fields = [
            "programme",
            "name",
            "day",
            "start_time",
            "end_time",
            "target_mw",
            "scope",
            "substation",
            "feeder",
        ]

    user = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        starts, ends = services.event_moments(day=data["day"], start=data["start_time"], end=data["end_time"])
        data["starts_at"], data["ends_at"] = starts, ends
        try:
            self.instance = services.event_call(
                user=self.user, programme=data["programme"], name=data["name"], starts_at=starts, ends_at=ends,
                target_kw=int(data["target_mw"] * 1000), scope=data["scope"], substation=data.get("substation"),
                feeder=data.get("feeder"), now=timezone.now(),
            )  # fmt: skip
        except services.FlexibilityError as error:
            raise ValidationError(error.message) from error
        except policy.AccessDenied as error:
            raise ValidationError(error.message) from error
        return data


class ParticipantInline(admin.TabularInline):
    model = EventParticipant
    fields = ["account", "commitment_kw", "response", "responded_at", "response_channel", "delivered_kwh"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("Giảm được (kWh)"))
    def delivered_kwh(self, obj):
        return "" if obj.delivered_wh is None else format_number(round(obj.delivered_wh / 1000, 1))


@admin.register(Event, site=admin_site)
class EventAdmin(UnitScopedAdmin):
    form = EventForm
    list_display = ["name", "programme", "day", "window", "target", "status", "answers", "results_link"]
    list_filter = ["status", "programme"]
    list_select_related = ["programme"]
    ordering = ["-starts_at", "-pk"]
    inlines = [ParticipantInline]
    actions = ["compute_results"]
    readonly = ["programme", "name", "day", "starts_at", "ends_at", "target_kw", "scope", "substation", "feeder",
                "status", "called_at", "called_by", "measured_at", "answers", "results_link"]  # fmt: skip

    @admin.display(description=_("Khung giờ"))
    def window(self, obj):
        return documents.event_window(obj, language=translation.get_language() or "vi")

    @admin.display(description=_("Mục tiêu"))
    def target(self, obj):
        return _kw_as_mw(obj.target_kw)

    @admin.display(description=_("Trả lời"))
    def answers(self, obj):
        s = selectors.event_summary(event=obj)
        return _("%(ack)s xác nhận · %(out)s từ chối · %(pending)s chưa trả lời") % {
            "ack": s.acknowledged, "out": s.opted_out, "pending": s.pending}  # fmt: skip

    @admin.display(description=_("Kết quả"))
    def results_link(self, obj):
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:flexibility_event_results", args=[obj.pk]), _("Xem")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        return self.form.Meta.fields if obj is None else self.readonly

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = form.instance.pk  # called (and notified) by the form's clean, through the service

    def save_related(self, request, form, formsets, change):
        return None

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Tính kết quả các sự kiện đã kết thúc"), permissions=["change"])
    def compute_results(self, request, queryset):
        done = 0
        for event in queryset.select_related("programme"):
            try:
                services.event_results_compute(user=request.user, event=event, now=timezone.now())
                done += 1
            except (services.FlexibilityError, policy.AccessDenied) as error:
                messages.error(request, f"{event}: {getattr(error, 'message', error)}")
        if done:
            messages.success(request, _("Đã tính kết quả %(n)s sự kiện.") % {"n": done})

    def get_urls(self):
        return [
            path(
                "<int:pk>/results/",
                self.admin_site.admin_view(self.results_view),
                name="flexibility_event_results",
            ),
            *super().get_urls(),
        ]

    def results_view(self, request, pk):
        event = get_object_or_404(self.get_queryset(request), pk=pk)
        summary = selectors.event_summary(event=event)
        ranking = list(selectors.event_ranking(event=event))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "event": event,
            "title": _("Kết quả: %(event)s") % {"event": event}, "summary": summary,
            "delivered_mw": _kw_as_mw(summary.delivered_kw), "target_mw": _kw_as_mw(event.target_kw),
            "share": round(100 * summary.delivered_kw / event.target_kw) if event.target_kw else 0,
            "ranking": [
                {"participant": p, "delivered": format_number(round(p.delivered_wh / 1000, 1)),
                 "shifted": format_number(round((p.shifted_wh or 0) / 1000, 1)), "saved": format_vnd(p.saved_vnd or 0),
                 "url": reverse("admin:flexibility_eventparticipant_change", args=[p.pk])}
                for p in ranking
            ],
            "unmeasured": event.participants.filter(has_baseline=False).count() if event.measured_at else 0,
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/flexibility/event_results.html", context)


@admin.register(EventParticipant, site=admin_site)
class EventParticipantAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = ["event", "account", "response", "response_channel", "responded_at", "delivered_kwh"]
    list_filter = ["response", "response_channel", "event__programme"]
    list_select_related = ["event", "account"]
    search_fields = ["=account__code", "account__customer__name"]
    ordering = ["-event__starts_at", "account__code", "pk"]
    fields = ["event", "account", "commitment_kw", "notified_at", "response", "responded_at", "response_channel",
              "history", "has_baseline", "baseline_wh", "actual_wh", "delivered_wh", "shifted_wh", "saved_vnd",
              "incentive_vnd", "chart", "letter"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("Giảm được (kWh)"))
    def delivered_kwh(self, obj):
        return "" if obj.delivered_wh is None else format_number(round(obj.delivered_wh / 1000, 1))

    @admin.display(description=_("Các lần trả lời"))
    def history(self, obj):
        rows = obj.responses.order_by("at", "pk")
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), "{} · {} · {}", (
            (f"{r.at.astimezone(BUSINESS_TZ):%d/%m/%Y %H:%M}", r.get_response_display(), r.get_channel_display())
            for r in rows
        ))  # fmt: skip

    @admin.display(description=_("Biểu đồ"))
    def chart(self, obj):
        return mark_safe(documents.participant_chart_svg(participant=obj)) if obj.has_baseline else "—"  # noqa: S308 (our SVG, escaped)

    @admin.display(description=_("Thư cảm ơn"))
    def letter(self, obj):
        if not obj.pk or not obj.has_baseline:
            return "—"
        return format_html(
            '<a href="{}">PDF</a>', reverse("admin:flexibility_eventparticipant_letter", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="flexibility_eventparticipant_letter",
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request, pk):
        participant = get_object_or_404(
            self.get_queryset(request).select_related("event__programme__unit"), pk=pk
        )
        pdf = documents.thank_you_pdf(participant=participant, today=local_date(timezone.now()))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thu-cam-on-{participant.account.code}.pdf"'
        return response


class VenForm(forms.ModelForm):
    class Meta:
        model = Ven
        fields = ["account", "ven_name"]

    user = None

    def clean(self):
        data = super().clean()
        account = data.get("account")
        if account is not None:
            if not selectors.is_enrolled(account=account):
                raise ValidationError(_("Khách hàng chưa tham gia chương trình nào."))
            if not policy.may(user=self.user, action="flexibility.enrol", unit_id=account.unit_id):
                raise ValidationError(_("Cần quyền đăng ký khách hàng của đơn vị mình."))
        return data


@admin.register(Ven, site=admin_site)
class VenAdmin(UnitScopedAdmin):
    form = VenForm
    list_display = ["ven_name", "account", "client_id", "created_at"]
    search_fields = ["ven_name", "=account__code", "client_id"]
    raw_id_fields = ["account"]
    ordering = ["ven_name", "pk"]

    def get_readonly_fields(self, request, obj=None):
        return ["account", "ven_name", "client_id", "created_at"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fields(self, request, obj=None):
        return ["account", "ven_name"] if obj is None else ["account", "ven_name", "client_id", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        ven, client_id, secret = services.ven_register(user=request.user, account=obj.account, ven_name=obj.ven_name,
                                                       now=timezone.now())  # fmt: skip
        obj.pk = ven.pk
        messages.warning(request, _("Thông tin đăng nhập OpenADR (chỉ hiện một lần): client_id %(id)s, client_secret %(secret)s") % {
            "id": client_id, "secret": secret})  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


__all__ = ["EnrolmentAdmin", "EventAdmin", "EventParticipantAdmin", "ProgrammeAdmin", "VenAdmin"]
