"""Social categories are sensitive: only roles with the permission see them, every read and change is audited."""

import datetime as dt

import pytest

from gridcare.core.models import AuditEntry
from gridcare.customers.models import SocialCategory
from gridcare.customers.services import social_category_assign
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, verified_login

URL = "/backoffice/customers/socialcategoryassignment/"


@pytest.fixture
def assignment(world):
    account = factories.account(world, name="Mẹ Nguyễn Thị Sáu")
    return social_category_assign(
        customer=account.customer, category=SocialCategory.HEROIC_MOTHER, active_from=dt.date(2020, 1, 1)
    )


def _reads():
    return AuditEntry.objects.filter(
        action=AuditEntry.Action.READ, object_type="customers.socialcategoryassignment"
    )


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.OPERATOR])
def test_roles_without_the_permission_cannot_see_social_categories(client, world, assignment, role):
    verified_login(client, staff(unit=world["teams"][0], role=role))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{assignment.pk}/change/").status_code == 403
    assert "socialcategoryassignment" not in client.get("/backoffice/").content.decode()
    assert not _reads().exists()


def test_manager_sees_them_and_each_list_read_is_audited(client, world, assignment):
    manager = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    verified_login(client, manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [assignment]
    entry = _reads().get()
    assert entry.actor == manager
    assert entry.object_id == str(assignment.pk)
    client.get(URL)
    assert _reads().count() == 2


def test_manager_change_view_read_and_change_are_audited(client, world, assignment):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    assert client.get(f"{URL}{assignment.pk}/change/").status_code == 200
    assert _reads().count() == 1
    response = client.post(
        f"{URL}{assignment.pk}/change/",
        {"customer": assignment.customer_id, "category": SocialCategory.HEROIC_MOTHER, "active_from": "2020-01-01",
         "active_to": "2030-01-01", "evidence": "QĐ 123/QĐ-UBND"},
    )  # fmt: skip
    assert response.status_code == 302
    change = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_id=str(assignment.pk))
    assert change.before == {"active_to": None, "evidence": ""}
    assert change.after == {"active_to": "2030-01-01", "evidence": "QĐ 123/QĐ-UBND"}


def test_manager_of_another_team_does_not_see_them(client, world, assignment):
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.MANAGER))
    assert list(client.get(URL).context["cl"].result_list) == []
    assert not _reads().exists()
