"""The portal's "Thông báo" page: channels per topic, the in-app inbox and the consumption alert."""

import datetime as dt
import io

import pytest

from gridcare.notifications import selectors, services
from gridcare.notifications.models import ConsumptionAlert, OutboxMessage, Preference, PushSubscription
from tests import factories
from tests.notifications.builders import NOON, template
from tests.portal.builders import portal_login
from tests.portal.test_browser import browser, phone  # noqa: F401 - fixtures of the browser test below


@pytest.fixture
def account_with_contacts(world):
    """An account with a phone and an e-mail (no Zalo, no push) and a portal login."""
    acct = factories.account(world, name="Lê Văn Cường", phone="+84901000001", email="cuong@example.vn")
    portal_login(acct)
    return acct


@pytest.fixture
def client_in(client, account_with_contacts):
    client.force_login(account_with_contacts.customer.user)
    return client


def page_url(acct, tail=""):
    return f"/accounts/{acct.code}/notifications/{tail}"


def test_page_offers_only_the_channels_the_account_can_use_and_says_why_not_the_others(
    client_in, account_with_contacts
):
    page = client_in.get(page_url(account_with_contacts))
    assert page.status_code == 200
    html = page.text
    assert 'name="bills" value="email"' in html
    assert 'name="bills" value="sms"' in html
    assert 'name="bills" value="inbox"' in html
    assert 'value="zalo"' not in html and 'value="push"' not in html
    assert "chưa liên kết Zalo" in html and "19001006" in html
    # Every choosable topic has its fieldset; the security codes are not a choice.
    for topic in (
        "bills",
        "payments",
        "planned_outage",
        "incident",
        "service_request",
        "demand_response",
        "programmes",
        "consumption_alert",
    ):
        assert f'id="topic-{topic}"' in html
    assert 'id="topic-security"' not in html


def test_saving_channels_stores_them_and_delivery_follows(client_in, account_with_contacts):
    acct = account_with_contacts
    data = {
        topic: ["email"]
        for topic in (
            "bills",
            "payments",
            "planned_outage",
            "incident",
            "service_request",
            "demand_response",
            "programmes",
            "consumption_alert",
        )
    }
    data["planned_outage"] = ["sms", "inbox"]
    response = client_in.post(page_url(acct, "preferences/"), data)
    assert response.status_code == 302
    prefs = selectors.preferences_for_account(account=acct)
    assert prefs["bills"] == {"push": False, "inbox": False, "email": True, "sms": False, "zalo": False}
    assert (
        prefs["planned_outage"]["sms"]
        and prefs["planned_outage"]["inbox"]
        and not prefs["planned_outage"]["email"]
    )
    page = client_in.get(page_url(acct))
    assert "Đã lưu lựa chọn nhận thông báo." in page.text
    assert 'value="sms" id="pref-planned_outage-sms" checked' in page.text
    assert 'value="email" id="pref-bills-email" checked' in page.text
    assert 'value="sms" id="pref-bills-sms">' in page.text


def test_switching_everything_off_is_explained_and_keeps_the_previous_choice(
    client_in, account_with_contacts
):
    acct = account_with_contacts
    services.preferences_set(account=acct, topic="bills", channels=["email"])
    before = list(
        Preference.objects.filter(account=acct)
        .order_by("topic", "channel")
        .values_list("topic", "channel", "enabled")
    )
    # Only the inbox for bills, nothing at all for outages: neither reaches the customer outside the portal.
    response = client_in.post(page_url(acct, "preferences/"), {"bills": ["inbox"], "programmes": ["sms"]})
    assert response.status_code == 400
    assert "Cần chọn ít nhất một trong các kênh" in response.text
    assert 'id="error-bills"' in response.text and 'id="error-planned_outage"' in response.text
    assert 'id="error-programmes"' not in response.text
    after = list(
        Preference.objects.filter(account=acct)
        .order_by("topic", "channel")
        .values_list("topic", "channel", "enabled")
    )
    assert after == before  # nothing saved, not even the valid topic
    assert 'value="email" id="pref-bills-email" checked' in response.text


