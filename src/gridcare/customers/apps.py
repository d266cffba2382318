from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "gridcare.customers"
    label = "customers"
    verbose_name = _("Khách hàng")
    # Every change of these rows is audited by database triggers (gridcare.core.audit_triggers, docs/audit.md).
    audited_models = (
        "Customer", "Premise", "Account", "ServicePoint", "SocialCategoryAssignment", "AccountLink", "ContactChange",
    )  # fmt: skip

    def ready(self):
        from gridcare.customers import selectors
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        records_register(
            "customers.customer", Records(within=selectors.customers_within_units, deletable=False)
        )
        records_register("customers.premise", Records(within=selectors.premises_within_units))
        records_register("customers.contactchange", Records(unit_path="account__unit", deletable=False))
        records_register("customers.accountlink", Records(unit_path="account__unit", deletable=False))
        records_register(
            "customers.socialcategoryassignment", Records(within=selectors.social_categories_within_units)
        )
        # Users are kernel records (gridcare.core) but reach units through staff memberships and customers.
        records_register("core.user", Records(within=selectors.users_within_units))
        # Lift a customer's portal sign-in lock (staff who may change the contract, for an account of their units).
        rules_register("customers.unlock_signin", Rule(permission="customers.change_account"))
