"""Back office of payments: the ledger (payments with their allocations and refunds), payment orders and every
gateway callback (refused ones too). Read only: money is recorded by the gateways' callbacks, statement imports
and `payments.services`, never edited by hand."""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.formatting import format_vnd
from gridcare.payments.models import (
    Allocation,
    GatewayCallback,
    Payment,
    PaymentOrder,
    PaymentOrderBill,
    PaymentReversal,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class AllocationInline(_ReadOnlyInline):
    model = Allocation
    fields = ["bill", "amount", "reason", "created_at"]
    raw_id_fields = ["bill"]


class PaymentReversalInline(_ReadOnlyInline):
    model = PaymentReversal
    fields = ["kind", "amount", "reference", "reason", "created_at", "created_by"]


class PaymentOrderBillInline(_ReadOnlyInline):
    model = PaymentOrderBill
    fields = ["bill", "amount"]
    raw_id_fields = ["bill"]


class _ReadOnlyAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    """The ledger's records are shown, never edited here (entries are added by services)."""


@admin.register(Payment, site=admin_site)
class PaymentAdmin(_ReadOnlyAdmin):
    list_display = ["receipt", "account", "channel", "reference", "amount_vnd", "received_at", "money_link"]
    list_filter = ["channel", "received_at"]
    list_select_related = ["account"]
    search_fields = ["reference", "=account__code", "gateway_transaction"]
    raw_id_fields = ["account", "order"]
    inlines = [AllocationInline, PaymentReversalInline]
    ordering = ["-received_at", "-pk"]

    def get_urls(self):
        from gridcare.backoffice.admin.payments_ops import account_money_view, refund_view

        view = self.admin_site.admin_view
        return [
            path("account/<str:code>/", view(account_money_view), name="payments_account_money"),
            path("<int:pk>/refund/", view(refund_view), name="payments_payment_refund"),
            *super().get_urls(),
        ]

    @admin.display(description=_("Số dư"))
    def money_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_account_money", args=[obj.account.code]),
                           _("số dư và lịch sử"))  # fmt: skip

    @admin.display(description=_("Số biên lai"))
    def receipt(self, obj):
        return obj.receipt_number

    @admin.display(description=_("Số tiền"))
    def amount_vnd(self, obj):
        return format_vnd(obj.amount)


@admin.register(PaymentOrder, site=admin_site)
class PaymentOrderAdmin(_ReadOnlyAdmin):
    list_display = ["reference", "account", "gateway", "amount_vnd", "status", "created_at", "settled_at"]
    list_filter = ["status", "gateway", "created_at"]
    list_select_related = ["account"]
    search_fields = ["reference", "=account__code", "gateway_transaction"]
    raw_id_fields = ["account", "created_by"]
    inlines = [PaymentOrderBillInline]
    ordering = ["-created_at", "-pk"]

    @admin.display(description=_("Số tiền"))
    def amount_vnd(self, obj):
        return format_vnd(obj.amount)


@admin.register(GatewayCallback, site=admin_site)
class GatewayCallbackAdmin(_ReadOnlyAdmin):
    list_display = ["received_at", "channel", "reference", "outcome", "address"]
    list_filter = ["channel", "outcome", "received_at"]
    search_fields = ["reference"]
    raw_id_fields = ["order"]
    ordering = ["-received_at", "-pk"]