def test_a_channel_not_offered_keeps_its_stored_choice(client_in, account_with_contacts):
    acct = account_with_contacts
    Preference.objects.create(account=acct, topic="programmes", channel="push", enabled=False)
    client_in.post(
        page_url(acct, "preferences/"),
        {
            t: ["sms"]
            for t in (
                "bills",
                "payments",
                "planned_outage",
                "incident",
                "service_request",
                "demand_response",
                "programmes",
                "consumption_alert",
            )
        },
    )
    PushSubscription.objects.create(
        account=acct, endpoint="https://push.example/1", p256dh="k", auth="a", created_at=NOON
    )
    prefs = selectors.preferences_for_account(account=acct)
    assert prefs["bills"]["push"] is True  # never offered, so still the default
    assert prefs["programmes"]["push"] is False  # refused earlier, still refused


def test_account_without_contacts_is_told_to_call_the_hotline(client, world):
    acct = factories.account(world)
    portal_login(acct)
    client.force_login(acct.customer.user)
    page = client.get(page_url(acct))
    assert 'id="no-contact"' in page.text
    response = client.post(page_url(acct, "preferences/"), {"bills": ["inbox"]})
    assert response.status_code == 302  # nothing reaches them but the portal: nothing to refuse


def test_inbox_lists_messages_newest_first_and_marks_them_read(client_in, account_with_contacts):
    acct = account_with_contacts
    template(
        key="news",
        channel="inbox",
        subject="Tin mới",
        body="Chương trình {name} cho {customer_code}",
        topic="programmes",
    )
    services.notify(
        topic="programmes",
        recipients=[acct.pk],
        template="news",
        context={"name": "tiết kiệm điện"},
        channels=["inbox"],
        now=NOON,
    )
    services.notify(
        topic="programmes",
        recipients=[acct.pk],
        template="news",
        context={"name": "giờ Trái Đất"},
        channels=["inbox"],
        now=NOON + dt.timedelta(hours=1),
    )
    page = client_in.get(page_url(acct))
    html = page.text
    assert html.index("giờ Trái Đất") < html.index("tiết kiệm điện")
    assert f"Chương trình tiết kiệm điện cho {acct.code}" in html
    assert html.count('class="inbox-item unread"') == 2
    first = OutboxMessage.objects.filter(account=acct, channel="inbox").order_by("pk").first()
    response = client_in.post(page_url(acct, "read/"), {"message": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client_in.get(page_url(acct)).text.count('class="inbox-item unread"') == 1
    client_in.post(
        page_url(acct, "read/"),
        {"message": [str(m) for m in OutboxMessage.objects.values_list("pk", flat=True)]},
    )
    assert not OutboxMessage.objects.filter(account=acct, read_at__isnull=True).exists()


def test_another_customers_account_is_not_found_and_untouched(client_in, world):
    other = factories.account(world, phone="+84901000009")
    template(key="news", channel="inbox", body="Xin chào", topic="programmes")
    portal_login(other)
    services.notify(topic="programmes", recipients=[other.pk], template="news", channels=["inbox"], now=NOON)
    assert client_in.get(page_url(other)).status_code == 404
    assert client_in.post(page_url(other, "preferences/"), {"bills": ["sms"]}).status_code == 404
    assert (
        client_in.post(
            page_url(other, "alert/"), {"active": "on", "kind": "kwh", "threshold": "5"}
        ).status_code
        == 404
    )
    push = {"endpoint": "https://push.example.net/x", "keys": {"p256dh": "k", "auth": "a"}}
    assert client_in.post(page_url(other, "push/"), push, content_type="application/json").status_code == 404
    assert not PushSubscription.objects.exists()
    message = OutboxMessage.objects.get(account=other)
    client_in.post(page_url(other, "read/"), {"message": [message.pk]})
    message.refresh_from_db()
    assert message.read_at is None
    assert not Preference.objects.filter(account=other).exists()
    assert not ConsumptionAlert.objects.filter(account=other).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, account_with_contacts):
    response = client.get(page_url(account_with_contacts))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_consumption_alert_is_set_changed_and_switched_off(client_in, account_with_contacts):
    acct = account_with_contacts
    response = client_in.post(page_url(acct, "alert/"), {"active": "on", "kind": "kwh", "threshold": "350"})
    assert response.status_code == 302
    alert = ConsumptionAlert.objects.get(account=acct)
    assert (alert.kind, alert.threshold, alert.active) == ("kwh", 350, True)
    client_in.post(page_url(acct, "alert/"), {"active": "on", "kind": "percent", "threshold": "30"})
    alert.refresh_from_db()
    assert (alert.kind, alert.threshold) == ("percent", 30)
    page = client_in.get(page_url(acct))
    assert 'name="threshold" value="30"' in page.text
    client_in.post(page_url(acct, "alert/"), {"kind": "percent", "threshold": "30"})
    alert.refresh_from_db()
    assert alert.active is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"active": "on", "kind": "percent", "threshold": "5000"}, "tối đa là 1000"),
        ({"active": "on", "kind": "kwh", "threshold": "0"}, "từ 1 trở lên"),
        ({"active": "on", "kind": "kwh", "threshold": "nhiều"}, "là một số nguyên"),
    ],
)
def test_a_wrong_alert_threshold_is_explained_and_nothing_saved(
    client_in, account_with_contacts, data, message
):
    response = client_in.post(page_url(account_with_contacts, "alert/"), data)
    assert response.status_code == 400
    assert message in response.text
    assert not ConsumptionAlert.objects.filter(account=account_with_contacts).exists()


