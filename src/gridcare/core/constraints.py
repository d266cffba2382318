"""Database constraints that only PostgreSQL can enforce, declared once in the models for both databases.

`PostgresExclusionConstraint` is Django's `ExclusionConstraint` (GiST, needs the btree_gist extension for `=` on
plain columns) that emits no SQL on other databases, so the model state, the migrations and `makemigrations`
are the same on SQLite and PostgreSQL. On SQLite the rule is kept by the service that writes the rows, which
checks inside a transaction holding the database's write lock (see `tariffs.services`).

Its `validate()` does nothing: the services that write such rows decide what an overlap means (a new tariff
decision closes the open-ended one it follows) before saving; the database constraint is the last line.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary
from django.db.models import Func


class DateRange(Func):
    """`daterange(lower, upper, '[)')`: a half-open range of dates; a NULL upper bound is open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, lower, upper, **extra):
        super().__init__(lower, upper, RangeBoundary(), **extra)


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint on PostgreSQL; nothing (no SQL, no validation) elsewhere."""

    def constraint_sql(self, model, schema_editor):
        return (
            super().constraint_sql(model, schema_editor)
            if schema_editor.connection.vendor == "postgresql"
            else None
        )

    def create_sql(self, model, schema_editor):
        return (
            super().create_sql(model, schema_editor)
            if schema_editor.connection.vendor == "postgresql"
            else None
        )

    def remove_sql(self, model, schema_editor):
        return (
            super().remove_sql(model, schema_editor)
            if schema_editor.connection.vendor == "postgresql"
            else None
        )

    def validate(self, model, instance, exclude=None, using=None):
        return None
