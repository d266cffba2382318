"""Roles decide what staff may do; every back-office change of a customer record is audited."""

import pytest

from gridcare.core.models import AuditEntry
from gridcare.customers.models import Customer, Premise
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, verified_login
from tests.backoffice.test_scoping import CHANGELIST, _account_form_data


@pytest.fixture
def account(world):
    acct = factories.account(world, phone="+84912345678")
    AuditEntry.objects.all().delete()  # the set-up's own creations are audited too; each test looks at its own
    return acct


def test_admin_phone_change_is_audited_with_before_and_after(client, world, account):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    verified_login(client, operator)
    data = _account_form_data(account) | {"phone": "+84933333333"}
    response = client.post(f"{CHANGELIST}{account.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    account.refresh_from_db()
    assert account.phone == "+84933333333"
    entry = AuditEntry.objects.get(object_type="customers.account", object_id=str(account.pk))
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor == operator
    assert entry.before == {"phone": "+84912345678"}
    assert entry.after == {"phone": "+84933333333"}
    assert entry.address == "127.0.0.1"


def test_saving_without_changes_writes_no_audit_entry(client, world, account):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    client.post(f"{CHANGELIST}{account.pk}/change/", _account_form_data(account))
    assert not AuditEntry.objects.filter(object_type="customers.account").exists()


def test_viewer_can_view_but_not_change(client, world, account):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    page = client.get(f"{CHANGELIST}{account.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(
        f"{CHANGELIST}{account.pk}/change/", _account_form_data(account) | {"phone": "+84933333333"}
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.phone == "+84912345678"
    assert not AuditEntry.objects.exists()


def test_operator_cannot_delete_but_manager_can_and_it_is_audited(client, world):
    premise = Premise.objects.create(
        province=world["province"], commune=world["communes"][0], street="Hẻm chưa dùng"
    )
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    url = f"/backoffice/customers/premise/{premise.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Premise.objects.filter(pk=premise.pk).exists()
    entry = AuditEntry.objects.get(object_type="customers.premise", action=AuditEntry.Action.DELETE)
    assert entry.before["street"] == "Hẻm chưa dùng"
    assert entry.after is None


def test_admin_create_of_customer_is_audited(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(
        "/backoffice/customers/customer/add/", {"kind": "person", "name": "Phạm Thị Dung", "tax_code": ""}
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="Phạm Thị Dung")
    entry = AuditEntry.objects.get(object_type="customers.customer", object_id=str(customer.pk))
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.after["name"] == "Phạm Thị Dung"


def test_audit_log_is_read_only_and_for_administrators(client, world, account):
    from gridcare.customers.services import account_update

    account_update(account=account, phone="+84944444444")
    entry = AuditEntry.objects.get()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    assert client.get("/backoffice/core/auditentry/").status_code == 403
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.ADMINISTRATOR))
    assert client.get("/backoffice/core/auditentry/").status_code == 200
    page = client.get(f"/backoffice/core/auditentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/backoffice/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_back_office_is_in_vietnamese_by_default(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    page = client.get("/backoffice/")
    assert page.status_code == 200
    assert "Hợp đồng (mã khách hàng)" in page.content.decode()
