"""Two-factor devices: administrators create or reset staff members' TOTP devices (django_otp's admin)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from gridcare.backoffice.admin.core import is_administrator
from gridcare.backoffice.site import admin_site


class ScopedDeviceMixin:
    """Devices of the users an administrator may manage; never a superuser's."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        users = admin_site._registry[get_user_model()].get_queryset(request)
        return queryset.filter(user__in=users.values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = admin_site._registry[get_user_model()].get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return is_administrator(request.user) and super().has_module_permission(request)


@admin.register(TOTPDevice, site=admin_site)
class GridcareTOTPDeviceAdmin(ScopedDeviceMixin, TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice, site=admin_site)
class GridcareStaticDeviceAdmin(ScopedDeviceMixin, StaticDeviceAdmin):
    pass
