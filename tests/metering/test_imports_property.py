"""Property: whatever mix of good and bad rows a file holds, exactly the good rows are imported."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcare.metering.models import Reading
from gridcare.metering.services import reading_import_file
from tests import factories
from tests.metering.builders import NOW, csv_file, meter_of

LAST_RECORDED = dt.date(2025, 3, 5)
MONTHS = [dt.date(2025, m, 5) for m in range(4, 11)]


@pytest.fixture
def meters(world):
    """Two 6-digit meters and one 4-digit meter, each with readings recorded up to 5 March 2025."""
    result = []
    for digits, values in ((6, [1000, 1100, 1200]), (6, [50_000, 50_300, 50_600]), (4, [9500, 9600, 9700])):
        acct = factories.account(world, register_digits=digits)
        factories.readings(acct, values)
        result.append((meter_of(acct), digits, values))
    return result


@st.composite
def readings_file(draw, meters):
    good, bad, present, again = [], [], 0, []
    for meter, digits, recorded in meters:
        months = sorted(draw(st.lists(st.sampled_from(MONTHS), unique=True, max_size=5)))
        total, history = recorded[-1], [(LAST_RECORDED, recorded[-1])]
        for day in months:
            total = (total + draw(st.integers(0, 600))) % 10**digits  # may roll over on the 4-digit register
            good.append((meter.serial, day, total, total < history[-1][1]))
            history.append((day, total))
        for _ in range(draw(st.integers(0, 3))):
            day = draw(st.dates(dt.date(2025, 3, 6), dt.date(2025, 11, 19)).filter(lambda d: d.day != 5))
            reference = [t for d, t in history if d < day][-1]
            if (
                digits == 6
            ):  # an implausible jump (> 300 kWh/day for up to 260 days) or a drop that is no rollover
                value = draw(st.sampled_from([reference + 100_000, reference - 1]))
            else:  # more digits than the register has
                value = reference + 10**4
            bad.append([meter.serial, day.isoformat(), str(value)])
        if draw(
            st.booleans()
        ):  # the last recorded reading again: same value is "already present", else a conflict
            value = draw(st.sampled_from([recorded[-1], recorded[-1] + 1]))
            row = [meter.serial, LAST_RECORDED.isoformat(), str(value)]
            if value == recorded[-1]:
                present += 1
                again.append(row)
            else:
                bad.append(row)
    field_errors = st.one_of(
        st.builds(lambda s: [f"ZZ{s}", "2025-04-05", "10"], st.integers(0, 999)),
        st.builds(
            lambda v: [meters[0][0].serial, "2025-04-20", v],
            st.sampled_from(["abc", "", "1,5", "12kWh", "--3", "7.5"]),
        ),
        st.builds(lambda v: [meters[1][0].serial, "2025-04-21", f"-{v}"], st.integers(1, 10**6)),
        st.builds(
            lambda d: [meters[0][0].serial, d, "1300"],
            st.sampled_from(["2025-13-01", "32/01/2025", "hôm qua", ""]),
        ),
        st.builds(
            lambda d: [meters[1][0].serial, d.isoformat(), "60000"],
            st.dates(dt.date(2025, 11, 21), dt.date(2030, 1, 1)),
        ),
    )
    bad += draw(st.lists(field_errors, max_size=6))
    rows = [
        [s, d.isoformat() if draw(st.booleans()) else d.strftime("%d/%m/%Y"), str(t)] for s, d, t, _r in good
    ]
    rows = draw(st.permutations(rows + bad + again))
    # Copies of rows placed after their original: a (meter, date) twice in one file is rejected the second time.
    copies = draw(st.lists(st.sampled_from(rows), max_size=3)) if rows else []
    return rows + copies, good, len(bad) + len(copies), present


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_mix_of_good_and_bad_rows_imports_exactly_the_good_ones(meters, tmp_path, data):
    rows, good, bad_count, present = data.draw(readings_file(meters))
    path = csv_file(tmp_path / "mix.csv", rows)
    with transaction.atomic():
        outcome = reading_import_file(path=path, now=NOW)

        stored = set(
            Reading.objects.filter(read_on__gt=LAST_RECORDED).values_list(
                "meter__serial", "read_on", "total", "rollover"
            )
        )
        assert stored == set(good)
        assert (outcome.inserted, outcome.already_present, outcome.rejected) == (
            len(good),
            present,
            bad_count,
        )
        assert len(outcome.errors) >= bad_count
        transaction.set_rollback(True)
