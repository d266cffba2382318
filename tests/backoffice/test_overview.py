"""The customer overview: one page per contract, found from any search, scoped by the policy, with an unlock."""

import datetime as dt

import pytest
from django.utils import timezone

from gridcare.billing.models import Bill
from gridcare.core.models import AuditEntry
from gridcare.customers import signin
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice import workbench
from tests.backoffice.builders import customer_user, staff, verified_login


@pytest.fixture
def account(world):
    acct = factories.account(world, name="Nguyễn Văn An", phone="+84912345678", email="an@example.vn")
    factories.readings(acct, [1200, 1350], start=dt.date(2025, 10, 5))
    workbench.bill(acct, status=Bill.Status.HELD, total=1_234_567)
    workbench.message(acct, status="failed")
    customer_user(acct)
    return acct


@pytest.fixture
def other_team_account(world):
    return factories.account(world, team=world["teams"][1], name="Lê Thị Hoa")


def _lock(account, *, addresses=("203.0.113.7",), failures=None):
    now = timezone.now()
    failures = failures or signin.SigninPolicy.from_settings().max_failures_per_account
    for address in addresses:
        for _ in range(failures):
            signin.signin_failure_record(identifier=account.code, address=address, now=now)
    assert signin.signin_locked_until(identifier=account.code, address=addresses[0], now=now) is not None


def test_the_overview_shows_contract_meter_readings_bills_and_messages_in_words(client, world, account):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.get(f"/backoffice/customer/{account.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Nguyễn Văn An", "sinh hoạt", "Đội QLĐ Ninh Kiều", "đường 30/4", "+84912345678",
        "công tơ điện tử", account.meter_installations.get().meter.serial, "1.350", "05/11/2025",
        "1.234.567 ₫", "chờ kiểm tra", "tin nhắn SMS", "thất bại", "hoá đơn tiền điện", "Không bị khoá.",
    ):  # fmt: skip
        assert text in html, text
    for raw in ("residential", "held", "electronic", "failed", "sms"):
        assert f">{raw}<" not in html


def test_another_teams_staff_get_a_404_and_see_nothing(client, world, account):
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.MANAGER))
    response = client.get(f"/backoffice/customer/{account.code}/")
    assert response.status_code == 404
    assert "Nguyễn Văn An" not in response.content.decode()
    _lock(account)
    assert client.post(f"/backoffice/customer/{account.code}/unlock/").status_code == 404
    assert signin.account_lock_status(identifier=account.code, now=timezone.now()).addresses_locked == 1
    found = client.get("/backoffice/customer/", {"q": account.code})
    assert found.status_code == 200 and "Nguyễn Văn An" not in found.content.decode()


@pytest.mark.parametrize(
    "term", ["nguyen van an", "NGUYEN VAN", "van an", "Nguyễn Văn An", "345678", "duong 30/4"]
)
def test_the_search_finds_names_without_diacritics_addresses_and_phone_endings(
    client, world, account, other_team_account, term
):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    response = client.get("/backoffice/customer/", {"q": term})
    # One match: straight to its overview.
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/customer/{account.code}/"


def test_admin_lists_search_the_same_way_and_link_to_the_overview(client, world, account, other_team_account):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    for url in (
        "/backoffice/customers/account/",
        "/backoffice/customers/customer/",
        "/backoffice/billing/bill/",
    ):
        html = client.get(url, {"q": "nguyen van an"}).content.decode()
        assert f'href="/backoffice/customer/{account.code}/"' in html, url
        assert "Lê Thị Hoa" not in html


def test_an_operator_unlocks_the_portal_sign_in_and_the_audit_log_says_who_and_why(client, world, account):
    _lock(account, addresses=("203.0.113.7", "198.51.100.4"))
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    verified_login(client, operator)
    html = client.get(f"/backoffice/customer/{account.code}/").content.decode()
    assert "Đang bị khoá" in html and "Mở khoá đăng nhập" in html
    response = client.post(f"/backoffice/customer/{account.code}/unlock/", {"reason": "khách gọi tổng đài"})
    assert response.status_code == 302
    now = timezone.now()
    for address in ("203.0.113.7", "198.51.100.4"):
        assert signin.signin_locked_until(identifier=account.code, address=address, now=now) is None
    entry = AuditEntry.objects.get(
        object_type="customers.account", object_id=str(account.pk), reason="khách gọi tổng đài"
    )
    assert entry.actor == operator
    failures = 2 * signin.SigninPolicy.from_settings().max_failures_per_account
    assert entry.before == {"signin_failures": failures, "signin_locked": True}
    assert entry.after == {"signin_failures": 0, "signin_locked": False}
    assert "Không bị khoá." in client.get(f"/backoffice/customer/{account.code}/").content.decode()


def test_a_viewer_may_not_unlock(client, world, account):
    _lock(account)
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    html = client.get(f"/backoffice/customer/{account.code}/").content.decode()
    assert "Đang bị khoá" in html
    assert "Mở khoá đăng nhập" not in html
    assert client.post(f"/backoffice/customer/{account.code}/unlock/").status_code == 403
    assert signin.account_lock_status(identifier=account.code, now=timezone.now()).addresses_locked == 1
    assert not AuditEntry.objects.filter(object_type="customers.account", reason__contains="mở khoá").exists()


def test_the_overview_costs_the_same_queries_for_a_short_or_a_long_history(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short = factories.account(world, name="Trần Văn Bình")
    factories.readings(short, [100])
    workbench.bill(short)
    workbench.message(short, status="delivered")
    long = factories.account(world, name="Phạm Thị Cúc")
    factories.readings(long, [100 * i for i in range(1, 25)], start=dt.date(2024, 1, 5))
    for months in range(8):
        workbench.bill(long, period=dt.date(2025, 1 + months, 1))
        workbench.message(long, status="failed")
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    client.get(f"/backoffice/customer/{short.code}/")  # warm: permissions, units
    counts = []
    for account in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/backoffice/customer/{account.code}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
