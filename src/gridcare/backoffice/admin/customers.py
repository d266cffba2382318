"""Customers, accounts, premises, service points and (sensitive) social categories.

Every change goes through `gridcare.customers.services`, which audits it (who, when, before, after).
Social categories are shown only to holders of `customers.access_social_category`, and every read of
them (change list page and change view) is audited as well.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.overview import overview_column, overview_url
from gridcare.backoffice.scoping import UnitScopedAdmin, csv_response, export_filename
from gridcare.backoffice.search import account_search_q, customer_search_q
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import local_date
from gridcare.customers import selectors as customer_selectors
from gridcare.customers import services
from gridcare.customers.models import (
    Account,
    AccountLink,
    ContactChange,
    Customer,
    LoginAttempt,
    Premise,
    ServicePoint,
    SocialCategoryAssignment,
)

SOCIAL_CATEGORY_PERMISSION = "customers.access_social_category"


class AuditedAdmin(UnitScopedAdmin):
    """Saves and deletes through an audited service (`save_service(<name>=obj, user=...)`)."""

    save_service = None
    delete_service = None
    instance_argument = ""

    def save_model(self, request, obj, form, change):
        type(self).save_service(**{self.instance_argument: obj}, user=request.user)

    def delete_model(self, request, obj):
        type(self).delete_service(**{self.instance_argument: obj}, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)


@admin.register(Customer, site=admin_site)
class CustomerAdmin(AuditedAdmin):
    """Customers with an account in the staff member's units (and those without one yet that their staff created)."""

    save_service = services.customer_save
    delete_service = services.customer_delete
    instance_argument = "customer"
    list_display = ("name", "account_codes", "kind", "tax_code", "created_at")
    list_filter = ("kind",)
    search_fields = ("name",)
    search_help_text = _(
        "Tìm theo mã khách hàng, số điện thoại (hoặc 4–9 số cuối), số công tơ, tên hay địa chỉ, có dấu hoặc không."
    )
    raw_id_fields = ("user",)
    ordering = ("-pk",)

    def get_queryset(self, request):
        # Only the contracts this staff member may see, in one query for the whole page.
        visible = customer_selectors.accounts_visible(user=request.user).order_by("code")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("accounts", queryset=visible, to_attr="visible_accounts"))
        )

    @admin.display(description=_("Hợp đồng"))
    def account_codes(self, obj):
        accounts = getattr(obj, "visible_accounts", [])
        return format_html_join(
            ", ", '<a href="{}" class="overview-link">{}</a>', ((overview_url(a), a.code) for a in accounts)
        )

    def get_search_results(self, request, queryset, search_term):
        return (
            (queryset.filter(customer_search_q(search_term)), False)
            if search_term.strip()
            else (queryset, False)
        )


class ContactChangeInline(admin.TabularInline):
    """The contract's contact changes asked for on the portal (read only; the portal's services write them)."""

    model = ContactChange
    fk_name = "account"
    fields = ("requested_at", "kind", "old_value", "new_value", "status", "confirmed_at", "requested_by")
    readonly_fields = fields
    ordering = ("-requested_at", "-pk")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("lịch sử thay đổi thông tin liên lạc")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AccountLinkInline(ContactChangeInline):
    """Portal logins of other customers that use this contract (added with its one-time code)."""

    model = AccountLink
    fields = ("user", "role", "verified_at", "created_at")
    readonly_fields = fields
    ordering = ("-created_at", "-pk")
    verbose_name_plural = _("tài khoản cổng khách hàng dùng chung hợp đồng")