def test_an_alert_set_on_the_page_reaches_the_inbox_when_readings_cross_it(client_in, account_with_contacts):
    acct = account_with_contacts
    factories.readings(acct, [1000, 1100, 1500], start=dt.date(2026, 1, 5))
    client_in.post(page_url(acct, "alert/"), {"active": "on", "kind": "kwh", "threshold": "300"})
    notice = services.consumption_alerts_evaluate(since=dt.date(2026, 3, 1), now=NOON)
    assert notice is not None
    page = client_in.get(page_url(acct))
    assert "Cảnh báo sản lượng điện" in page.text and 'class="inbox-item unread"' in page.text


@pytest.mark.parametrize(("form", "data"), [("alert/", {"active": "on", "kind": "kwh", "threshold": "350"}),
                                            ("preferences/", {t: ["email"] for t in ("bills", "payments", "planned_outage",
                                             "incident", "service_request", "demand_response", "programmes",
                                             "consumption_alert")})])  # fmt: skip
def test_after_saving_the_page_opens_on_the_message_that_says_so(
    client_in, account_with_contacts, form, data
):
    # The message is at the top of the page; landing on the form's anchor further down would scroll it out of view.
    response = client_in.post(page_url(account_with_contacts, form), data)
    assert response["Location"].endswith("#saved")
    page = client_in.get(response["Location"]).text
    assert page.index('id="saved"') < page.index('class="notice notice-ok"') < page.index('id="inbox"')


def test_account_page_links_to_notifications(client_in, account_with_contacts):
    page = client_in.get(f"/accounts/{account_with_contacts.code}/")
    assert page_url(account_with_contacts) in page.text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_preferences_page_on_a_phone_explains_a_refusal_and_passes_axe(account_with_contacts, phone):  # noqa: F811
    from tests.portal.test_browser import assert_fits_a_phone, serious_violations, sign_in

    page = phone
    acct = account_with_contacts
    sign_in(page, acct.code)
    page.goto(f"/accounts/{acct.code}/")
    page.get_by_role("link", name="Thông báo").click()
    page.wait_for_url(f"**/accounts/{acct.code}/notifications/")
    assert serious_violations(page) == []
    assert_fits_a_phone(page)
    bills = page.get_by_role("group", name="Hoá đơn tiền điện")
    for box in bills.get_by_role("checkbox").all():
        box.uncheck()
    bills.get_by_role("checkbox", name="Hộp thư trên cổng khách hàng").check()
    page.get_by_role("button", name="Lưu lựa chọn").click()
    assert page.locator("#error-bills").is_visible()
    assert page.locator("#preferences-refused").is_visible()
    assert serious_violations(page) == []
    assert_fits_a_phone(page)
    bills = page.get_by_role("group", name="Hoá đơn tiền điện")
    bills.get_by_role("checkbox", name="E-mail").check()
    page.get_by_role("button", name="Lưu lựa chọn").click()
    page.wait_for_selector("text=Đã lưu lựa chọn nhận thông báo.")
    assert page.foreign_requests == []


