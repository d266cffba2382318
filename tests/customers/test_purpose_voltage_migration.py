"""The migration that constrains purpose and voltage stops on existing bad rows and names them (no guessing)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from gridcare.customers.models import Account
from tests import factories

migration = importlib.import_module("gridcare.customers.migrations.0002_account_purpose_voltage_known")
# The step reads only the editor's connection (a real schema editor cannot open inside a test's transaction).
EDITOR = SimpleNamespace(connection=connection)


def _without_check_constraints():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET CONSTRAINTS ALL IMMEDIATE"
            )  # no pending foreign-key checks before ALTER TABLE
            cursor.execute("ALTER TABLE customers_account DROP CONSTRAINT account_purpose_known")
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")


def test_existing_accounts_with_an_unknown_purpose_stop_the_migration_with_their_codes(world):
    good = factories.account(world)
    bad = factories.account(world)
    _without_check_constraints()
    try:
        Account.objects.filter(pk=bad.pk).update(purpose="lighting")
        with pytest.raises(RuntimeError) as stopped:
            migration.refuse_unknown_values(apps, EDITOR)
    finally:
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    assert f"{bad.code} (lighting/lt6kv)" in str(stopped.value) and good.code not in str(stopped.value)
    assert str(stopped.value).startswith("1 account(s)")


def test_the_migration_passes_when_every_account_is_known(world):
    factories.account(world)
    migration.refuse_unknown_values(apps, EDITOR)
