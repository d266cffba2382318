from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlexibilityConfig(AppConfig):
    name = "gridcare.flexibility"
    label = "flexibility"
    verbose_name = _("Điều chỉnh phụ tải")
