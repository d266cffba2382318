"""Sign-in to the portal by a one-time code sent by SMS or Zalo to the contract's phone."""

import pytest
from django.test import Client

from gridcare.notifications.models import Notice, OtpChallenge, OutboxMessage
from tests import factories
from tests.notifications.builders import code_sent
from tests.portal.builders import PASSWORD, portal_login
from tests.tasks import run_queued_tasks

REQUEST = "/login/otp/"
VERIFY = "/login/otp/verify/"


@pytest.fixture
def phone_account(world):
    acct = factories.account(world, name="Phạm Thị Dung", phone="+84901000123")
    acct.zalo_user_id = "zalo-123"
    acct.save(update_fields=["zalo_user_id"])
    portal_login(acct)
    return acct


def ask(client, code, channel="sms", **kwargs):
    """Ask for a code, then let the background worker issue it."""
    response = client.post(REQUEST, {"customer_code": code, "channel": channel}, **kwargs)
    run_queued_tasks()
    return response


def sent_code(acct) -> str:
    """The code as the customer's phone receives it: the text queued in the outbox for that account."""
    message = OutboxMessage.objects.filter(account=acct).order_by("-pk").first()
    assert message is not None, "no code was queued"
    return code_sent(message)


def test_a_code_by_sms_signs_the_customer_in_with_a_new_session(client, phone_account):
    client.get(REQUEST)
    before = client.session.session_key
    response = ask(client, phone_account.code.lower(), "sms")
    assert response.status_code == 302 and response["Location"] == VERIFY
    message = OutboxMessage.objects.get(account=phone_account)
    assert (message.channel, message.urgent, message.notice.topic) == ("sms", True, "security")
    response = client.post(VERIFY, {"code": sent_code(phone_account)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(phone_account.customer.user.pk)
    assert client.session.session_key != before
    assert client.get("/").status_code == 200


def test_a_code_can_go_by_zalo(client, phone_account):
    ask(client, phone_account.code, "zalo")
    assert OutboxMessage.objects.get(account=phone_account).channel == "zalo"


def test_the_answer_is_the_same_whether_the_code_exists_or_reaches_anyone(client, world, phone_account):
    no_zalo = factories.account(world, phone="+84901000124")
    portal_login(no_zalo)
    no_login = factories.account(world, phone="+84901000125")
    answers = []
    for code, channel in (
        (phone_account.code, "sms"),
        (no_zalo.code, "zalo"),
        (no_login.code, "sms"),
        ("PB99999999999", "sms"),
    ):
        response = ask(client, code, channel, follow=True)
        text = response.text.replace(code, "CODE")
        answers.append(
            (response.status_code, response.redirect_chain, text.split('name="csrfmiddlewaretoken"')[0])
        )
    assert all(answer == answers[0] for answer in answers[1:])
    assert OutboxMessage.objects.count() == 1  # only the account that can receive it got a code


def test_a_wrong_code_is_refused_counted_and_the_right_one_then_works(client, phone_account):
    ask(client, phone_account.code, "sms")
    right = sent_code(phone_account)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "chưa đúng hoặc đã hết hạn" in response.text
    assert "_auth_user_id" not in client.session
    assert OtpChallenge.objects.get(account=phone_account).attempts == 1
    assert client.post(VERIFY, {"code": right}).status_code == 302


def test_a_code_works_once(client, phone_account):
    ask(client, phone_account.code, "sms")
    code = sent_code(phone_account)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    session = client.session
    session["gc_otp_code"] = phone_account.code
    session.save()
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_expired_code_is_refused(client, phone_account, settings):
    settings.GRIDCARE_OTP_TTL_SECONDS = 0
    ask(client, phone_account.code, "sms")
    response = client.post(VERIFY, {"code": sent_code(phone_account)})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_issuing_is_rate_limited_without_saying_so(client, phone_account, settings):
    settings.GRIDCARE_OTP_MAX_PER_HOUR = 2
    answers = {ask(client, phone_account.code, "sms")["Location"] for _ in range(4)}
    assert answers == {VERIFY}
    assert OtpChallenge.objects.filter(account=phone_account).count() == 2
    assert Notice.objects.filter(key__startswith="otp:").count() == 2


def test_repeated_wrong_codes_lock_the_code_sign_in(client, phone_account, settings):
    settings.GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT = 3
    ask(client, phone_account.code, "sms")
    right = sent_code(phone_account)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    statuses = [client.post(VERIFY, {"code": wrong}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.post(VERIFY, {"code": right})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert "19001006" in response.text
    # Asking for a new code for a locked customer code is refused as well.
    assert ask(client, phone_account.code, "sms").status_code == 429


def test_the_code_must_be_six_digits(client, phone_account):
    ask(client, phone_account.code, "sms")
    response = client.post(VERIFY, {"code": "12ab"})
    assert response.status_code == 200 and "đúng 6 chữ số" in response.text
    assert OtpChallenge.objects.get(account=phone_account).attempts == 0


def test_verify_without_a_request_goes_back_to_step_one(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"] == REQUEST


def test_signin_page_offers_the_one_time_code(client):
    page = client.get("/login/")
    assert "Đăng nhập bằng mã OTP" in page.text and f'href="{REQUEST}"' in page.text


def test_next_is_kept_through_both_steps(client, phone_account):
    target = f"/accounts/{phone_account.code}/notifications/"
    response = client.post(REQUEST, {"customer_code": phone_account.code, "channel": "sms", "next": target})
    run_queued_tasks()
    assert response["Location"].startswith(VERIFY + "?next=")
    response = client.post(response["Location"], {"code": sent_code(phone_account), "next": target})
    assert response["Location"] == target


def test_the_request_does_the_same_work_whether_the_code_exists(client, world, phone_account):
    """Timing must not tell either: the request only queues a task; the lookup happens in the worker."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def statements(code):
        client = Client()
        client.get(REQUEST)
        with CaptureQueriesContext(connection) as queries:
            client.post(REQUEST, {"customer_code": code, "channel": "sms"})
        # The statement kind and the first table it names (savepoint names differ from call to call).
        kinds = [(q["sql"].split(" ")[0], q["sql"].split('"')[1:2]) for q in queries.captured_queries]
        return [(kind, table if kind not in ("SAVEPOINT", "RELEASE") else []) for kind, table in kinds]

    existing, unknown = statements(phone_account.code), statements("PB99999999999")
    assert existing == unknown
    assert ("SELECT", ["customers_account"]) not in existing
    assert not OtpChallenge.objects.exists()  # nothing issued before the worker runs
    run_queued_tasks()
    assert OtpChallenge.objects.filter(account=phone_account).count() == 1


def test_wrong_codes_do_not_lock_the_password_sign_in(client, phone_account, settings):
    settings.GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT = 3
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    ask(client, phone_account.code, "sms")
    wrong = f"{(int(sent_code(phone_account)) + 1) % 10**6:06d}"
    for _ in range(4):
        client.post(VERIFY, {"code": wrong})
    assert client.post(VERIFY, {"code": wrong}).status_code == 429
    response = client.post("/login/", {"customer_code": phone_account.code, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(
        phone_account.customer.user.pk
    )


def test_wrong_passwords_do_not_lock_the_code_sign_in(client, phone_account, settings):
    settings.GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    for _ in range(4):
        client.post("/login/", {"customer_code": phone_account.code, "password": "wrong"})
    ask(client, phone_account.code, "sms")
    assert client.post(VERIFY, {"code": sent_code(phone_account)}).status_code == 302


def test_code_requests_are_limited_per_address_whatever_the_customer_code(client, world, settings):
    settings.GRIDCARE_OTP_MAX_REQUESTS_PER_ADDRESS_PER_HOUR = 10
    accounts = []
    for n in range(11):
        acct = factories.account(world, phone=f"+8490100{n:04d}")
        portal_login(acct, password=f"mật-khẩu-{n}-dài-đủ")
        accounts.append(acct)
    statuses = [ask(client, acct.code, "sms", REMOTE_ADDR="198.51.100.7").status_code for acct in accounts]
    assert statuses == [302] * 10 + [429]
    assert OutboxMessage.objects.count() == 10
    # Another address is not held back by this one.
    assert ask(Client(), accounts[-1].code, "sms", REMOTE_ADDR="203.0.113.8").status_code == 302
    assert OutboxMessage.objects.filter(account=accounts[-1]).count() == 1


def test_codes_sent_in_all_are_capped_per_hour(world, settings):
    settings.GRIDCARE_OTP_MAX_PER_HOUR_GLOBAL = 3
    accounts = []
    for n in range(5):
        acct = factories.account(world, phone=f"+8490200{n:04d}")
        portal_login(acct, password=f"mật-khẩu-{n}-dài-đủ")
        accounts.append(acct)
    for n, acct in enumerate(accounts):
        # Each from an address of its own: the cap holds against many addresses (SMS pumping).
        ask(Client(), acct.code, "sms", REMOTE_ADDR=f"198.51.100.{n + 1}")
    assert OutboxMessage.objects.count() == 3
    assert OtpChallenge.objects.count() == 3
