from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "gridcare.insights"
    label = "insights"
    verbose_name = _("Tư vấn tiết kiệm và chuyển đổi số")

    def ready(self) -> None:
        from gridcare.org.models import StaffRole
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        records_register("insights.advice", Records(unit_path="unit"))
        # Who received an advice is the history of a publication: never deleted.
        records_register("insights.advicerecipient", Records(unit_path="account__unit", deletable=False))
        records_register("insights.adoptiontarget", Records(unit_path="unit"))
        records_register("insights.readingdateagreement", Records(unit_path="account__unit"))
        # Publishing sends to many customers: staff who may change advice, for an advice of their units.
        rules_register("insights.publish_advice", Rule(permission="insights.change_advice"))
        # The adoption dashboard and its targets: every role that views targets, within its units.
        rules_register("insights.view_adoption", Rule(permission="insights.view_adoptiontarget"))
        # The visit list names customers and their addresses: staff who may view accounts, of their units.
        rules_register("insights.visit_list", Rule(permission="customers.view_account"))
        # Recognition lists (read by the campaigns area): managers and administrators.
        rules_register(
            "insights.recognition",
            Rule(
                permission="insights.view_readingdateagreement",
                roles=(StaffRole.MANAGER, StaffRole.ADMINISTRATOR),
            ),
        )
