"""Customer record writes are validated and audited: who, when, before, after."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from gridcare.core.audit import acting_as
from gridcare.core.models import AuditEntry
from gridcare.customers import services
from gridcare.customers.models import Customer, SocialCategory
from tests import factories


@pytest.fixture
def account(world):
    acct = factories.account(world, phone="+84912345678", email="an@example.vn")
    AuditEntry.objects.all().delete()  # the set-up's own creations are audited too; each test looks at its own
    return acct


def test_account_update_audits_only_changed_fields(account):
    clerk = get_user_model().objects.create_user(username="clerk")
    services.account_update(
        account=account, phone="+84987654321", email="an@example.vn", user=clerk, reason="khách báo"
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.reason) == (AuditEntry.Action.UPDATE, clerk, "khách báo")
    assert entry.before == {"phone": "+84912345678"}
    assert entry.after == {"phone": "+84987654321"}


def test_invalid_phone_is_refused_and_not_audited(account):
    with pytest.raises(ValidationError) as error:
        services.account_update(account=account, phone="0912345678")
    assert "phone" in error.value.message_dict
    account.refresh_from_db()
    assert account.phone == "+84912345678"
    assert not AuditEntry.objects.exists()


def test_actor_and_address_come_from_the_request_context(account):
    clerk = get_user_model().objects.create_user(username="clerk")
    with acting_as(user=clerk, address="10.0.0.7"):
        services.customer_update(customer=account.customer, name="Nguyễn Văn Bình")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.address) == (clerk, "10.0.0.7")


def test_customer_with_accounts_cannot_be_deleted(account):
    with pytest.raises(IntegrityError):
        services.customer_delete(customer=account.customer)
    assert Customer.objects.filter(pk=account.customer_id).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_social_category_assignment_is_validated_and_audited(account):
    assignment = services.social_category_assign(
        customer=account.customer,
        category=SocialCategory.POOR,
        active_from=dt.date(2025, 1, 1),
        evidence="Sổ 12/2025",
    )
    entry = AuditEntry.objects.get(object_type="customers.socialcategoryassignment")
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.after["category"] == "poor"
    with pytest.raises(ValidationError):
        services.social_category_assign(
            customer=account.customer, category=SocialCategory.POOR, active_from=dt.date(2025, 1, 1),
            active_to=dt.date(2024, 1, 1),
        )  # fmt: skip
    services.social_category_delete(assignment=assignment)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).get().before["evidence"] == "Sổ 12/2025"


def test_reads_of_social_categories_are_recorded_one_entry_each(account):
    first = services.social_category_assign(
        customer=account.customer, category=SocialCategory.POOR, active_from=dt.date(2025, 1, 1)
    )
    second = services.social_category_assign(
        customer=account.customer, category=SocialCategory.ELDERLY_ALONE, active_from=dt.date(2025, 1, 1)
    )
    reader = get_user_model().objects.create_user(username="reader")
    services.social_categories_read_record(
        assignments=[first, second], user=reader, address="10.0.0.9", reason="test"
    )
    reads = AuditEntry.objects.filter(action=AuditEntry.Action.READ).order_by("object_id")
    assert [r.object_id for r in reads] == [str(first.pk), str(second.pk)]
    assert {r.actor for r in reads} == {reader}
