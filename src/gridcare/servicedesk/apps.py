from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "gridcare.servicedesk"
    label = "servicedesk"
    verbose_name = _("Yêu cầu dịch vụ")
    # Every change of these rows is audited by database triggers (docs/audit.md). Clock alerts are not:
    # the breach scan writes them in bulk, once per request and kind (their unique key), like outbox rows.
    audited_models = (
        "RequestType",
        "ServiceRequest",
        "Assignment",
        "WorkOrder",
        "Attachment",
        "Survey",
        "DayOff",
    )

    def ready(self):
        from gridcare.org.models import StaffRole
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        catalogue = Records(read_by_all_staff=True, manage_action="catalogue.manage")
        records_register("servicedesk.requesttype", catalogue)
        records_register("servicedesk.dayoff", catalogue)
        records_register("servicedesk.servicerequest", Records(unit_path="team"))
        for name in ("statuschange", "assignment", "workorder", "attachment", "clockalert", "survey"):
            records_register(f"servicedesk.{name}", Records(unit_path="request__team"))
        leads = (StaffRole.MANAGER, StaffRole.ADMINISTRATOR)
        # The team lead (a manager of the team, or above) gives a request to a member of the team.
        rules_register(
            "servicedesk.assign", Rule(permission="servicedesk.change_servicerequest", roles=leads)
        )
        # Field work: start, finish and close the jobs of one's units (operators and above).
        rules_register("servicedesk.work", Rule(permission="servicedesk.change_workorder"))
        # Open a request for a customer (a hotline call), for an account of one's units.
        rules_register("servicedesk.open_for_customer", Rule(permission="servicedesk.add_servicerequest"))
        # Satisfaction and timeliness per team, type and month: managers.
        rules_register("servicedesk.report", Rule(permission="servicedesk.view_survey", roles=leads))
