from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ledger_triggers_install(sender, using, **kwargs):
    from gridcare.payments import ledger_triggers

    ledger_triggers.install(using=using)


def _above_teams(user) -> bool:
    from gridcare.org import policy
    from gridcare.org.models import Unit

    unit = policy.unit_of(user)
    return unit is not None and unit.kind in (Unit.Kind.CORPORATION, Unit.Kind.COMPANY)


def _runs_within(queryset, *, user, unit_ids):
    return queryset if _above_teams(user) else queryset.none()


def _differences_within(queryset, *, user, unit_ids):
    from django.db.models import Q

    visible = Q(unit__in=unit_ids)
    if _above_teams(user):
        visible |= Q(unit__isnull=True)
    return queryset.filter(visible)


class PaymentsConfig(AppConfig):
    name = "gridcare.payments"
    label = "payments"
    verbose_name = _("Thanh toán")
    # Every change of these rows is audited by database triggers (gridcare.core.audit_triggers, docs/audit.md).
    audited_models = (
        "Payment",
        "Allocation",
        "PaymentReversal",
        "PaymentOrder",
        "Refund",
        "ReconciliationDifference",
    )

    def ready(self):
        from gridcare.org.policy import Records, Rule, records_register, rules_register

        records_register("payments.payment", Records(unit_path="account__unit", deletable=False))
        records_register("payments.allocation", Records(unit_path="payment__account__unit", deletable=False))
        records_register(
            "payments.paymentreversal", Records(unit_path="payment__account__unit", deletable=False)
        )
        records_register("payments.paymentorder", Records(unit_path="account__unit", deletable=False))
        records_register(
            "payments.paymentorderbill", Records(unit_path="order__account__unit", deletable=False)
        )
        records_register(
            "payments.gatewaycallback", Records(unit_path="order__account__unit", deletable=False)
        )
        # Statement imports and lines: the importer's unit, then (a matched line) the account's unit.
        records_register("payments.statementimport", Records(unit_path="unit", deletable=False))
        records_register("payments.statementline", Records(unit_path="unit", deletable=False))
        records_register("payments.paymentreminder", Records(unit_path="account__unit", deletable=False))
        rules_register("payments.import_statements", Rule(permission="payments.add_statementimport"))
        rules_register("payments.match_statement_lines", Rule(permission="payments.change_statementline"))
        # Staff start a payment for a customer (at the counter, by phone) for accounts of their units.
        rules_register("payments.initiate", Rule(permission="payments.add_paymentorder"))
        # Refunds through the gateways: staff who may add refunds, for accounts of their units.
        records_register("payments.refund", Records(unit_path="account__unit", deletable=False))
        rules_register("payments.refund", Rule(permission="payments.add_refund"))
        # The daily reconciliation: a run covers every unit's transactions of a channel (company and corporation
        # staff); a difference reaches the unit of its account, and one with no known account the company level.
        records_register("payments.reconciliationrun", Records(within=_runs_within, deletable=False))
        records_register(
            "payments.reconciliationdifference", Records(within=_differences_within, deletable=False)
        )
        rules_register("payments.reconcile", Rule(permission="payments.change_reconciliationdifference"))
        # The ledger's bounds (never more allocated than a payment or a bill) are database triggers, installed
        # after each migrate like the audit triggers (a SQLite table rebuild drops a table's triggers).
        post_migrate.connect(
            _ledger_triggers_install, sender=self, dispatch_uid="gridcare_payments_ledger_triggers"
        )
