from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "gridcare.billing"
    label = "billing"
    verbose_name = _("Hoá đơn tiền điện")

    def ready(self):
        from gridcare.billing import checks  # noqa: F401  (registers the integrity system check)
        from gridcare.org.policy import Records, records_register

        # A company's e-invoice counters: seen with the company, never deleted (numbers must not restart).
        records_register("billing.invoicesequence", Records(unit_path="unit", deletable=False))
