"""Lookup codes for every existing bill, e-invoice series and numbers for every bill already issued.

Set-based: lookup codes in chunks of 5,000 (one UPDATE per chunk), numbers by one ranked UPDATE per company and
year of issue, in order of issue.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import F

from gridcare.billing.invoices import _default_letters, lookup_code


def backfill(apps, schema_editor):
    Bill = apps.get_model("billing", "Bill")
    Unit = apps.get_model("org", "Unit")
    InvoiceSequence = apps.get_model("billing", "InvoiceSequence")
    last = 0
    while True:
        rows = list(Bill.objects.filter(pk__gt=last, lookup_code="").order_by("pk").values_list("pk", "number")[:5000])
        if not rows:
            break
        Bill.objects.bulk_update([Bill(pk=pk, lookup_code=lookup_code(number=n)) for pk, n in rows], ["lookup_code"])
        last = rows[-1][0]
    sellers = getattr(settings, "GRIDCARE_INVOICE_SELLERS", {})
    table = Bill._meta.db_table
    for company in Unit.objects.filter(kind="company").order_by("pk"):
        letters = sellers.get(company.code, {}).get("series", _default_letters(company.pk))
        mine = Bill.objects.filter(issued_at__isnull=False, invoice_number__isnull=True,
                                   account__unit__path__startswith=company.path)  # fmt: skip
        for year in mine.dates("issued_at", "year"):
            chosen = mine.filter(issued_at__year=year.year)
            count = chosen.count()
            if not count:
                continue
            series = f"C{year:%y}T{letters}"
            InvoiceSequence.objects.get_or_create(series=series, defaults={"unit_id": company.pk, "last_number": 0})
            InvoiceSequence.objects.filter(series=series).update(last_number=F("last_number") + count)
            first = InvoiceSequence.objects.get(series=series).last_number - count + 1
            sql, params = chosen.values("pk").query.sql_with_params()
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    f"""UPDATE {table} SET invoice_series = %s, invoice_number = ranked.n
                        FROM (SELECT id, %s - 1 + ROW_NUMBER() OVER (ORDER BY issued_at, id) AS n FROM {table}
                              WHERE id IN ({sql})) AS ranked
                        WHERE {table}.id = ranked.id""",  # noqa: S608
                    [series, first, *params],
                )


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_einvoice_fields"), ("org", "0001_initial"), ("customers", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