@admin.register(Account, site=admin_site)
class AccountAdmin(AuditedAdmin):
    """Contracts, known by their customer code; search by code, phone, meter serial or customer name."""

    save_service = services.account_save
    delete_service = services.account_delete
    instance_argument = "account"
    list_display = ("overview", "customer", "unit", "status", "purpose", "phone", "start_date", "money")
    # The code opens the customer overview; the customer's name opens this contract's form.
    list_display_links = ("customer",)
    list_select_related = ("customer", "unit")
    list_filter = ("status", "purpose", "voltage", "sensitive")
    search_fields = ("code",)
    search_help_text = _(
        "Tìm theo mã khách hàng, số điện thoại (hoặc 4–9 số cuối), số công tơ, tên hay địa chỉ, có dấu hoặc không."
    )
    overview = overview_column("", ordering="code")

    @admin.display(description=_("Thanh toán"))
    def money(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_account_money", args=[obj.code]),
                           _("số dư và lịch sử"))  # fmt: skip

    export_formats = ("xlsx",)  # its own CSV below has the columns the contract registers need
    raw_id_fields = ("customer", "premise")
    ordering = ("code",)
    actions = ("export_csv",)
    inlines = (ContactChangeInline, AccountLinkInline)

    def get_search_results(self, request, queryset, search_term):
        return (
            (queryset.filter(account_search_q(search_term)), False)
            if search_term.strip()
            else (queryset, False)
        )

    @admin.action(description=_("Xuất CSV các hợp đồng đã chọn"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = (
            queryset.order_by("code")
            .values_list(
                "code", "customer__name", "unit__code", "status", "purpose", "voltage", "households",
                "phone", "email", "premise__street", "premise__commune__name", "start_date",
            )
            .iterator(chunk_size=2000)
        )  # fmt: skip
        header = [
            str(_("mã khách hàng")), str(_("tên")), str(_("mã đơn vị")), str(_("trạng thái")),
            str(_("mục đích sử dụng")), str(_("cấp điện áp")), str(_("số hộ dùng chung công tơ")),
            str(_("điện thoại")), str(_("e-mail")), str(_("địa chỉ")), str(_("phường/xã")), str(_("ngày bắt đầu")),
        ]  # fmt: skip
        return csv_response(
            filename=export_filename("hop-dong", today=local_date(timezone.now())),
            header=header,
            rows=([*row[:-1], row[-1].isoformat()] for row in rows),
        )


@admin.register(ContactChange, site=admin_site)
class ContactChangeAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    """Every contact change customers asked for on the portal, pending or confirmed (read only)."""

    list_display = ("requested_at", "account", "kind", "old_value", "new_value", "status", "confirmed_at")
    list_select_related = ("account",)
    list_filter = ("kind", "status")
    search_fields = ("account__code", "new_value", "old_value")
    raw_id_fields = ("account", "requested_by")
    ordering = ("-requested_at", "-pk")


@admin.register(AccountLink, site=admin_site)
class AccountLinkAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    """Contracts used by portal logins other than their holder's (read only: customers add and remove them)."""

    list_display = ("account", "user", "role", "verified_at")
    list_select_related = ("account", "user")
    search_fields = ("account__code",)
    raw_id_fields = ("account", "user")
    ordering = ("-created_at", "-pk")


@admin.register(Premise, site=admin_site)
class PremiseAdmin(AuditedAdmin):
    """Premises in the communes the staff member's units serve, or used by their accounts."""

    save_service = services.premise_save
    delete_service = services.premise_delete
    instance_argument = "premise"
    list_display = ("street", "commune", "province")
    list_select_related = ("commune", "province")
    search_fields = ("street",)
    autocomplete_fields = ("commune",)
    ordering = ("-pk",)


@admin.register(ServicePoint, site=admin_site)
class ServicePointAdmin(AuditedAdmin):
    save_service = services.service_point_save
    delete_service = services.service_point_delete
    instance_argument = "service_point"
    list_display = ("code", "account_overview", "transformer_station")
    list_select_related = ("account__customer", "transformer_station")
    account_overview = overview_column("account")
    search_fields = ("code",)
    raw_id_fields = ("account", "premise")
    autocomplete_fields = ("transformer_station",)
    ordering = ("code",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(code=term.upper()) | account_search_q(term, account_path="account__")), False


@admin.register(SocialCategoryAssignment, site=admin_site)
class SocialCategoryAssignmentAdmin(AuditedAdmin):
    """Sensitive: only for `customers.access_social_category`; every read and change is audited."""

    save_service = services.social_category_save
    delete_service = services.social_category_delete
    instance_argument = "assignment"
    list_display = ("customer", "category", "active_from", "active_to", "evidence")
    list_select_related = ("customer",)
    list_filter = ("category",)
    search_fields = ("customer__name",)
    search_help_text = _("Tìm theo mã khách hàng, số điện thoại, số công tơ hoặc tên khách hàng.")
    raw_id_fields = ("customer",)
    ordering = ("customer_id", "category", "active_from", "pk")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            customer__in=customer_selectors.customers_matching(match=customer_search_q(term)).values("pk")
        ), False

    @staticmethod
    def _allowed(request) -> bool:
        return request.user.has_perm(SOCIAL_CATEGORY_PERMISSION)

    def has_module_permission(self, request):
        return self._allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request) and super().has_delete_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            services.social_categories_read_record(
                assignments=changelist.result_list, user=request.user,
                address=client_address(request), reason="backoffice changelist",
            )  # fmt: skip
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                services.social_categories_read_record(
                    assignments=[obj], user=request.user,
                    address=client_address(request), reason="backoffice change view",
                )  # fmt: skip
        return response


@admin.register(LoginAttempt, site=admin_site)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Failed portal sign-ins (throttling), read only, for superusers."""

    list_display = ("at", "identifier", "address")
    search_fields = ("=identifier", "=address")
    ordering = ("-at", "-pk")
    show_full_result_count = False

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
