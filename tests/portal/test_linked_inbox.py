"""A contract linked to another sign-in (a landlord, a family): its notices reach that sign-in's portal inbox, even
when the contract's own customer has no portal login; another customer still gets a 404."""

import pytest
from django.test import Client

from gridcare.customers.models import AccountLink
from gridcare.notifications import services
from gridcare.notifications.models import OutboxMessage
from tests import factories
from tests.notifications.builders import NOON, template
from tests.portal.builders import portal_login

pytestmark = pytest.mark.django_db


def test_the_linked_contracts_notices_reach_the_linking_sign_ins_inbox_and_no_one_elses(world):
    landlord = factories.account(world, name="Đặng Văn Long", phone="+84901000444")
    portal_login(landlord)
    tenant = factories.account(world, name="Hồ Thị Lan", phone="+84901000555")  # no portal login of its own
    template(
        key="news",
        channel="inbox",
        subject="Tin mới",
        body="Lịch ghi chỉ số cho {customer_code}",
        topic="planned_outage",
    )
    template(key="news", channel="sms", body="Lịch ghi chỉ số cho {customer_code}", topic="planned_outage")
    template(key="secret", channel="inbox", subject="Bảo mật", body="Mật khẩu vừa được đổi", topic="security")
    before = services.notify(topic="planned_outage", recipients=[tenant.pk], template="news", now=NOON)
    assert list(OutboxMessage.objects.filter(notice=before).values_list("channel", flat=True)) == ["sms"]
    AccountLink.objects.create(user=landlord.customer.user, account=tenant, verified_at=NOON, created_at=NOON)
    after = services.notify(topic="planned_outage", recipients=[tenant.pk], template="news", now=NOON)
    assert sorted(OutboxMessage.objects.filter(notice=after).values_list("channel", flat=True)) == [
        "inbox",
        "sms",
    ]
    services.notify(topic="security", recipients=[tenant.pk], template="secret", channels=["inbox"], now=NOON)
    me = Client()
    me.force_login(landlord.customer.user)
    page = me.get(f"/accounts/{tenant.code}/notifications/")
    assert page.status_code == 200 and f"Lịch ghi chỉ số cho {tenant.code}" in page.text
    assert (
        "Mật khẩu vừa được đổi" not in page.text
    )  # the security notices of the contract's own login stay its own
    stranger = factories.account(world, name="Trần Văn Bình", phone="+84901000666")
    portal_login(stranger)
    other = Client()
    other.force_login(stranger.customer.user)
    assert other.get(f"/accounts/{tenant.code}/notifications/").status_code == 404
    AccountLink.objects.filter(account=tenant).delete()
    assert me.get(f"/accounts/{tenant.code}/notifications/").status_code == 404
