from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "gridcare.customers"
    label = "customers"
    verbose_name = _("Khách hàng")
    # Every change of these rows is audited by database triggers (gridcare.core.audit_triggers, docs/audit.md).
    audited_models = ("Customer", "Premise", "Account", "ServicePoint", "SocialCategoryAssignment")
