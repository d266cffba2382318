"""Accounts' purpose and voltage are constrained to the choices the tariff engine knows.

Existing rows outside the choices are not mapped to a guess (that would price them as another purpose): the
migration stops and names them, so that staff correct those contracts first and migrate again.
"""

from django.db import migrations, models

PURPOSES = ["residential", "business", "production", "administrative"]
VOLTAGES = ["ge110kv", "22to110kv", "6to22kv", "lt6kv"]


def refuse_unknown_values(apps, schema_editor):
    Account = apps.get_model("customers", "Account")
    bad = Account.objects.using(schema_editor.connection.alias).exclude(purpose__in=PURPOSES, voltage__in=VOLTAGES)
    count = bad.count()
    if count:
        sample = ", ".join(f"{code} ({purpose}/{voltage})" for code, purpose, voltage in
                           bad.order_by("code").values_list("code", "purpose", "voltage")[:20])  # fmt: skip
        raise RuntimeError(
            f"{count} account(s) have a purpose outside {PURPOSES} or a voltage outside {VOLTAGES}: {sample}. "
            "Correct them (they would not be billed) and run the migration again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_unknown_values, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(condition=models.Q(purpose__in=PURPOSES), name="account_purpose_known"),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(condition=models.Q(voltage__in=VOLTAGES), name="account_voltage_known"),
        ),
    ]
