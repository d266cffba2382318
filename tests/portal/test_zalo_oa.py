"""Zalo linked through the utility's Official Account, and contacts removed from the profile page.

The OA side is played by `tests.notifications.receipt_senders`: events in Zalo's format (`follow`, `unfollow`,
`user_send_text`), signed `mac = sha256(app_id + body + timestamp + OA secret key)` as Zalo signs them, posted to the
webhook (over real sockets in the last test).
"""

import re
import time

import pytest
from django.test import Client

from gridcare.core.models import AuditEntry
from gridcare.customers.models import ContactChange
from gridcare.notifications import selectors
from gridcare.notifications.defaults import template_rows
from gridcare.notifications.models import OutboxMessage, Preference, Template, ZaloOaEvent
from tests import factories
from tests.notifications.receipt_senders import ZALO_APP_ID, ZALO_OA_SECRET, ZaloOaSender, zalo_oa_event
from tests.portal.builders import portal_login

WEBHOOK = "/api/v1/notifications/receipts/zalo"
ZALO_USER = "8400112233445566"


@pytest.fixture
def oa(settings):
    settings.GRIDCARE_ZNS_WEBHOOK_SECRET = ZALO_OA_SECRET
    settings.GRIDCARE_ZNS_APP_ID = ZALO_APP_ID
    settings.GRIDCARE_ZALO_OA_ID = "oa-9"


@pytest.fixture
def home(world):
    acct = factories.account(world, name="Lê Văn Hải", phone="+84901000111")
    portal_login(acct)
    return acct


@pytest.fixture
def me(client, home):
    client.force_login(home.customer.user)
    return client


def webhook(client, event, user_id=ZALO_USER, **kwargs):
    body, headers = zalo_oa_event(event, user_id, **kwargs)
    return client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)


def shown_code(client) -> str:
    """The code the portal shows (as the customer reads it, with its dash)."""
    assert client.post("/profile/zalo/oa/").status_code == 302
    page = client.get("/profile/zalo/oa/")
    match = re.search(r'id="zalo-oa-code-value">([A-Z0-9]{4}-[A-Z0-9]{4})<', page.text)
    assert match, page.text
    return match.group(1)


def security_notice_channels(acct) -> list[str]:
    rows = OutboxMessage.objects.filter(account=acct, notice__template_key="security_notice").order_by("pk")
    return list(rows.values_list("channel", flat=True))


def enabled(acct, topic) -> set[str]:
    return {c for c, on in selectors.preferences_for_account(account=acct)[topic].items() if on}


def test_following_the_oa_and_sending_the_code_links_zalo_and_the_portal_shows_it(oa, me, home):
    code = shown_code(me)
    assert "Chưa nhận được mã" in me.get("/profile/zalo/oa/").text
    assert webhook(Client(), "follow").json()["outcome"] == "followed"
    home.refresh_from_db()
    assert home.zalo_user_id == ""  # following alone says nothing about which contract
    answer = webhook(Client(), "user_send_text", text=f"Mã của tôi: {code.lower()}")
    assert (
        answer.json()["outcome"] == "not_a_code"
    )  # words around it: not a code (and not counted as a guess)
    answer = webhook(Client(), "user_send_text", text=f" {code.lower()} ")
    assert answer.status_code == 200 and answer.json()["outcome"] == "linked"
    home.refresh_from_db()
    assert home.zalo_user_id == f"oa:{ZALO_USER}"
    change = ContactChange.objects.get(account=home, kind="zalo")
    assert (change.status, change.new_value, change.requested_by) == (
        "confirmed",
        f"oa:{ZALO_USER}",
        home.customer.user,
    )
    assert "zalo" in security_notice_channels(home)
    landed = me.get("/profile/zalo/oa/", follow=True)
    assert "Đã liên kết Zalo qua Zalo OA" in landed.text and "đã liên kết" in landed.text
    # The code worked once.
    assert webhook(Client(), "user_send_text", user_id="84999", text=code).json()["outcome"] == "wrong_code"


