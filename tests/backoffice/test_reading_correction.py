"""The back office shows readings read-only; a correction goes through its own page, checked and audited."""

import pytest

from gridcare.core.models import AuditEntry
from gridcare.metering.models import Reading
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, verified_login

READINGS = "/backoffice/metering/reading/"


@pytest.fixture
def feb(world):
    acct = factories.account(world)
    return factories.readings(acct, [1000, 1200, 1400])[1]


def test_a_reading_cannot_be_edited_added_or_deleted_in_the_admin(client, world, feb):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    page = client.get(f"{READINGS}{feb.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert f"{READINGS}{feb.pk}/correct/".encode() in page.content
    assert client.post(f"{READINGS}{feb.pk}/change/", {"total": 5000}).status_code == 403
    assert client.get(f"{READINGS}add/").status_code == 403
    assert client.post(f"{READINGS}{feb.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Reading.objects.get(pk=feb.pk).total == 1200


def test_an_operator_corrects_a_reading_with_a_reason(client, world, feb):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    verified_login(client, operator)
    assert client.get(f"{READINGS}{feb.pk}/correct/").status_code == 200
    response = client.post(f"{READINGS}{feb.pk}/correct/", {"total": 1250, "reason": "ghi nhầm"})
    assert response.status_code == 302
    assert Reading.objects.get(pk=feb.pk).total == 1250
    entry = AuditEntry.objects.get(object_type="metering.reading")
    assert (entry.actor, entry.reason, entry.after) == (operator, "ghi nhầm", {"total": 1250})


def test_an_implausible_correction_is_shown_back_with_the_reason(client, world, feb):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(f"{READINGS}{feb.pk}/correct/", {"total": 1500, "reason": "ghi nhầm"})
    assert response.status_code == 200
    assert "1400" in response.content.decode()
    assert Reading.objects.get(pk=feb.pk).total == 1200


def test_other_teams_and_viewers_cannot_correct(client, world, feb):
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.OPERATOR))
    assert client.post(f"{READINGS}{feb.pk}/correct/", {"total": 1250, "reason": "x"}).status_code == 404
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert client.post(f"{READINGS}{feb.pk}/correct/", {"total": 1250, "reason": "x"}).status_code == 403
    assert Reading.objects.get(pk=feb.pk).total == 1200


def test_correcting_a_billed_reading_names_the_bills_to_reissue(client, world):
    import datetime as dt

    from gridcare.billing import services as billing_services
    from gridcare.billing.models import Bill

    acct = factories.account(world)
    july = factories.readings(acct, [1000, 1150, 1290, 1420, 1600, 1800, 1950])[-1]
    now = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
    run = billing_services.bill_run_create(
        period=dt.date(2025, 7, 1), route=world["routes"][world["teams"][0]], now=now
    )
    billing_services.bill_run_execute(run=run, now=now)
    bill = Bill.objects.get(account=acct)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(
        f"{READINGS}{july.pk}/correct/", {"total": 1960, "reason": "ghi nhầm"}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any(bill.number in m and "huỷ và lập lại" in m for m in shown)
    assert (
        Bill.objects.get(pk=bill.pk).end_index == 1950
    )  # the bill itself is not changed behind anyone's back
