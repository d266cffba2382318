from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "gridcare.billing"
    label = "billing"
    verbose_name = _("Hoá đơn tiền điện")

    def ready(self):
        from gridcare.billing import checks  # noqa: F401  (registers the integrity system check)
