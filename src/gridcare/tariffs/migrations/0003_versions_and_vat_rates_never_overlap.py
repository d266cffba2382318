"""Tariff versions of one purpose, and VAT rates, never overlap; purposes, voltages and periods are known codes.

The overlap rule is an exclusion constraint on PostgreSQL (GiST with btree_gist for `purpose WITH =`). The
extension and both exclusion constraints emit no SQL on SQLite (`CreateExtension` and
`PostgresExclusionConstraint` skip other databases), so the model state is the same on both; on SQLite
`gridcare.tariffs.services` checks overlaps under the write lock. Rows that overlap already make PostgreSQL
stop this migration, naming the conflicting keys: correct the dates in the catalogue and migrate again.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import gridcare.core.constraints


class Migration(migrations.Migration):
    dependencies = [
        ("tariffs", "0002_catalogue"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.AddConstraint(
            model_name="tariffversion",
            constraint=models.CheckConstraint(
                condition=models.Q(purpose__in=["residential", "business", "production", "administrative"]),
                name="tariff_version_purpose_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="tariffversion",
            constraint=gridcare.core.constraints.PostgresExclusionConstraint(
                expressions=[
                    ("purpose", "="),
                    (gridcare.core.constraints.DateRange("active_from", "active_to"), "&&"),
                ],
                name="tariff_version_no_overlap",
            ),
        ),
        migrations.AddConstraint(
            model_name="timeofuseprice",
            constraint=models.CheckConstraint(
                condition=models.Q(voltage__in=["ge110kv", "22to110kv", "6to22kv", "lt6kv"]),
                name="tou_price_voltage_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="timeofuseprice",
            constraint=models.CheckConstraint(
                condition=models.Q(period__in=["peak", "normal", "offpeak"]), name="tou_price_period_known"
            ),
        ),
        migrations.AddConstraint(
            model_name="vatrate",
            constraint=gridcare.core.constraints.PostgresExclusionConstraint(
                expressions=[(gridcare.core.constraints.DateRange("active_from", "active_to"), "&&")],
                name="vat_rate_no_overlap",
            ),
        ),
    ]
