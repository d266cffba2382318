import re

import pytest
from django.urls import reverse

from gridcare.notifications import selectors
from tests.portal.conftest import TOTALS
from tests.portal.test_notifications import account_with_contacts, client_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
LOGIN = reverse("portal:login")


@pytest.mark.parametrize(
    ("language", "sign_in_words"),
    [("en", "Customer code"), ("fr", "Code client"), ("vi", "Mã khách hàng")],
)
def test_language_switch_persists_in_a_cookie(client, language, sign_in_words):
    response = client.post(reverse("set_language"), {"language": language, "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    assert client.cookies["django_language"].value == language
    page = client.get(LOGIN)
    assert f'<html lang="{language}"' in page.text
    assert sign_in_words in page.text


def test_account_page_is_translated(signed_in, customer_account):
    signed_in.post(reverse("set_language"), {"language": "en"})
    page = signed_in.get(reverse("portal:account", kwargs={"code": customer_account.code})).text
    assert "Show numbers" in page and "Xem số liệu" not in page
    # The portal's own words win over other apps' catalogues (here: "Customers", the app's title).
    assert "<dt>Customer</dt>" in page
    # English groups thousands with a comma.
    assert f"{TOTALS[-1]:,} kWh" in page


def test_larger_text_switch_persists_without_javascript(client):
    assert 'class="text-large"' not in client.get(LOGIN).text
    response = client.post(reverse("portal:text_size"), {"size": "large", "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    assert client.cookies["gc_text"].value == "large"
    assert 'class="text-large"' in client.get(LOGIN).text
    client.post(reverse("portal:text_size"), {"size": "normal"})
    assert 'class="text-large"' not in client.get(LOGIN).text


def test_text_size_ignores_foreign_redirects_and_unknown_sizes(client):
    response = client.post(reverse("portal:text_size"), {"size": "huge", "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")
    assert "gc_text" not in response.cookies


# --- channels per topic: service notices keep a channel, "programmes and news" can be switched off ----------

SERVICE_TOPICS = (
    "bills", "payments", "planned_outage", "incident", "service_request", "demand_response", "consumption_alert",
)  # fmt: skip


def _error_of(html: str, topic: str) -> str:
    match = re.search(rf'id="error-{topic}"><p>(.*?)</p>', html, flags=re.DOTALL)
    return match.group(1) if match else ""


def test_programmes_and_news_can_be_switched_off_on_every_channel(client_in, account_with_contacts):  # noqa: F811
    acct = account_with_contacts
    response = client_in.post(
        f"/accounts/{acct.code}/notifications/preferences/", {topic: ["email"] for topic in SERVICE_TOPICS}
    )
    assert response.status_code == 302
    prefs = selectors.preferences_for_account(account=acct)
    # Off on the channels offered and on those not offered yet (push, Zalo): a phone subscribing later
    # does not bring the news back.
    assert prefs["programmes"] == {"push": False, "inbox": False, "email": False, "sms": False, "zalo": False}
    assert prefs["bills"]["email"] is True


def test_a_refused_service_notice_gives_its_own_reason(client_in, account_with_contacts):  # noqa: F811
    acct = account_with_contacts
    posted = {topic: ["email"] for topic in SERVICE_TOPICS} | {"bills": ["inbox"]}
    response = client_in.post(f"/accounts/{acct.code}/notifications/preferences/", posted)
    assert response.status_code == 400
    error = _error_of(response.text, "bills")
    assert "Hoá đơn tiền điện và hạn thanh toán phải đến được với quý khách" in error
    assert "E-mail, Tin nhắn SMS" in error
    assert "ngừng cấp điện" not in error  # the old message gave the outages' reason for every topic
    assert _error_of(response.text, "programmes") == "" and _error_of(response.text, "planned_outage") == ""


def test_a_refused_service_notice_gives_its_reason_in_english(client_in, account_with_contacts):  # noqa: F811
    acct = account_with_contacts
    client_in.post(reverse("set_language"), {"language": "en"})
    posted = {topic: ["email"] for topic in SERVICE_TOPICS} | {"planned_outage": []}
    response = client_in.post(f"/accounts/{acct.code}/notifications/preferences/", posted)
    assert response.status_code == 400
    error = _error_of(response.text, "planned_outage")
    assert "Planned outages must be announced to you in advance" in error
    assert "Lịch" not in error
