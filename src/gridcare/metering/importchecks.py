"""What an import checks against the database before it writes: the user's units, and the meters held.

Shared by the register and the interval import (`registerimport`, `intervalimport`) and the correction of one
reading (`corrections`).
"""

import numpy as np
from django.db import connection
from django.utils.translation import gettext as _

from gridcare.customers.models import Account
from gridcare.metering.importing import RowError, Table
from gridcare.metering.models import Meter


def units_check(
    *, table: Table, errors: list[RowError], ok: np.ndarray, account: np.ndarray, unit_ids: list[int] | None
) -> np.ndarray:
    """Rows whose account (at the row's date) is outside `unit_ids` become row errors; the others stay `ok`.

    Checked before any comparison with stored readings, so a refused row never reveals another unit's values.
    """
    if unit_ids is None or not ok.any():
        return ok
    allowed = set(
        Account.objects.filter(pk__in=sorted(set(account[ok].tolist())), unit__in=unit_ids).values_list(
            "pk", flat=True
        )
    )
    inside = np.isin(account, np.fromiter(allowed, dtype=account.dtype, count=len(allowed)))
    for i in np.flatnonzero(ok & ~inside).tolist():
        errors.append(RowError(
            int(table.row_numbers[i]), "meter_serial", table.columns["meter_serial"][i],
            _("Công tơ này không thuộc khách hàng của đơn vị bạn: bạn chỉ nhập được chỉ số cho đơn vị mình."),
            "This meter is not at an account of your units: you may only import readings for your units.",
        ))  # fmt: skip
    return ok & inside


def lock_meters(*, meter_ids: list[int]) -> None:
    """Hold the meters until the transaction ends, so that no other import of them validates meanwhile.

    PostgreSQL: row locks on the meters (one statement, any number of meters; advisory locks would fill the
    shared lock table on a large file). SQLite: the transaction began IMMEDIATE, so it holds the database's
    single write lock already.
    """
    if connection.vendor == "postgresql" and meter_ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Meter._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
                [meter_ids],
            )
