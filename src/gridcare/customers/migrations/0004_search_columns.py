"""Folded (no diacritics, lower case) copies of customers' names and premises' streets, for search.

The backfill rewrites every row: the audit triggers of the two tables would log each one as a change by
nobody, so their update triggers are dropped first (`core.audit_triggers.install` recreates them after migrate).
"""

from django.conf import settings
from django.db import migrations, models

from gridcare.core.text import fold

CHUNK = 2000


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table in ("customers_customer", "customers_premise"):
            if schema_editor.connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS gridcare_audit_{table}_update ON "{table}"')
            else:
                cursor.execute(f'DROP TRIGGER IF EXISTS "gridcare_audit_{table}_update"')
    for model_name, source, target in (("Customer", "name", "search_name"), ("Premise", "street", "search_street")):
        model = apps.get_model("customers", model_name)
        last = 0
        while True:
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", source)[:CHUNK])
            if not rows:
                break
            model.objects.bulk_update([model(pk=pk, **{target: fold(text)}) for pk, text in rows], [target])
            last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0003_account_purpose_public_service'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='search_name',
            field=models.CharField(db_default='', editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name='premise',
            name='search_street',
            field=models.CharField(db_default='', editable=False, max_length=255),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['search_name'], name='customer_search_name', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
