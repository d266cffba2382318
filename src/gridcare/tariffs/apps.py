from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TariffsConfig(AppConfig):
    name = "gridcare.tariffs"
    label = "tariffs"
    verbose_name = _("Biểu giá điện")
    # Every change of these rows is audited by database triggers (gridcare.core.audit_triggers, docs/audit.md).
    audited_models = (
        "TariffVersion",
        "TierPrice",
        "TimeOfUsePrice",
        "TimeOfUseSchedule",
        "TimeOfUseWindow",
        "VatRate",
    )
