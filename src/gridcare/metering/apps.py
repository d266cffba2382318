from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeteringConfig(AppConfig):
    name = "gridcare.metering"
    label = "metering"
    verbose_name = _("Đo đếm")

    def ready(self):
        from gridcare.metering import selectors
        from gridcare.org.policy import Records, records_register

        records_register("metering.meter", Records(within=selectors.meters_within_units, deletable=False))
        records_register(
            "metering.intervalreading",
            Records(within=selectors.interval_readings_within_units, deletable=False),
        )
