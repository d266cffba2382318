"""Back office of payments' operations: an account's balance and history, refunds, reconciliation differences —
scoped: a staff member of another team sees and changes nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from gridcare.org.models import StaffRole
from gridcare.payments import reconciliation
from gridcare.payments.models import PaymentReversal, ReconciliationDifference, Refund
from gridcare.payments.services import payment_record
from tests import factories
from tests.backoffice.builders import staff, verified_login
from tests.payments.builders import bill
from tests.payments.conftest import gateways  # noqa: F401 - the sandbox gateways fixture
from tests.payments.paid import paid_through

HCM = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def paying(world):
    acct = factories.account(world, name="Võ Thị Em")
    today = timezone.localdate()
    old = bill(acct, total=150_000, due_date=today - dt.timedelta(days=5))
    new = bill(acct, total=90_000, due_date=today + dt.timedelta(days=10))
    payment_record(
        channel="counter", reference="VNPOST:77", account=acct, amount=100_000, received_at=timezone.now()
    )
    return acct, old, new


def test_the_account_page_shows_balance_overdue_credit_and_history(client, world, paying):
    acct, old, new = paying
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    page = client.get(f"/backoffice/payments/payment/account/{acct.code}/").content.decode()
    assert re.search(r'id="money-due">140\.000 ₫<', page)  # 150.000 + 90.000 − 100.000
    assert re.search(r'id="money-overdue">50\.000 ₫<', page)
    assert old.number in page and new.number in page and "100.000 ₫" in page
    assert (
        f"/payments/payment/{acct.payments.get().pk}/refund/" not in page
    )  # a viewer, and a counter payment: no refund button
    overview = client.get(f"/backoffice/customer/{acct.code}/").content.decode()
    assert f'href="/backoffice/payments/payment/account/{acct.code}/"' in overview
    accounts = client.get("/backoffice/customers/account/", {"q": acct.code}).content.decode()
    assert f"/backoffice/payments/payment/account/{acct.code}/" in accounts


def test_a_staff_member_of_another_team_sees_and_changes_nothing(client, world, paying):
    acct, _old, _new = paying
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.MANAGER))
    assert client.get(f"/backoffice/payments/payment/account/{acct.code}/").status_code == 404
    payment = acct.payments.get()
    assert client.get(f"/backoffice/payments/payment/{payment.pk}/refund/").status_code == 404
    response = client.post(f"/backoffice/payments/payment/{payment.pk}/refund/",
                           {"amount": 1000, "reason": "x", "request_key": "k"})  # fmt: skip
    assert response.status_code == 404 and not Refund.objects.exists()


def test_staff_refund_through_the_form_and_a_refused_form_keeps_the_input(client, world, gateways):  # noqa: F811
    acct = factories.account(world)
    _order, payment = paid_through(gateways, acct, gateway="vnpay", amount=60_000, paid_at=timezone.now())
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    url = f"/backoffice/payments/payment/{payment.pk}/refund/"
    form = client.get(url)
    assert form.status_code == 200 and 'name="request_key"' in form.content.decode()
    refused = client.post(url, {"amount": 60_001, "reason": "khách nộp nhầm", "request_key": "k1"})
    assert refused.status_code == 200 and "khách nộp nhầm" in refused.content.decode()
    assert "lớn hơn số tiền còn có thể hoàn" in refused.content.decode()
    done = client.post(url, {"amount": 60_000, "reason": "khách nộp nhầm", "request_key": "k2"}, follow=True)
    assert "Cổng thanh toán đã hoàn" in done.content.decode()
    assert (
        Refund.objects.get().status == "done" and PaymentReversal.objects.filter(payment=payment).count() == 1
    )
    again = client.post(
        url, {"amount": 60_000, "reason": "khách nộp nhầm", "request_key": "k2"}, follow=True
    )  # double click
    assert again.status_code == 200 and Refund.objects.count() == 1


def test_differences_are_listed_acted_on_and_scoped(client, world, gateways):  # noqa: F811
    acct = factories.account(world)
    day = dt.date(2025, 11, 20)
    order, _none = paid_through(gateways, acct, gateway="zalopay", amount=45_000,
                                paid_at=dt.datetime(2025, 11, 20, 9, tzinfo=HCM), record=False)  # fmt: skip
    reconciliation.reconcile_day(day=day, now=timezone.now(), channels=("zalopay",))
    difference = ReconciliationDifference.objects.get()
    url = f"/backoffice/payments/reconciliationdifference/{difference.pk}/resolve/"
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.MANAGER))
    assert (
        difference.reference
        not in client.get("/backoffice/payments/reconciliationdifference/").content.decode()
    )
    assert client.get(url).status_code == 404 and client.post(url, {"note": "x"}).status_code == 404
    client.logout()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    listing = client.get("/backoffice/payments/reconciliationdifference/?status__exact=open").content.decode()
    assert order.reference in listing and "45.000 ₫" in listing
    assert client.post(url, {"note": ""}).status_code == 200  # a note is asked for
    done = client.post(url, {"ask": "1"}, follow=True)
    assert "đã được ghi sổ" in done.content.decode()
    assert acct.payments.get().amount == 45_000
    assert ReconciliationDifference.objects.get().status == "resolved"
    html = client.get("/backoffice/").content.decode()
    assert "Chênh lệch đối soát chưa xử lý" in html
