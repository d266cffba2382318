"""A reading is corrected through a service that checks it like the import does and records why."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridcare.core.models import AuditEntry
from gridcare.metering.models import Reading
from gridcare.metering.services import reading_correct
from gridcare.org.models import StaffRole
from gridcare.org.policy import AccessDenied
from tests import factories
from tests.backoffice.builders import staff
from tests.metering.builders import NOW


@pytest.fixture
def readings(world):
    acct = factories.account(world)
    jan, feb, mar = factories.readings(acct, [1000, 1200, 1400])  # 5 Jan, 5 Feb, 5 Mar 2025
    return {"account": acct, "jan": jan, "feb": feb, "mar": mar}


@pytest.fixture
def operator(world):
    return staff(unit=world["teams"][0], role=StaffRole.OPERATOR)


def _correct(reading, total, user, reason="ghi nhầm số", **registers):
    return reading_correct(reading=reading, total=total, reason=reason, user=user, now=NOW, **registers)


def test_a_correction_is_saved_and_audited_with_before_after_and_reason(readings, operator):
    _correct(readings["feb"], 1250, operator, reason="ảnh chụp công tơ cho thấy 1250")
    readings["feb"].refresh_from_db()
    assert readings["feb"].total == 1250
    entry = AuditEntry.objects.get(object_type="metering.reading")
    assert (entry.action, entry.object_id, entry.actor, entry.reason) == (
        "update",
        str(readings["feb"].pk),
        operator,
        "ảnh chụp công tơ cho thấy 1250",
    )
    assert (entry.before, entry.after) == ({"total": 1200}, {"total": 1250})


@pytest.mark.parametrize(
    ("name", "total", "field", "words"),
    [
        ("feb", 1500, "total", "1400"),  # above the next reading (1400 on 05/03/2025), not a rollover
        ("feb", 900, "total", "1000"),  # below the previous reading (1000 on 05/01/2025), not a rollover
        ("mar", 9601, "total", "8400"),  # 8401 kWh in 28 days: above the plausible 300 kWh a day
        ("mar", 1_000_000, "total", "6"),  # longer than the 6-digit register
        ("feb", -5, "total", "âm"),
    ],
)
def test_a_correction_that_fails_the_import_checks_is_refused(readings, operator, name, total, field, words):
    reading = readings[name]
    with pytest.raises(ValidationError) as error:
        _correct(reading, total, operator)
    assert words in " ".join(error.value.message_dict[field])
    assert Reading.objects.get(pk=reading.pk).total == reading.total
    assert not AuditEntry.objects.filter(object_type="metering.reading").exists()


def test_the_plausible_limit_itself_is_accepted(readings, operator):
    _correct(readings["mar"], 9600, operator)  # 8400 kWh in 28 days = 300 kWh a day
    assert Reading.objects.get(pk=readings["mar"].pk).total == 9600


def test_a_correction_needs_a_reason(readings, operator):
    with pytest.raises(ValidationError) as error:
        _correct(readings["feb"], 1250, operator, reason="  ")
    assert "reason" in error.value.message_dict


def test_a_corrected_reading_past_zero_is_a_rollover(world, operator):
    acct = factories.account(world, register_digits=4)
    _first, _second, third = factories.readings(acct, [9700, 9800, 9900])
    _correct(third, 50, operator)  # 10000 − 9800 + 50 = 250 kWh in 28 days
    third.refresh_from_db()
    assert (third.total, third.rollover) == (50, True)


def test_staff_of_another_team_or_without_the_permission_cannot_correct(world, readings):
    other_team = staff(unit=world["teams"][1], role=StaffRole.OPERATOR)
    viewer = staff(unit=world["teams"][0], role=StaffRole.VIEWER)
    for user in (other_team, viewer):
        with pytest.raises(AccessDenied):
            _correct(readings["feb"], 1250, user)
    assert Reading.objects.get(pk=readings["feb"].pk).total == 1200


def test_the_registers_of_a_time_of_use_reading_are_corrected_too(world, operator):
    acct = factories.account(world, time_of_use=True)
    reading, *_ = factories.readings(acct, [1000], start=dt.date(2025, 1, 5))
    _correct(reading, 1010, operator, peak=300, normal=500, offpeak=210)
    reading.refresh_from_db()
    assert (reading.total, reading.peak, reading.normal, reading.offpeak) == (1010, 300, 500, 210)
