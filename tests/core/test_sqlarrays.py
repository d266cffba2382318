import datetime as dt

import numpy as np
import pytest

from gridcare.core.sqlarrays import fetch_int_matrix, ordinal_sql
from gridcare.metering.models import Reading
from tests import factories


@pytest.mark.django_db
def test_an_integer_query_comes_back_as_a_matrix_with_day_ordinals(world):
    acct = factories.account(world)
    factories.readings(acct, [5, 17, 2**40])
    sql = (
        f"SELECT id, total, {ordinal_sql('read_on')}, CAST(CASE WHEN rollover THEN 1 ELSE 0 END AS BIGINT), COALESCE(peak, -1) "  # noqa: S608
        "FROM metering_reading WHERE account_id = %s ORDER BY read_on"
    )
    matrix = fetch_int_matrix(sql=sql, params=[acct.pk], columns=5)
    expected = [
        [r.pk, r.total, r.read_on.toordinal(), 0, -1]
        for r in Reading.objects.filter(account=acct).order_by("read_on")
    ]
    assert matrix.dtype == np.int64
    assert matrix.tolist() == expected
    assert matrix[0, 2] == dt.date(2025, 1, 5).toordinal()


@pytest.mark.django_db
def test_an_empty_result_is_an_empty_matrix():
    matrix = fetch_int_matrix(
        sql="SELECT id, total FROM metering_reading WHERE id < %s", params=[0], columns=2
    )
    assert matrix.shape == (0, 2)


@pytest.mark.django_db
def test_a_null_is_refused_rather_than_dropped(world):
    acct = factories.account(world)
    factories.readings(acct, [5, 17])
    with pytest.raises((ValueError, TypeError)):
        fetch_int_matrix(
            sql="SELECT id, peak FROM metering_reading WHERE account_id = %s", params=[acct.pk], columns=2
        )
