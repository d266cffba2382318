from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "gridcare.outages"
    label = "outages"
    verbose_name = _("Ngừng cấp điện và sự cố")

    def ready(self):
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        records_register("outages.outage", Records(unit_path="unit", deletable=False))
        records_register("outages.outageevent", Records(unit_path="outage__unit", deletable=False))
        records_register("outages.outagereport", Records(unit_path="account__unit"))
        records_register("outages.restorationrequest", Records(unit_path="account__unit"))
        # Publishing, changing, cancelling and closing tell customers: operators and above of the outage's unit.
        rules_register("outages.plan", Rule(permission="outages.add_outage"))
        for action in ("publish", "change", "cancel", "close"):
            rules_register(f"outages.{action}", Rule(permission="outages.change_outage"))
        # Opening an incident (also from a suggestion of grouped customer reports).
        rules_register("outages.record_incident", Rule(permission="outages.add_outage"))
