"""Bank-statement and partner-file imports, and the queue of lines waiting to be matched (docs/payments-import.md)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.billing.models import Bill
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.formatting import format_vnd
from gridcare.customers.selectors import accounts_visible
from gridcare.metering.importing import ImportFileError
from gridcare.org import policy
from gridcare.payments import statements
from gridcare.payments.statements_models import PaymentReminder, StatementImport, StatementLine


class StatementUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại tệp"), choices=StatementImport.Kind.choices)
    source = forms.CharField(
        label=_("Mã ngân hàng / đối tác"), max_length=20, help_text=_("Ví dụ VCB, BIDV, VNPOST.")
    )
    file = forms.FileField(label=_("Tệp CSV hoặc XLSX"))


class MatchForm(forms.Form):
    customer_code = forms.CharField(label=_("Mã khách hàng"), max_length=13)
    bill_number = forms.CharField(label=_("Số hoá đơn (không bắt buộc)"), max_length=32, required=False)


@admin.register(StatementImport, site=admin_site)
class StatementImportAdmin(UnitScopedAdmin):
    """Imports of the staff member's units; "add" is the upload page, an import is never edited."""

    list_display = ("started_at", "kind", "source", "filename", "status", "rows_total", "rows_matched", "rows_unmatched",
                    "rows_already_present", "rows_rejected")  # fmt: skip
    list_filter = ("kind", "status")
    search_fields = ("source", "filename", "=sha256")
    ordering = ("-started_at", "-pk")
    readonly_fields = ("kind", "source", "filename", "sha256", "started_at", "status", "rows_total", "rows_matched",
                       "rows_unmatched", "rows_already_present", "rows_rejected", "error_list", "unit", "created_by")  # fmt: skip
    exclude = ("errors",)

    change_list_template = "backoffice/payments/statementimport_changelist.html"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # files come in through the upload page (or the `import-statement` command)

    def changelist_view(self, request, extra_context=None):
        may_upload = policy.may(user=request.user, action="payments.import_statements")
        return super().changelist_view(request, {**(extra_context or {}), "may_upload": may_upload})

    def get_urls(self):
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="payments_statementimport_upload",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("Dòng lỗi"))
    def error_list(self, obj):
        if not obj.errors:
            return "—"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((e["row"], e["column"], e["value"], e["reason"]) for e in obj.errors))  # fmt: skip
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("Dòng"),
            _("Cột"),
            _("Giá trị"),
            _("Lý do"),
        )
        return format_html("<table>{}{}</table>", head, rows)

    def upload_view(self, request):
        if not policy.may(user=request.user, action="payments.import_statements"):
            raise PermissionDenied
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = statements.statement_import(
                    content=upload.read(), filename=upload.name, kind=form.cleaned_data["kind"],
                    source=form.cleaned_data["source"], user=request.user, now=timezone.now(),
                )  # fmt: skip
            except ImportFileError as exc:
                form.add_error("file", exc.message)
            except policy.AccessDenied as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _(
                    "Đã nhập: %(matched)s dòng đã khớp, %(unmatched)s dòng chờ khớp, %(present)s dòng đã có, %(rejected)s dòng lỗi."
                ) % {"matched": result.matched, "unmatched": result.unmatched, "present": result.already_present,
                     "rejected": len({e.row for e in result.errors})})  # fmt: skip
                return redirect(reverse("admin:payments_statementimport_change", args=[result.statement.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": _("Nhập sao kê ngân hàng / tệp đối tác thu hộ")}  # fmt: skip
        return TemplateResponse(request, "backoffice/payments/statement_upload.html", context)


@admin.register(StatementLine, site=admin_site)
class StatementLineAdmin(UnitScopedAdmin):
    """Lines of the staff member's units; an unmatched one is matched from its page (customer code, bill)."""

    list_display = ("booked_on", "source", "transaction_id", "amount_vnd", "description", "status", "matched_by", "account",
                    "match_link")  # fmt: skip
    list_filter = ("status", "matched_by", "source")
    search_fields = ("=transaction_id", "description", "=customer_code")
    list_select_related = ("account",)
    ordering = ("-booked_on", "-pk")
    readonly_fields = ("statement", "source", "transaction_id", "booked_on", "amount", "description", "customer_code",
                       "payer", "status", "matched_by", "account", "bill", "payment", "unit", "matched_at",
                       "matched_by_user", "match_link")  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Số tiền"), ordering="amount")
    def amount_vnd(self, obj):
        return format_vnd(obj.amount)

    @admin.display(description=_("Khớp"))
    def match_link(self, obj):
        if obj is None or obj.pk is None or obj.status != StatementLine.Status.UNMATCHED:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_statementline_match", args=[obj.pk]),
                           _("Khớp với khách hàng"))  # fmt: skip

    def get_urls(self):
        return [
            path(
                "<int:pk>/match/",
                self.admin_site.admin_view(self.match_view),
                name="payments_statementline_match",
            ),
            *super().get_urls(),
        ]

    def match_view(self, request, pk):
        line = get_object_or_404(self.get_queryset(request), pk=pk)
        if not policy.may_record(user=request.user, model=StatementLine, verb="change", obj=line):
            raise PermissionDenied
        form = MatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            code = form.cleaned_data["customer_code"].strip().upper()
            account = accounts_visible(user=request.user).filter(code=code).first()
            number = form.cleaned_data["bill_number"].strip()
            bill = Bill.objects.filter(account=account, number=number).first() if account and number else None
            if account is None:
                form.add_error("customer_code", _("Không tìm thấy khách hàng này trong đơn vị của bạn."))
            elif number and bill is None:
                form.add_error("bill_number", _("Khách hàng này không có hoá đơn số này."))
            else:
                try:
                    statements.statement_line_match(line=line, account=account, bill=bill, user=request.user,
                                                    now=timezone.now())  # fmt: skip
                except (statements.StatementError, policy.AccessDenied) as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Đã khớp và ghi nhận khoản thanh toán."))
                    return redirect(
                        reverse("admin:payments_statementline_changelist") + "?status__exact=unmatched"
                    )
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "line": line,
                   "amount": format_vnd(line.amount),
                   "title": _("Khớp dòng sao kê %(id)s") % {"id": line.transaction_id}}  # fmt: skip
        return TemplateResponse(request, "backoffice/payments/statement_match.html", context)


@admin.register(PaymentReminder, site=admin_site)
class PaymentReminderAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    """The arrears list of the staff member's units: each bill reminded, the stage reached and what was owed then."""

    list_display = ("sent_on", "stage", "account", "bill", "amount_vnd")
    list_filter = ("stage", ("sent_on", admin.DateFieldListFilter))
    list_select_related = ("account", "bill")
    search_fields = ("=account__code", "=bill__number")
    ordering = ("-sent_on", "-pk")
    readonly_fields = ("sent_on", "stage", "account", "bill", "amount")

    @admin.display(description=_("Số tiền còn nợ"), ordering="amount")
    def amount_vnd(self, obj):
        return format_vnd(obj.amount)