def test_forged_stale_replayed_and_foreign_events_are_refused_and_change_nothing(oa, me, home):
    code = shown_code(me)
    forged = zalo_oa_event("user_send_text", ZALO_USER, text=code, secret="guessed")
    assert (
        Client().post(WEBHOOK, data=forged[0], content_type="application/json", headers=forged[1]).status_code
        == 401
    )
    body, headers = zalo_oa_event("user_send_text", ZALO_USER, text=code)
    tampered = body.replace(ZALO_USER.encode(), b"8400999999999999")
    assert (
        Client().post(WEBHOOK, data=tampered, content_type="application/json", headers=headers).status_code
        == 401
    )
    stale = webhook(Client(), "user_send_text", text=code, at_ms=int((time.time() - 3 * 3600) * 1000))
    assert stale.status_code == 401
    other_oa = webhook(Client(), "user_send_text", text=code, oa_id="oa-of-someone-else")
    assert other_oa.json()["outcome"] == "ignored"
    home.refresh_from_db()
    assert home.zalo_user_id == "" and not ContactChange.objects.filter(account=home).exists()
    assert not ZaloOaEvent.objects.exists()
    # The genuine event links; the same body again is recognised and changes nothing, even after an unfollow.
    first = Client().post(WEBHOOK, data=body, content_type="application/json", headers=headers)
    assert first.json()["outcome"] == "linked"
    assert webhook(Client(), "unfollow", at_ms=int(time.time() * 1000) + 5).json()["outcome"] == "unlinked:1"
    replay = Client().post(WEBHOOK, data=body, content_type="application/json", headers=headers)
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    home.refresh_from_db()
    assert home.zalo_user_id == ""
    assert ContactChange.objects.filter(account=home, kind="zalo").count() == 2  # linked, then removed


def test_an_unfollow_unlinks_falls_back_to_sms_and_tells_the_customer_and_late_retries_do_not_relink(
    oa, me, home
):
    home.email = ""
    home.save(update_fields=["email"])
    code = shown_code(me)
    started = int(time.time() * 1000)
    follow = zalo_oa_event("follow", ZALO_USER, at_ms=started)
    webhook(Client(), "user_send_text", text=code, at_ms=started + 10)
    assert me.post("/profile/bill-delivery/", {"choice": "zalo"}).status_code == 302
    home.refresh_from_db()
    assert home.bill_delivery == "zalo" and enabled(home, "bills") == {"inbox", "zalo"}
    before = len(security_notice_channels(home))
    assert webhook(Client(), "unfollow", at_ms=started + 20).json()["outcome"] == "unlinked:1"
    home.refresh_from_db()
    assert home.zalo_user_id == "" and home.bill_delivery == ""
    assert "sms" in enabled(home, "bills") and "zalo" not in enabled(home, "bills")
    assert Preference.objects.get(account=home, topic="bills", channel="sms").enabled
    removed = ContactChange.objects.filter(account=home, kind="zalo").order_by("pk").last()
    assert (removed.old_value, removed.new_value, removed.status) == (f"oa:{ZALO_USER}", "", "confirmed")
    told = security_notice_channels(home)[before:]
    assert "sms" in told and "zalo" not in told
    notice = OutboxMessage.objects.filter(
        account=home, channel="sms", notice__template_key="security_notice"
    ).last()
    assert "bỏ quan tâm" in notice.notice.context["change"]["vi"]
    # Zalo re-sends the earlier follow late: older than the unfollow, it is kept but not applied.
    late = Client().post(WEBHOOK, data=follow[0], content_type="application/json", headers=follow[1])
    assert late.json()["outcome"] == "out_of_order"
    assert "chưa liên kết" in me.get("/profile/").text


def test_guessing_codes_through_the_oa_stops_after_five_and_an_expired_code_is_refused(
    oa, me, home, settings
):
    code = shown_code(me)
    for guess in ["AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"]:
        assert webhook(Client(), "user_send_text", text=guess).json()["outcome"] == "wrong_code"
    assert webhook(Client(), "user_send_text", text=code).json()["outcome"] == "locked"
    home.refresh_from_db()
    assert home.zalo_user_id == ""
    settings.GRIDCARE_ZALO_LINK_CODE_MINUTES = 0  # a code issued now is already past its time
    expired = shown_code(me)
    assert (
        webhook(Client(), "user_send_text", user_id="84777", text=expired).json()["outcome"] == "wrong_code"
    )
    assert (
        webhook(Client(), "user_send_text", user_id="84777", text=code).json()["outcome"] == "wrong_code"
    )  # replaced


# --- removing an e-mail or the Zalo link ------------------------------------------------------------------------


