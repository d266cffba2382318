from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _audit_connection(sender, connection, **kwargs):
    from gridcare.core import audit_triggers

    if connection.vendor == "sqlite":
        audit_triggers.register_sqlite_function(connection=connection)
    elif (
        connection.vendor == "postgresql"
        and audit_triggers.context_wrapper not in connection.execute_wrappers
    ):
        connection.execute_wrappers.append(audit_triggers.context_wrapper)


def _audit_triggers_install(sender, using, **kwargs):
    from gridcare.core import audit_triggers

    audit_triggers.install(using=using)
    if kwargs.get("plan") is None and connections[using].vendor == "sqlite":
        # `flush` (tests' database reset) empties tables with DELETE on SQLite, which the triggers audit; the
        # database is meant to be empty afterwards, the audit log too. (PostgreSQL truncates: no triggers.)
        with connections[using].cursor() as cursor:
            cursor.execute("DELETE FROM core_auditentry")


class CoreConfig(AppConfig):
    name = "gridcare.core"
    label = "core"
    verbose_name = _("Hệ thống")

    def ready(self):
        from gridcare.core import checks  # noqa: F401 - registers gridcare's deployment checks

        connection_created.connect(_audit_connection, dispatch_uid="gridcare_audit_connection")
        # After every migrate (and test flush): a migration may have rebuilt a table (SQLite) or added columns.
        post_migrate.connect(_audit_triggers_install, sender=self, dispatch_uid="gridcare_audit_triggers")
