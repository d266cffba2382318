from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlexibilityConfig(AppConfig):
    name = "gridcare.flexibility"
    label = "flexibility"
    verbose_name = _("Điều chỉnh phụ tải")
    audited_models = ("Programme", "Enrolment", "Event", "EventParticipant", "Ven")

    def ready(self) -> None:
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        records_register("flexibility.programme", Records(unit_path="unit", deletable=False))
        records_register("flexibility.enrolment", Records(unit_path="account__unit"))
        records_register("flexibility.event", Records(unit_path="programme__unit", deletable=False))
        records_register("flexibility.eventparticipant", Records(unit_path="account__unit", deletable=False))
        records_register(
            "flexibility.eventresponse", Records(unit_path="participant__account__unit", deletable=False)
        )
        records_register(
            "flexibility.intervalresult", Records(unit_path="participant__account__unit", deletable=False)
        )
        records_register("flexibility.ven", Records(unit_path="account__unit"))
        records_register("flexibility.venresource", Records(unit_path="ven__account__unit"))
        records_register("flexibility.vensubscription", Records(unit_path="ven__account__unit"))
        records_register("flexibility.venreport", Records(unit_path="ven__account__unit", deletable=False))
        # Calling an event notifies every participant: staff who may add events, for a programme of their units.
        rules_register("flexibility.call_event", Rule(permission="flexibility.add_event"))
        rules_register("flexibility.enrol", Rule(permission="flexibility.add_enrolment"))
        rules_register("flexibility.define_programme", Rule(permission="flexibility.add_programme"))
        rules_register("flexibility.compute_results", Rule(permission="flexibility.change_event"))
