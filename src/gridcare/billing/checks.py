"""System check (PostgreSQL, tag `database`): readings, bills, bill lines and outbox rows all have their owner.

Their foreign keys are not checked by the database (db_constraint=False, for bulk speed), so a raw delete
or a bad restore could leave rows pointing at nothing. `gridcare check --database default` reports them;
`gridcare integrity-check` lists them with a few ids. A warning, not an error: it must not block a migrate.
"""

from django.core import checks
from django.db import connections
from django.db.utils import DatabaseError
from django.utils.translation import gettext as _


@checks.register(checks.Tags.database)
def records_have_owners(app_configs=None, databases=None, **kwargs):
    from gridcare.billing.selectors import records_without_owner

    found = []
    for alias in databases or ():
        if connections[alias].vendor != "postgresql":
            continue
        try:
            orphans = [o for o in records_without_owner() if o.count]
        except DatabaseError:  # tables not created yet (before the first migrate)
            continue
        for orphan in orphans:
            found.append(checks.Warning(
                _("%(count)d dòng %(link)s trỏ tới bản ghi không tồn tại (ví dụ id %(ids)s).")
                % {"count": orphan.count, "link": orphan.label, "ids": ", ".join(map(str, orphan.sample_ids))},
                hint=_("Chạy `gridcare integrity-check` để xem chi tiết."),
                id="gridcare.W001",
            ))  # fmt: skip
    return found
