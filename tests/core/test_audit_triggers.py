"""Billing inputs and customer records are audited by the database: queryset updates, bulk writes, raw SQL."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from gridcare.core import audit_triggers
from gridcare.core.audit import acting_as
from gridcare.core.middleware import AuditContextMiddleware
from gridcare.core.models import AuditEntry
from gridcare.customers.models import Account, Customer, SocialCategoryAssignment
from gridcare.tariffs.models import TierPrice, TimeOfUseWindow, VatRate
from tests import factories


@pytest.fixture
def account(world):
    acct = factories.account(world, phone="+84912345678")
    AuditEntry.objects.all().delete()
    return acct


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user(username="clerk")


def test_every_audited_table_has_its_triggers_after_migrate(db):
    tables = {model._meta.db_table for model in audit_triggers.audited_models()}
    assert {"customers_account", "customers_customer", "customers_premise", "customers_servicepoint",
            "customers_socialcategoryassignment", "tariffs_tierprice", "tariffs_tariffversion", "tariffs_vatrate",
            "tariffs_timeofuseprice", "tariffs_timeofuseschedule", "tariffs_timeofusewindow"} <= tables  # fmt: skip
    assert audit_triggers.installed() >= tables


def test_a_queryset_update_of_an_account_is_recorded_with_before_after_actor_and_reason(account, clerk):
    with acting_as(user=clerk, address="10.0.0.7", reason="khách đổi số"):
        assert Account.objects.filter(pk=account.pk).update(phone="+84987654321") == 1
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "update",
        "customers.account",
        str(account.pk),
    )
    assert (entry.before, entry.after) == ({"phone": "+84912345678"}, {"phone": "+84987654321"})
    assert (entry.actor, entry.actor_label, entry.address, entry.reason) == (
        clerk,
        "clerk",
        "10.0.0.7",
        "khách đổi số",
    )


def test_a_queryset_update_of_a_tier_price_is_recorded_with_before_and_after(db):
    tier = TierPrice.objects.order_by("pk").first()
    old_price = tier.unit_price
    TierPrice.objects.filter(pk=tier.pk).update(unit_price=old_price + 7)
    entry = AuditEntry.objects.get(object_type="tariffs.tierprice")
    assert (entry.action, entry.object_id) == ("update", str(tier.pk))
    assert (entry.before, entry.after) == ({"unit_price": old_price}, {"unit_price": old_price + 7})
    assert (entry.actor, entry.actor_label, entry.reason) == (None, "system", "")


def test_a_change_inside_a_request_is_attributed_to_the_signed_in_user(clerk):
    tier = TierPrice.objects.order_by("pk").first()

    def view(request):
        TierPrice.objects.filter(pk=tier.pk).update(unit_price=tier.unit_price + 1)
        return HttpResponse("ok")

    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    request.user = clerk
    AuditContextMiddleware(view)(request)
    entry = AuditEntry.objects.get(object_type="tariffs.tierprice")
    assert (entry.actor, entry.address) == (clerk, "10.1.2.3")


def test_an_update_that_changes_nothing_writes_no_entry(account):
    Account.objects.filter(pk=account.pk).update(phone="+84912345678")
    assert not AuditEntry.objects.exists()


def test_bulk_create_bulk_update_and_delete_are_recorded(account):
    customers = Customer.objects.bulk_create([Customer(name="Trần Thị Hoa"), Customer(name="Lê Văn Nam")])
    created = AuditEntry.objects.filter(action="create", object_type="customers.customer")
    assert sorted(e.after["name"] for e in created) == ["Lê Văn Nam", "Trần Thị Hoa"]
    for customer in customers:
        customer.tax_code = "0101"
    Customer.objects.bulk_update(customers, ["tax_code"])
    updated = AuditEntry.objects.filter(action="update", object_type="customers.customer")
    assert [(e.before, e.after) for e in updated] == [({"tax_code": ""}, {"tax_code": "0101"})] * 2
    Customer.objects.filter(name="Lê Văn Nam").delete()
    deleted = AuditEntry.objects.get(action="delete", object_type="customers.customer")
    assert (deleted.before["name"], deleted.before["tax_code"], deleted.after) == ("Lê Văn Nam", "0101", None)


def test_raw_sql_from_a_service_is_recorded(account):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_account SET email = %s WHERE id = %s", ["an@example.vn", account.pk])
    entry = AuditEntry.objects.get()
    assert (entry.object_type, entry.before, entry.after) == (
        "customers.account",
        {"email": ""},
        {"email": "an@example.vn"},
    )


def test_booleans_dates_and_vat_are_recorded_as_json_of_their_type(account):
    vat = VatRate.objects.exclude(active_to=None).order_by("pk").first()
    VatRate.objects.filter(pk=vat.pk).update(active_to=vat.active_to + dt.timedelta(days=-1), basis="sửa thử")
    entry = AuditEntry.objects.get(object_type="tariffs.vatrate")
    assert entry.before == {"active_to": vat.active_to.isoformat(), "basis": vat.basis}
    assert entry.after == {
        "active_to": (vat.active_to + dt.timedelta(days=-1)).isoformat(),
        "basis": "sửa thử",
    }
    SocialCategoryAssignment.objects.create(
        customer=account.customer, category="poor", active_from="2025-01-01"
    )
    created = AuditEntry.objects.get(object_type="customers.socialcategoryassignment")
    assert (created.after["active_from"], created.after["active_to"]) == ("2025-01-01", None)


def test_a_rolled_back_change_leaves_no_entry(account):
    with pytest.raises(RuntimeError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(phone="+84900000000")
        raise RuntimeError
    assert not AuditEntry.objects.exists()


def test_the_context_of_one_change_does_not_stick_to_the_next(account, clerk):
    with acting_as(user=clerk, reason="lý do một"):
        Account.objects.filter(pk=account.pk).update(phone="+84900000001")
    Account.objects.filter(pk=account.pk).update(phone="+84900000002")
    first, second = AuditEntry.objects.order_by("pk")
    assert (first.actor, first.reason) == (clerk, "lý do một")
    assert (second.actor, second.actor_label, second.reason) == (None, "system", "")


def test_an_unusable_client_address_does_not_stop_the_change(account, clerk):
    with acting_as(user=clerk, address="not-an-address"):
        Account.objects.filter(pk=account.pk).update(phone="+84900000003")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.address, entry.after) == (clerk, None, {"phone": "+84900000003"})


def test_a_change_of_time_of_use_hours_is_recorded(clerk):
    window = TimeOfUseWindow.objects.order_by("pk").first()
    later = (
        dt.time(window.ends_at.hour, 30) if window.ends_at.minute == 0 else dt.time(window.ends_at.hour, 0)
    )
    with acting_as(user=clerk, reason="quyết định mới"):
        TimeOfUseWindow.objects.filter(pk=window.pk).update(ends_at=later)
    entry = AuditEntry.objects.get(object_type="tariffs.timeofusewindow")
    assert (entry.before, entry.after) == (
        {"ends_at": window.ends_at.isoformat()},
        {"ends_at": later.isoformat()},
    )
    assert (entry.actor, entry.reason) == (clerk, "quyết định mới")