def _vapid_private_key() -> str:
    import base64

    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_push_button_appears_only_with_a_vapid_key_and_carries_the_public_key(
    client_in, account_with_contacts, settings
):
    from gridcare.portal.notifications import vapid_public_key

    settings.GRIDCARE_VAPID_PRIVATE_KEY = ""
    assert 'id="push-subscribe"' not in client_in.get(page_url(account_with_contacts)).text
    settings.GRIDCARE_VAPID_PRIVATE_KEY = _vapid_private_key()
    key = vapid_public_key()
    assert len(key) == 87  # 65 bytes, uncompressed P-256 point, base64url without padding
    page = client_in.get(page_url(account_with_contacts)).text
    assert f'data-key="{key}"' in page and "portal/notify.js" in page


def test_a_browser_subscription_makes_push_a_channel(client_in, account_with_contacts):
    acct = account_with_contacts
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
        "keys": {"p256dh": "BPublic", "auth": "secret"},
    }
    response = client_in.post(page_url(acct, "push/"), body, content_type="application/json")
    assert response.status_code == 201
    subscription = PushSubscription.objects.get(account=acct)
    assert (subscription.endpoint, subscription.p256dh, subscription.auth, subscription.active) == (
        body["endpoint"], "BPublic", "secret", True,
    )  # fmt: skip
    assert 'name="bills" value="push"' in client_in.get(page_url(acct)).text


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example.net/x", "keys": {"p256dh": "k", "auth": "a"}},
        {"endpoint": "https://push.example.net/x", "keys": {"p256dh": "k"}},
        {"endpoint": "https://push.example.net/x", "keys": {"p256dh": "", "auth": "a"}},
        {"keys": {"p256dh": "k", "auth": "a"}},
        "not an object",
    ],
)
def test_a_malformed_subscription_is_refused(client_in, account_with_contacts, body):
    response = client_in.post(page_url(account_with_contacts, "push/"), body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_subscription"
    assert not PushSubscription.objects.exists()


def test_the_consumption_alerts_command_alerts_an_alert_set_on_the_page_once(
    client_in, account_with_contacts
):
    from django.core.management import call_command

    acct = account_with_contacts
    factories.readings(acct, [1000, 1100, 1500], start=dt.date(2026, 1, 5))
    client_in.post(page_url(acct, "alert/"), {"active": "on", "kind": "percent", "threshold": "100"})
    call_command("consumption_alerts", "--since", "2026-03-01", stdout=io.StringIO())
    assert (
        OutboxMessage.objects.filter(account=acct, notice__topic="consumption_alert", channel="inbox").count()
        == 1
    )
    out = io.StringIO()
    call_command("consumption_alerts", "--since", "2026-03-01", stdout=out)  # the same reading alerts once
    assert "cho 0 hợp đồng" in out.getvalue()
    assert (
        OutboxMessage.objects.filter(account=acct, notice__topic="consumption_alert").count() == 2
    )  # inbox + e-mail


def test_a_form_address_opened_by_get_shows_the_page(client_in, account_with_contacts):
    for tail in ("preferences/", "alert/", "read/"):
        response = client_in.get(page_url(account_with_contacts, tail))
        assert response.status_code == 302 and response["Location"] == page_url(account_with_contacts)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ["Which channels notify you", "Electricity bills", "Consumption alert", "Save choices"]),
        ("fr", ["Par quels canaux être averti", "Alerte de consommation", "Enregistrer les choix"]),
    ],
)
def test_the_page_reads_in_english_and_french(client_in, account_with_contacts, language, texts):
    client_in.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client_in.get(page_url(account_with_contacts)).text
    assert f'lang="{language}"' in html
    assert [text for text in texts if text not in html] == []