def test_removing_the_email_is_audited_falls_back_and_is_told_on_the_remaining_channels(me, home):
    home.email = "hai@example.vn"
    home.save(update_fields=["email"])
    me.post("/profile/bill-delivery/", {"choice": "email"})
    page = me.get("/profile/contact/email/remove/")
    assert (
        page.status_code == 200
        and "hai@example.vn" in page.text
        and "chọn lại cách nhận hoá đơn" in page.text
    )
    done = me.post("/profile/contact/email/remove/", follow=True)
    assert "Đã bỏ e-mail của hợp đồng" in done.text and "qua SMS" in done.text
    home.refresh_from_db()
    assert home.email == "" and home.bill_delivery == ""
    change = ContactChange.objects.get(account=home, kind="email")
    assert (change.old_value, change.new_value, change.status) == ("hai@example.vn", "", "confirmed")
    assert AuditEntry.objects.filter(
        object_type="customers.account", object_id=str(home.pk), after__email=""
    ).exists()
    assert "sms" in enabled(home, "bills")
    assert security_notice_channels(home)[-2:] == ["inbox", "sms"]  # not to the address that went


def test_removing_the_last_channel_that_reaches_the_customer_is_refused(me, home, world):
    home.phone = ""
    home.email = "hai@example.vn"
    home.save(update_fields=["phone", "email"])
    page = me.get("/profile/contact/email/remove/")
    assert "E-mail là kênh duy nhất" in page.text and 'id="remove-confirm"' not in page.text
    refused = me.post("/profile/contact/email/remove/")
    assert refused.status_code == 409 and "Hãy thêm số điện thoại" in refused.text
    home.refresh_from_db()
    assert home.email == "hai@example.vn" and not ContactChange.objects.filter(account=home).exists()
    assert me.get("/profile/contact/zalo/remove/").status_code == 200  # nothing to remove: says so
    assert "không có gì để bỏ" in me.get("/profile/contact/zalo/remove/").text
    assert me.get("/profile/contact/phone/remove/").status_code == 404


def test_removing_zalo_keeps_sms_and_another_customer_cannot_touch_it(me, home, world):
    home.zalo_user_id = f"phone:{home.phone}"
    home.save(update_fields=["zalo_user_id"])
    assert 'id="remove-zalo"' in me.get("/profile/").text
    me.post("/profile/contact/zalo/remove/")
    home.refresh_from_db()
    assert home.zalo_user_id == ""
    assert ContactChange.objects.get(account=home, kind="zalo").old_value == f"phone:{home.phone}"
    other = factories.account(world, name="Trần Thị Bích", phone="+84901000999")
    other.zalo_user_id = "phone:+84901000999"
    other.save(update_fields=["zalo_user_id"])
    portal_login(other)
    me.post("/profile/switch/", {"code": other.code})  # not this sign-in's contract: 404, nothing switched
    me.post("/profile/contact/zalo/remove/")
    other.refresh_from_db()
    assert other.zalo_user_id == "phone:+84901000999"


@pytest.mark.django_db(transaction=True)
def test_the_oa_posts_signed_events_over_http(world, live_server, oa):
    """The whole loop on sockets: Zalo's side posts follow, the code, a replay, a forgery and unfollow."""
    for key, topic, channel, language, subject, body, parameters in template_rows():
        Template.objects.get_or_create(key=key, channel=channel, language=language,
                                       defaults={"topic": topic, "subject": subject, "body": body, "parameters": parameters})  # fmt: skip
    acct = factories.account(world, name="Phan Văn Tú", phone="+84901000333")
    portal_login(acct)
    browser = Client()
    browser.force_login(acct.customer.user)
    code = shown_code(browser)
    sender = ZaloOaSender(live_server.url)
    try:
        assert sender.send("follow", ZALO_USER).json()["outcome"] == "followed"
        body, headers = zalo_oa_event("user_send_text", ZALO_USER, text=code)
        assert sender.post(body, headers).json()["outcome"] == "linked"
        assert sender.post(body, headers).json()["outcome"] == "duplicate"
        assert sender.send("unfollow", ZALO_USER, secret="not-the-key").status_code == 401
        acct.refresh_from_db()
        assert acct.zalo_user_id == f"oa:{ZALO_USER}"
        assert (
            sender.send("unfollow", ZALO_USER, at_ms=int(time.time() * 1000) + 5).json()["outcome"]
            == "unlinked:1"
        )
    finally:
        sender.close()
    acct.refresh_from_db()
    assert acct.zalo_user_id == ""
    assert "sms" in security_notice_channels(acct)
