"""An account's purpose and voltage are one of the choices, in the database itself (not only in forms)."""

import pytest
from django.db import IntegrityError, transaction

from gridcare.customers.models import Account
from tests import factories


@pytest.mark.parametrize("field", ["purpose", "voltage"])
def test_the_database_refuses_an_unknown_purpose_or_voltage(world, field):
    acct = factories.account(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=acct.pk).update(**{field: "lighting"})
    acct.refresh_from_db()
    assert (acct.purpose, acct.voltage) == ("residential", "lt6kv")


def test_the_database_accepts_the_public_service_purpose_of_schools_and_hospitals(world):
    acct = factories.account(world)
    Account.objects.filter(pk=acct.pk).update(purpose="public_service")
    acct.refresh_from_db()
    assert (
        acct.purpose == "public_service"
        and acct.get_purpose_display() == "bệnh viện, nhà trẻ, mẫu giáo, trường phổ thông"
    )
