"""The customer's own account pages: password change and reset, contact changes, bill delivery, several contracts.

Codes and links are read from the outbox as the customer's phone or mailbox gets them (tests.notifications.builders).
"""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from gridcare.core.models import AuditEntry
from gridcare.customers import selectors as customer_selectors
from gridcare.customers.models import AccountLink, ContactChange
from gridcare.notifications import delivery, selectors, services
from gridcare.notifications.models import OtpChallenge, OutboxMessage, Preference, PushSubscription, Template
from gridcare.org.models import StaffRole
from tests import factories
from tests.notifications.builders import code_sent
from tests.portal.builders import PASSWORD, portal_login
from tests.tasks import run_queued_tasks

NEW_PASSWORD = "Đèn-sáng-2026-mới"  # noqa: S105 - a test password


@pytest.fixture
def home(world):
    """A household contract with a phone and a portal login."""
    acct = factories.account(world, name="Lê Văn Hải", phone="+84901000111")
    portal_login(acct)
    return acct


@pytest.fixture
def me(client, home):
    client.force_login(home.customer.user)
    return client


def last_message(acct, **filters) -> OutboxMessage:
    message = OutboxMessage.objects.filter(account=acct, **filters).order_by("-pk").first()
    assert message is not None, "nothing was queued"
    return message


def security_notices(acct) -> list[str]:
    """The channels the account's security notices were queued on (the customer's channels)."""
    rows = OutboxMessage.objects.filter(account=acct, notice__template_key="security_notice").order_by("pk")
    return list(rows.values_list("channel", flat=True))


