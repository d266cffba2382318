from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "gridcare.campaigns"
    label = "campaigns"
    verbose_name = _("Tháng tri ân khách hàng")
    # Every change of these rows is audited by database triggers (docs/audit.md): a unit's extended period, what
    # was planned and done, and who benefited (beneficiaries are personal data).
    audited_models = (
        "Campaign", "UnitPeriod", "Activity", "ActivityRecord", "Beneficiary", "BloodDrive", "BloodRegistration",
        "LightingProject", "RecognitionList", "RecognitionEntry",
    )  # fmt: skip

    def ready(self) -> None:
        from gridcare.campaigns import selectors
        from gridcare.org.models import StaffRole, Unit
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        catalogue = Records(read_by_all_staff=True, manage_action="catalogue.manage")
        # The year's campaign is opened by the corporation and read by every unit; the catalogue is national data.
        records_register(
            "campaigns.campaign",
            Records(read_by_all_staff=True, manage_action="campaigns.open", deletable=False),
        )
        records_register("campaigns.activitykind", catalogue)
        records_register("campaigns.unitperiod", Records(unit_path="unit", deletable=False))
        records_register("campaigns.partner", Records(unit_path="unit"))
        records_register("campaigns.activity", Records(unit_path="unit", deletable=False))
        records_register("campaigns.activityrecord", Records(unit_path="activity__unit", deletable=False))
        records_register("campaigns.photo", Records(within=selectors.photos_within_units))
        # Beneficiaries taken from a social category need the sensitive permission too (org.services).
        records_register(
            "campaigns.beneficiary", Records(within=selectors.beneficiaries_within_units, deletable=False)
        )
        records_register("campaigns.blooddrive", Records(unit_path="activity__unit", deletable=False))
        records_register(
            "campaigns.bloodregistration", Records(unit_path="drive__activity__unit", deletable=False)
        )
        records_register("campaigns.lightingproject", Records(unit_path="activity__unit", deletable=False))
        records_register("campaigns.recognitionlist", Records(unit_path="unit", deletable=False))
        records_register(
            "campaigns.recognitionentry", Records(unit_path="recognition_list__unit", deletable=False)
        )
        leads = (StaffRole.MANAGER, StaffRole.ADMINISTRATOR)
        # The corporation opens the year's campaign (period, theme, the industry's anniversary).
        rules_register("campaigns.open", Rule(permission="campaigns.add_campaign", roles=leads,
                                              unit_kinds=(Unit.Kind.CORPORATION,)))  # fmt: skip
        # A company or team lengthens its own period (to the campaign's latest end), with a reason.
        rules_register("campaigns.extend_period", Rule(permission="campaigns.add_unitperiod", roles=leads))
        # Plan activities and record what was done, for one's units (operators and above).
        rules_register("campaigns.plan", Rule(permission="campaigns.add_activity"))
        rules_register("campaigns.record", Rule(permission="campaigns.add_activityrecord"))
        # Reports up the tree of one's units, and recognition letters: managers and above.
        rules_register("campaigns.report", Rule(permission="campaigns.view_activity", roles=leads))
        rules_register("campaigns.recognise", Rule(permission="campaigns.add_recognitionlist", roles=leads))
