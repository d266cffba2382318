"""Two-factor enrolment links (administrators, for their staff) and API tokens (superusers): shown once, stored hashed."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from gridcare.backoffice.admin.core import is_administrator
from gridcare.backoffice.site import admin_site
from gridcare.core import credentials
from gridcare.core.models import ApiToken, EnrolmentLink


def _became(obj, saved) -> None:
    """Let the admin's unsaved form object stand for the row the service created (messages, log, redirect)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def _managed_users(request):
    """The users this administrator may manage (the user admin's own scope)."""
    return admin_site._registry[get_user_model()].get_queryset(request)


@admin.register(EnrolmentLink, site=admin_site)
class EnrolmentLinkAdmin(admin.ModelAdmin):
    """An administrator issues a staff member of theirs a one-time link to enrol a first authenticator."""

    list_display = ("user", "created_by", "created_at", "expires_at", "used_at")
    fields = ("user",)
    ordering = ("-created_at", "-pk")
    list_select_related = ("user", "created_by")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user__in=_managed_users(request).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = _managed_users(request)  # every user for a superuser
            kwargs["queryset"] = users.filter(is_staff=True, is_active=True).order_by("username", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        if user_has_device(obj.user):
            messages.warning(
                request, _("Nhân viên này đã có ứng dụng xác thực: đường dẫn chỉ dùng được khi họ chưa có.")
            )
        link, secret = credentials.enrolment_link_issue(
            user=obj.user, issued_by=request.user, now=timezone.now()
        )
        _became(obj, link)
        url = request.build_absolute_uri(reverse(f"{admin_site.name}:two_factor_enrol_link", args=[secret]))
        messages.success(
            request,
            _("Đường dẫn đăng ký (chỉ hiện một lần, dùng một lần, hết hạn lúc %(expires)s): %(url)s")
            % {"url": url, "expires": timezone.localtime(link.expires_at).strftime("%H:%M %d/%m/%Y")},
        )


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens of staff and service users (systems); superusers issue and revoke them. The key is shown once."""

    list_display = ("prefix", "user", "created_at", "expires_at")
    fields = ("user",)
    search_fields = ("=user__username", "=prefix")
    ordering = ("-created_at", "-pk")
    list_select_related = ("user",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        token, key = credentials.api_token_issue(user=obj.user, now=timezone.now())
        _became(obj, token)
        messages.success(
            request,
            _("Khoá API (chỉ hiện lần này, hãy chép ngay; hết hạn lúc %(expires)s): %(key)s")
            % {"key": key, "expires": timezone.localtime(token.expires_at).strftime("%H:%M %d/%m/%Y")},
        )