# --- password -------------------------------------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_checks_the_new_one_in_vietnamese(me, home):
    page = me.post("/profile/password/", {"current_password": "sai", "new_password1": NEW_PASSWORD,
                                          "new_password2": NEW_PASSWORD})  # fmt: skip
    assert page.status_code == 200 and "Mật khẩu hiện tại chưa đúng" in page.text
    page = me.post("/profile/password/", {"current_password": PASSWORD, "new_password1": "12345678",
                                          "new_password2": "12345678"})  # fmt: skip
    assert "Mật khẩu không được chỉ gồm chữ số" in page.text and "quá phổ biến" in page.text
    page = me.post("/profile/password/", {"current_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                          "new_password2": NEW_PASSWORD + "x"})  # fmt: skip
    assert "Hai lần nhập mật khẩu mới chưa giống nhau" in page.text
    home.customer.user.refresh_from_db()
    assert home.customer.user.check_password(PASSWORD)
    assert security_notices(home) == []


def test_a_changed_password_signs_out_other_sessions_keeps_this_one_is_audited_and_notified(me, home):
    elsewhere = Client()
    elsewhere.force_login(home.customer.user)
    assert elsewhere.get("/").status_code == 200
    response = me.post("/profile/password/", {"current_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                              "new_password2": NEW_PASSWORD}, follow=True)  # fmt: skip
    assert "Đã đổi mật khẩu" in response.text
    assert me.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # to the sign-in page
    assert authenticate(customer_code=home.code, password=NEW_PASSWORD) == home.customer.user
    entry = AuditEntry.objects.get(object_type="core.user", object_id=str(home.customer.user.pk))
    assert entry.reason == "portal: đổi mật khẩu" and NEW_PASSWORD not in str(entry.after)
    # Only a phone reaches this customer outside the portal: the notice goes by SMS and to the portal inbox.
    assert sorted(security_notices(home)) == ["inbox", "sms"]


def ask_reset(client, code, channel="sms"):
    response = client.post("/login/reset/", {"customer_code": code, "channel": channel})
    run_queued_tasks()
    return response


def test_a_forgotten_password_is_reset_with_the_code_sent_to_the_contracts_phone(client, home):
    elsewhere = Client()
    elsewhere.force_login(home.customer.user)
    response = ask_reset(client, home.code.lower())
    assert response.status_code == 302 and response["Location"] == "/login/reset/verify/"
    message = last_message(home, channel="sms")
    assert OtpChallenge.objects.get(account=home).purpose == "password_reset"
    weak = client.post("/login/reset/verify/", {"code": code_sent(message), "new_password1": "1234",
                                                "new_password2": "1234"})  # fmt: skip
    assert (
        weak.status_code == 200 and "Mật khẩu quá ngắn: hãy dùng ít nhất 8 ký tự" in weak.text
    )  # the code is not spent on a bad password
    response = client.post("/login/reset/verify/", {"code": code_sent(message), "new_password1": NEW_PASSWORD,
                                                    "new_password2": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/profile/"
    assert client.session["_auth_user_id"] == str(home.customer.user.pk)
    assert client.get("/profile/").status_code == 200
    assert authenticate(customer_code=home.code, password=NEW_PASSWORD) is not None
    assert elsewhere.get("/").status_code == 302
    assert "sms" in security_notices(home)
    assert AuditEntry.objects.filter(object_type="core.user", reason="portal: đặt lại mật khẩu").count() == 1


def test_a_sign_in_code_does_not_reset_a_password_nor_an_expired_code(client, home):
    client.post("/login/otp/", {"customer_code": home.code, "channel": "sms"})
    run_queued_tasks()
    signin_code = code_sent(last_message(home))
    ask_reset(client, home.code)
    data = {"code": signin_code, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    if signin_code != code_sent(last_message(home)):
        assert "Mã xác thực chưa đúng" in client.post("/login/reset/verify/", data).text
    reset_code = code_sent(last_message(home))
    OtpChallenge.objects.filter(purpose="password_reset").update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    data["code"] = reset_code
    assert "Mã xác thực chưa đúng" in client.post("/login/reset/verify/", data).text
    home.customer.user.refresh_from_db()
    assert home.customer.user.check_password(PASSWORD)


def test_wrong_reset_codes_lock_like_the_code_sign_in_and_share_its_counters(client, home, settings):
    settings.GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT = 3
    ask_reset(client, home.code)
    right = code_sent(last_message(home))
    wrong = "000000" if right != "000000" else "111111"
    data = {"code": wrong, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    statuses = [client.post("/login/reset/verify/", data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    data["code"] = right
    locked = client.post("/login/reset/verify/", data)
    assert locked.status_code == 429 and "tạm dừng" in locked.text
    # The same counter as the code sign-in: that is locked for this customer code from this address too.
    client.session["gc_otp_code"] = home.code
    assert client.post("/login/otp/", {"customer_code": home.code, "channel": "sms"}).status_code == 429


def test_reset_asks_are_limited_per_address_and_answer_alike_for_unknown_codes(client, home, settings):
    settings.GRIDCARE_OTP_MAX_REQUESTS_PER_ADDRESS_PER_HOUR = 2
    assert ask_reset(client, "PB99999999999").status_code == 302
    assert ask_reset(client, home.code).status_code == 302
    assert ask_reset(client, home.code).status_code == 429
    assert OutboxMessage.objects.filter(account=home).count() == 1


# --- contact details ------------------------------------------------------------------------------------------


def confirmation_link(acct) -> str:
    text = selectors.outbox_message_text(message=last_message(acct, channel="email"))
    return re.search(r"http://testserver(/email/confirm/[^ ]+/)", text).group(1)


def test_a_new_email_counts_only_after_its_link_is_confirmed(me, home):
    response = me.post("/profile/email/", {"email": "hai.le@example.vn"}, follow=True)
    assert "Đã gửi thư xác nhận tới hai.le@example.vn" in response.text
    home.refresh_from_db()
    assert home.email == ""
    change = ContactChange.objects.get(account=home)
    assert (change.kind, change.status, change.new_value) == ("email", "pending", "hai.le@example.vn")
    # The sender takes the address from the row: the link goes to the new mailbox, not the contract's contact.
    delivery.deliver_batch(channel="email")
    assert [m.to for m in mail.outbox] == [["hai.le@example.vn"]]
    link = confirmation_link(home)
    assert link in mail.outbox[0].body
    assert "hai.le@example.vn" in Client().get(link).text  # opening (a mail scanner) changes nothing
    home.refresh_from_db()
    assert home.email == ""
    assert "Đã xác nhận" in Client().post(link).text
    home.refresh_from_db()
    change.refresh_from_db()
    assert (
        home.email == "hai.le@example.vn" and change.status == "confirmed" and change.confirmed_at is not None
    )
    assert "email" in security_notices(home)
    assert Client().post(link).status_code == 400  # a link works once
    assert AuditEntry.objects.filter(object_type="customers.account", object_id=str(home.pk),
                                     after__email="hai.le@example.vn").exists()  # fmt: skip


def test_an_expired_or_forged_email_link_changes_nothing(me, home, settings):
    me.post("/profile/email/", {"email": "hai.le@example.vn"})
    link = confirmation_link(home)
    later = time.time() + 25 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        expired = Client().post(link)
    assert expired.status_code == 400 and "hết hạn" in expired.text
    forged = Client().post(link.replace("/confirm/", "/confirm/x"))
    assert forged.status_code == 400 and "không đúng" in forged.text
    home.refresh_from_db()
    assert home.email == ""
    assert me.post("/profile/email/", {"email": "không-phải-email"}).status_code == 200


def test_a_new_phone_is_confirmed_by_a_code_to_it_and_the_old_number_is_told(me, home):
    home.zalo_user_id = "phone:+84901000111"
    home.save(update_fields=["zalo_user_id"])
    assert "ví dụ 0912345678" in me.post("/profile/phone/", {"phone": "12"}).text
    response = me.post("/profile/phone/", {"phone": "0912 000 222"})
    assert response.status_code == 302 and response["Location"] == "/profile/phone/verify/"
    message = last_message(home, channel="sms")
    assert message.context["deliver_to"] == "+84912000222"
    assert (
        me.post(
            "/profile/phone/verify/", {"code": "999999" if code_sent(message) != "999999" else "888888"}
        ).status_code
        == 200
    )
    home.refresh_from_db()
    assert home.phone == "+84901000111"
    response = me.post("/profile/phone/verify/", {"code": code_sent(message)})
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.phone == "+84912000222" and home.zalo_user_id == ""  # Zalo was confirmed for the old number
    old = OutboxMessage.objects.filter(account=home, context__deliver_to="+84901000111").get()
    assert old.notice.template_key == "security_notice" and old.channel == "sms"
    assert ContactChange.objects.get(account=home, kind="phone").status == "confirmed"


def test_zalo_is_linked_by_a_code_sent_through_zalo(me, home):
    Template.objects.filter(channel="zalo").update(
        zns_template_id="zns-approved-1"
    )  # each OA's own approved ids
    response = me.post("/profile/zalo/")
    assert response.status_code == 302
    message = last_message(home, channel="zalo")
    assert message.context["deliver_to"] == home.phone
    me.post("/profile/zalo/verify/", {"code": code_sent(message)})
    home.refresh_from_db()
    assert home.zalo_user_id == f"phone:{home.phone}"
    assert "zalo" in security_notices(home)


def test_staff_of_the_team_read_the_history_and_staff_of_another_team_do_not(me, home, world):
    from tests.backoffice.builders import staff, verified_login

    me.post("/profile/email/", {"email": "hai.le@example.vn"})
    change = ContactChange.objects.get(account=home)
    ours = Client()
    verified_login(ours, staff(unit=home.unit, role=StaffRole.OPERATOR, username="nv.doi.a"))
    page = ours.get(f"/backoffice/customers/account/{home.pk}/change/")
    assert page.status_code == 200 and "hai.le@example.vn" in page.text
    assert ours.get(f"/backoffice/customers/contactchange/{change.pk}/change/").status_code == 200
    other = Client()
    verified_login(other, staff(unit=world["teams"][1], role=StaffRole.ADMINISTRATOR, username="nv.doi.b"))
    listing = other.get("/backoffice/customers/contactchange/")
    assert "hai.le@example.vn" not in listing.text
    assert other.get(f"/backoffice/customers/contactchange/{change.pk}/change/").status_code in (
        302,
        403,
        404,
    )


# --- bill delivery --------------------------------------------------------------------------------------------


def test_bills_arrive_as_chosen_and_the_choice_is_counted(me, home, world):
    home.email = "hai@example.vn"
    home.save(update_fields=["email"])
    response = me.post("/profile/bill-delivery/", {"choice": "email"}, follow=True)
    assert "Đã lưu cách nhận hoá đơn" in response.text
    home.refresh_from_db()
    assert home.bill_delivery == "email"
    notice = services.notify(topic="bills", recipients=[home.pk], template="bill_ready",
                             context={"period": "11/2026", "amount": {"vnd": 1000}, "due_on": {"date": "2026-12-20"}})  # fmt: skip
    assert sorted(OutboxMessage.objects.filter(notice=notice).values_list("channel", flat=True)) == [
        "email",
        "inbox",
    ]
    me.post("/profile/bill-delivery/", {"choice": "paper"})
    home.refresh_from_db()
    assert home.bill_delivery == "paper"
    assert list(customer_selectors.paper_bill_accounts()) == [home]
    enabled = set(
        Preference.objects.filter(account=home, topic="bills", enabled=True).values_list("channel", flat=True)
    )
    assert enabled == {"inbox", "sms"}
    other = factories.account(world)
    counts = customer_selectors.bill_delivery_counts()
    assert (counts["paper"], counts["unchosen"], counts["email"]) == (1, 1, 0)
    by_unit = customer_selectors.bill_delivery_counts(by_unit=True)
    assert sum(c["total"] for c in by_unit.values()) == 2 and other.unit_id in by_unit


def test_a_choice_that_cannot_reach_the_customer_is_refused_and_keeps_the_previous_one(me, home):
    response = me.post("/profile/bill-delivery/", {"choice": "app"}, follow=True)
    assert "Nhận thông báo trên điện thoại này" in response.text
    response = me.post("/profile/bill-delivery/", {"choice": "zalo"}, follow=True)
    assert "chưa liên kết Zalo" in response.text
    home.refresh_from_db()
    assert home.bill_delivery == ""
    PushSubscription.objects.create(account=home, endpoint="https://fcm.googleapis.com/fcm/send/x", p256dh="k",
                                    auth="a", created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    me.post("/profile/bill-delivery/", {"choice": "app"})
    home.refresh_from_db()
    assert home.bill_delivery == "app"


# --- several contracts ----------------------------------------------------------------------------------------


@pytest.fixture
def second(world):
    """A contract of another customer (a tenant's house), with a phone and no portal login."""
    return factories.account(world, name="Nguyễn Thị Mai", phone="+84901000222")


def add_account(client, acct, channel="sms"):
    response = client.post("/profile/accounts/add/", {"customer_code": acct.code, "channel": channel})
    run_queued_tasks()
    return response


def test_a_second_contract_is_added_by_its_code_and_a_code_to_its_phone_then_switched_to(me, home, second):
    assert me.get(f"/accounts/{second.code}/").status_code == 404
    assert me.post("/profile/switch/", {"code": second.code}).status_code == 404
    response = add_account(me, second)
    assert response.status_code == 302 and response["Location"] == "/profile/accounts/add/verify/"
    message = last_message(second, channel="sms")
    assert OtpChallenge.objects.get(account=second).purpose == "account_link"
    response = me.post("/profile/accounts/add/verify/", {"code": code_sent(message)})
    assert response.status_code == 302
    link = AccountLink.objects.get(account=second)
    assert link.user == home.customer.user and link.verified_at is not None
    assert "sms" in security_notices(second)  # the contract's own customer hears of it
    assert AuditEntry.objects.filter(object_type="customers.accountlink", action="create").exists()
    assert {a.code for a in customer_selectors.accounts_for_user(user=home.customer.user)} == {
        home.code,
        second.code,
    }
    assert me.get(f"/accounts/{second.code}/").status_code == 200
    profile = me.get("/profile/")
    assert f"Liên hệ của hợp đồng {second.code}" in profile.text  # the chosen contract
    me.post("/profile/switch/", {"code": home.code})
    assert f"Liên hệ của hợp đồng {home.code}" in me.get("/profile/").text
    # Unlinking: the contract is out of reach again; one's own contract cannot be unlinked.
    assert me.post(f"/profile/accounts/{home.code}/unlink/").status_code == 404
    assert me.post(f"/profile/accounts/{second.code}/unlink/").status_code == 302
    assert me.get(f"/accounts/{second.code}/").status_code == 404
    assert "sms" in security_notices(second)
    assert AuditEntry.objects.filter(object_type="customers.accountlink", action="delete").exists()


def test_a_wrong_code_adds_nothing_and_another_customer_still_gets_404(me, home, second, world, settings):
    settings.GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT = 2
    add_account(me, second)
    right = code_sent(last_message(second))
    wrong = "000000" if right != "000000" else "111111"
    assert me.post("/profile/accounts/add/verify/", {"code": wrong}).status_code == 200
    assert me.post("/profile/accounts/add/verify/", {"code": wrong}).status_code == 429
    assert me.post("/profile/accounts/add/verify/", {"code": right}).status_code == 429
    assert not AccountLink.objects.exists()
    stranger = factories.account(world, name="Người Lạ", phone="+84901000333")
    portal_login(stranger)
    other = Client()
    other.force_login(stranger.customer.user)
    for url in (f"/accounts/{home.code}/", f"/accounts/{second.code}/"):
        assert other.get(url).status_code == 404
    assert other.post("/profile/switch/", {"code": home.code}).status_code == 404
    assert other.post(f"/profile/accounts/{second.code}/unlink/").status_code == 404
