"""Back office of billing: bill runs with their progress, bills held for review, cancel and re-issue."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.overview import overview_column
from gridcare.backoffice.scoping import UnitScopedAdmin, request_unit_ids
from gridcare.backoffice.search import account_search_q
from gridcare.backoffice.site import admin_site
from gridcare.billing import services, tasks
from gridcare.billing.documents import bill_html, bill_pdf
from gridcare.billing.models import Bill, BillLine, BillRun, BillRunSkip
from gridcare.core.formatting import format_vnd
from gridcare.org import policy


class BillRunForm(forms.ModelForm):
    period = forms.DateField(label=_("Kỳ (tháng)"), input_formats=["%Y-%m", "%m/%Y", "%Y-%m-%d", "%d/%m/%Y"],
                             help_text=_("Ví dụ 11/2025."))  # fmt: skip

    class Meta:
        model = BillRun
        fields = ["period", "route"]

    user = None  # set by BillRunAdmin.get_form

    def clean(self):
        data = super().clean()
        route = data.get("route")
        # The service refuses too (policy.require); here the refusal is a message on the form.
        if route is None and not policy.may(user=self.user, action="billing.run_all_routes"):
            self.add_error(
                "route",
                _("Chỉ nhân viên cấp tổng công ty mới lập hoá đơn cho mọi lộ trình: hãy chọn một lộ trình."),
            )
        elif route is not None and not policy.may(
            user=self.user, action="billing.run_route", unit_id=route.unit_id
        ):
            self.add_error("route", _("Cần quyền lập hoá đơn cho lộ trình của đơn vị mình."))
        return data


class BillRunSkipInline(admin.TabularInline):
    model = BillRunSkip
    fields = ["account", "reason", "detail"]
    readonly_fields = fields
    raw_id_fields = ["account"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


@admin.register(BillRun, site=admin_site)
class BillRunAdmin(UnitScopedAdmin):
    form = BillRunForm
    list_display = [
        "pk",
        "period_label",
        "route",
        "status",
        "progress",
        "bills_created",
        "bills_held",
        "accounts_skipped",
        "created_at",
    ]
    list_filter = ["status", "period"]
    list_select_related = ["route"]
    readonly_fields = ["status", "progress", "accounts_total", "accounts_done", "bills_created", "bills_held",
                       "accounts_skipped", "created_at", "started_at", "finished_at", "error"]  # fmt: skip
    inlines = [BillRunSkipInline]
    ordering = ["-created_at", "-pk"]

    @admin.display(description=_("Kỳ"))
    def period_label(self, obj):
        return f"{obj.period:%m/%Y}"

    @admin.display(description=_("Tiến độ"))
    def progress(self, obj):
        return format_html(
            '<progress max="100" value="{}"></progress> {}%', obj.progress_percent, obj.progress_percent
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user}) if obj is None else form

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["period", "route"] if obj is None else ["period", "route", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["period", "route", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return
        run = services.bill_run_create(
            period=obj.period, route=obj.route, user=request.user, now=timezone.now()
        )
        obj.pk = run.pk
        transaction.on_commit(lambda: tasks.bill_run_execute_task.enqueue(run.pk))
        messages.info(request, _("Đợt lập hoá đơn đã được đưa vào hàng đợi; trang này cho thấy tiến độ."))

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class BillLineInline(admin.TabularInline):
    model = BillLine
    fields = [
        "position",
        "part_from",
        "part_to",
        "tier",
        "period",
        "limit_kwh",
        "kwh",
        "unit_price_vnd",
        "amount_vnd",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    @admin.display(description=_("Đơn giá"))
    def unit_price_vnd(self, obj):
        return format_vnd(obj.unit_price) if obj.unit_price is not None else ""

    @admin.display(description=_("Thành tiền"))
    def amount_vnd(self, obj):
        return format_vnd(obj.amount) if obj.amount is not None else ""


@admin.register(Bill, site=admin_site)
class BillAdmin(UnitScopedAdmin):
    list_display = ["number", "account_overview", "customer_name", "period_label", "kind", "status", "kwh", "total_vnd",
                    "hold_reason"]  # fmt: skip
    list_filter = ["status", "kind", "period"]
    list_select_related = ["account__customer"]
    search_fields = ["number", "=account__code"]
    search_help_text = _("Tìm theo số hoá đơn, mã khách hàng, số điện thoại, số công tơ, tên hay địa chỉ.")
    account_overview = overview_column("account")

    @admin.display(description=_("Khách hàng"))
    def customer_name(self, obj):
        return obj.account.customer.name

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        by_number = queryset.filter(number=term.upper())
        if by_number.exists():
            return by_number, False
        return queryset.filter(account_search_q(term, account_path="account__")), False

    raw_id_fields = ["account", "run", "start_reading", "end_reading", "refers_to", "replaces"]
    inlines = [BillLineInline]
    actions = ["release_selected"]
    ordering = ["-period", "-pk"]
    # Amounts are shown as money (`1.234.567 ₫`), not as bare integers.
    readonly_fields = [{"subtotal": "subtotal_vnd", "vat": "vat_vnd", "total": "total_vnd"}.get(f.name, f.name)
                       for f in Bill._meta.fields] + ["document_links"]  # fmt: skip
    fields = readonly_fields

    @admin.display(description=_("Kỳ"))
    def period_label(self, obj):
        return f"{obj.period:%m/%Y}"

    @admin.display(description=_("Tổng cộng"))
    def total_vnd(self, obj):
        return format_vnd(obj.total)

    @admin.display(description=_("Tiền điện chưa thuế"))
    def subtotal_vnd(self, obj):
        return format_vnd(obj.subtotal)

    @admin.display(description=_("Thuế GTGT"))
    def vat_vnd(self, obj):
        return format_vnd(obj.vat)

    @admin.display(description=_("Văn bản"))
    def document_links(self, obj):
        if not obj.pk:
            return ""
        html = reverse("admin:billing_bill_document", args=[obj.pk])
        pdf = reverse("admin:billing_bill_pdf", args=[obj.pk])
        reissue = reverse("admin:billing_bill_reissue", args=[obj.pk])
        return format_html('<a href="{}">HTML</a> · <a href="{}">PDF</a> · <a href="{}">{}</a>', html, pdf, reissue,
                           _("Huỷ và lập lại"))  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Phát hành các hoá đơn đã kiểm tra"), permissions=["change"])
    def release_selected(self, request, queryset):
        # One set-based release (one notice), within what this staff member may see (the admin's queryset).
        released = services.bills_release(bills=queryset, user=request.user, now=timezone.now())
        messages.success(request, _("Đã phát hành %(n)s hoá đơn.") % {"n": released})

    def get_urls(self):
        return [
            path(
                "<int:pk>/document/",
                self.admin_site.admin_view(self.document_view),
                name="billing_bill_document",
            ),
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_bill_pdf"),
            path(
                "<int:pk>/reissue/",
                self.admin_site.admin_view(self.reissue_view),
                name="billing_bill_reissue",
            ),
            *super().get_urls(),
        ]

    def _bill(self, request, pk):
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def document_view(self, request, pk):
        return HttpResponse(bill_html(bill=self._bill(request, pk), style_nonce=str(request.csp_nonce)))

    def pdf_view(self, request, pk):
        bill = self._bill(request, pk)
        response = HttpResponse(bill_pdf(bill=bill), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="hoa-don-{bill.number}.pdf"'
        return response

    def reissue_view(self, request, pk):
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        bill = self._bill(request, pk)
        if not self.has_change_permission(request, bill):
            return HttpResponse(status=403)
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            if not reason:
                messages.error(request, _("Hãy ghi lý do huỷ hoá đơn."))
            else:
                try:
                    new = services.bill_reissue(
                        bill=bill, reason=reason, user=request.user, now=timezone.now()
                    )
                except services.BillingError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("Đã huỷ hoá đơn và lập hoá đơn điều chỉnh."))
                    return redirect(reverse("admin:billing_bill_change", args=[(new or bill).pk]))
        context = {**self.admin_site.each_context(request), "bill": bill, "opts": self.model._meta,
                   "title": _("Huỷ và lập lại hoá đơn %(n)s") % {"n": bill.number}}  # fmt: skip
        return TemplateResponse(request, "backoffice/bill_reissue.html", context)


__all__ = ["BillAdmin", "BillRunAdmin", "request_unit_ids"]
