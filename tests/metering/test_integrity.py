import pytest
from django.db import connection
from django.db.models.deletion import ProtectedError

from gridcare.metering.models import Meter, Reading
from gridcare.metering.selectors import readings_without_owner
from tests import factories


@pytest.mark.django_db
def test_the_orm_still_refuses_to_delete_a_meter_with_readings(world):
    acct = factories.account(world)
    factories.readings(acct, [1, 2])
    meter = Reading.objects.first().meter
    with pytest.raises(ProtectedError):
        Meter.objects.filter(pk=meter.pk).delete()


@pytest.mark.django_db
def test_an_orphan_left_by_raw_sql_is_found(world):
    acct = factories.account(world)
    factories.readings(acct, [1, 2])
    assert readings_without_owner() == {
        "readings_without_meter": 0,
        "readings_without_account": 0,
        "interval_readings_without_meter": 0,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE metering_reading SET meter_id = meter_id + 1000000 WHERE id = %s",
            [Reading.objects.first().pk],
        )
    assert readings_without_owner()["readings_without_meter"] == 1
