import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from gridcare.customers import signin
from gridcare.customers.models import LoginAttempt
from tests import factories
from tests.portal.builders import PASSWORD, portal_login

pytestmark = pytest.mark.django_db
LOGIN = reverse("portal:login")


def sign_in(client, code, password, address="203.0.113.7", next=None, **headers):
    data = {"customer_code": code, "password": password, **({"next": next} if next else {})}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


@pytest.fixture
def acct(world):
    acct = factories.account(world)
    portal_login(acct)
    return acct


def test_sign_in_page_is_vietnamese_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert '<html lang="vi"' in response.text
    assert "Mã khách hàng" in response.text


def test_customer_code_and_password_sign_in_and_rotate_the_session(client, acct):
    session = client.session
    session["seen"] = True
    session.save()
    key_before = session.session_key
    response = sign_in(client, f"  {acct.code.lower()} ", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.session[SESSION_KEY] == str(acct.customer.user.pk)
    assert client.session.session_key != key_before


def test_wrong_password_and_unknown_code_get_the_same_answer(client, acct):
    wrong = sign_in(client, acct.code, "not-the-password")
    unknown = sign_in(client, "PB9999999999Z", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert SESSION_KEY not in client.session
    message = "Mã khách hàng hoặc mật khẩu chưa đúng"
    assert message in wrong.text and message in unknown.text
    assert _error_block(wrong.text) == _error_block(unknown.text)
    assert LoginAttempt.objects.count() == 2


def _error_block(html):
    start = html.index('id="signin-error"')
    return html[start : html.index("</div>", start)]


def test_account_is_locked_after_max_failures_even_with_the_right_password(client, acct, settings):
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    for _ in range(5):
        sign_in(client, acct.code, "wrong")
    response = sign_in(client, acct.code, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert "19001006" in response.text
    assert "thử lại sau" in response.text
    # Locked attempts are not counted, so waiting is enough to get back in (the trail shows five).
    assert LoginAttempt.objects.filter(identifier=acct.code).count() == 5


def test_lock_of_an_unknown_code_looks_the_same_as_of_a_real_one(client, acct):
    for _ in range(5):
        sign_in(client, acct.code, "wrong", address="198.51.100.1")
        sign_in(client, "PB0000000000X", "wrong", address="198.51.100.2")
    real = sign_in(client, acct.code, "wrong", address="198.51.100.1")
    fake = sign_in(client, "PB0000000000X", "wrong", address="198.51.100.2")
    assert real.status_code == fake.status_code == 429
    assert _lock_block(real.text) == _lock_block(fake.text)


def _lock_block(html):
    start = html.index('id="lock-message"')
    return html[start : html.index("</div>", start)]


def test_other_accounts_are_not_locked_by_one_accounts_failures(client, acct, world):
    other = factories.account(world)
    portal_login(other)
    for _ in range(5):
        sign_in(client, acct.code, "wrong")
    assert sign_in(client, other.code, PASSWORD).status_code == 302


def test_an_address_is_locked_after_max_failures_across_codes(client, acct, settings):
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    for n in range(20):
        sign_in(client, f"PB13{n:09d}", "wrong", address="192.0.2.50")
    locked = sign_in(client, acct.code, PASSWORD, address="192.0.2.50")
    assert locked.status_code == 429
    assert SESSION_KEY not in client.session
    elsewhere = sign_in(client, acct.code, PASSWORD, address="192.0.2.51")
    assert elsewhere.status_code == 302


def test_lock_expires_when_failures_leave_the_window(client, acct, settings, monkeypatch):
    settings.GRIDCARE_LOGIN_WINDOW_SECONDS = 900
    for _ in range(5):
        sign_in(client, acct.code, "wrong")
    assert sign_in(client, acct.code, PASSWORD).status_code == 429
    later = timezone.now() + dt.timedelta(seconds=901)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert sign_in(client, acct.code, PASSWORD).status_code == 302


def test_success_clears_the_accounts_failures(client, acct):
    for _ in range(4):
        sign_in(client, acct.code, "wrong")
    assert sign_in(client, acct.code, PASSWORD).status_code == 302
    client.post(reverse("portal:logout"))
    for _ in range(4):
        sign_in(client, acct.code, "wrong")
    assert sign_in(client, acct.code, PASSWORD).status_code == 302


def test_locked_until_is_when_the_oldest_counted_failure_leaves_the_window():
    policy = signin.SigninPolicy(
        max_failures_per_account=3, max_failures_per_address=10, window=dt.timedelta(minutes=15)
    )
    start = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)
    for minute in (0, 2, 4, 6):
        signin.signin_failure_record(
            identifier="PB1", address="192.0.2.1", now=start + dt.timedelta(minutes=minute)
        )
    now = start + dt.timedelta(minutes=7)
    # Newest three failures are at 6, 4 and 2 minutes: the lock lifts when the one at 2 leaves the window.
    until = signin.signin_locked_until(identifier="PB1", address="192.0.2.1", now=now, policy=policy)
    assert until == start + dt.timedelta(minutes=17)
    assert signin.signin_locked_until(identifier="PB1", address="192.0.2.1", now=until, policy=policy) is None
    assert signin.signin_locked_until(identifier="PB2", address="192.0.2.2", now=now, policy=policy) is None


def test_sign_out_is_post_only(signed_in):
    assert signed_in.get(reverse("portal:logout")).status_code == 405
    assert SESSION_KEY in signed_in.session
    response = signed_in.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in signed_in.session
    assert "storage" in response["Clear-Site-Data"]


def test_next_is_followed_only_within_the_site(client, acct):
    account_url = reverse("portal:account", kwargs={"code": acct.code})
    assert sign_in(client, acct.code, PASSWORD, next=account_url).url == account_url
    client.post(reverse("portal:logout"))
    assert sign_in(client, acct.code, PASSWORD, next="https://evil.example/").url == reverse("portal:home")


def test_staff_without_a_customer_code_cannot_sign_in_here(client, django_user_model):
    django_user_model.objects.create_user(username="PB1300000000001", password=PASSWORD, is_staff=True)
    response = sign_in(client, "PB1300000000001", PASSWORD)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_behind_the_tls_proxy_the_address_the_proxy_saw_is_throttled(client, acct, settings):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 1
    for n in range(20):
        # The client forges the first entry; the proxy (the peer) appends the real address.
        sign_in(
            client, f"PB13{n:09d}", "wrong", address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 192.0.2.80"
        )
    assert set(LoginAttempt.objects.values_list("address", flat=True)) == {"192.0.2.80"}
    assert (
        sign_in(
            client, acct.code, PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.80"
        ).status_code
        == 429
    )
    # Another customer behind the same proxy is not locked out.
    assert (
        sign_in(
            client, acct.code, PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.81"
        ).status_code
        == 302
    )


def test_a_malformed_forwarded_address_falls_back_to_the_peer(client, acct, settings):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 1
    sign_in(client, acct.code, "wrong", address="10.0.0.9", HTTP_X_FORWARDED_FOR="not-an-address")
    assert LoginAttempt.objects.get().address == "10.0.0.9"


def test_failures_from_one_address_do_not_lock_the_customer_out_from_another(client, acct):
    # Customer codes are printed on bills: anybody can type one. Their failures lock only themselves.
    for _ in range(8):
        sign_in(client, acct.code, "wrong", address="198.51.100.66")
    assert sign_in(client, acct.code, PASSWORD, address="198.51.100.66").status_code == 429
    assert sign_in(client, acct.code, PASSWORD, address="203.0.113.20").status_code == 302


def test_without_a_trusted_proxy_a_forwarded_header_does_not_dodge_the_address_lock(client, acct, settings):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 0
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    for n in range(20):
        sign_in(client, f"PB13{n:09d}", "wrong", address="192.0.2.70", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    assert (
        sign_in(
            client, acct.code, PASSWORD, address="192.0.2.70", HTTP_X_FORWARDED_FOR="1.2.3.99"
        ).status_code
        == 429
    )


def test_ipv6_clients_are_counted_per_64_network(client, acct, settings):
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    for n in range(20):
        sign_in(client, f"PB13{n:09d}", "wrong", address=f"2001:db8:1:2::{n + 1:x}")
    assert sign_in(client, acct.code, PASSWORD, address="2001:db8:1:2::ffff").status_code == 429
    assert sign_in(client, acct.code, PASSWORD, address="2001:db8:1:3::1").status_code == 302
