"""Back-office pages: the outbox list (filters, search, unit scoping), templates checked on save, reachability."""

import pytest

from gridcare.notifications import delivery, services
from gridcare.notifications.models import OutboxMessage, Template
from tests.backoffice.builders import staff, superuser, verified_login
from tests.notifications.builders import NOON, code_sent, contact_account, template


@pytest.fixture(autouse=True)
def unhashed_static(settings):
    """The manifest storage needs `collectstatic`; the admin pages only need the names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_outbox_list_filters_and_searches_by_customer_code(world, client):
    a = contact_account(world, phone="+84901000001")
    b = contact_account(world, email="b@example.vn")
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[a.pk, b.pk], template="hello", now=NOON)
    verified_login(client, superuser())
    page = client.get("/backoffice/notifications/outboxmessage/", {"channel__exact": "sms"})
    assert page.status_code == 200
    assert a.code in page.text and b.code not in page.text
    page = client.get("/backoffice/notifications/outboxmessage/", {"q": b.code})
    assert b.code in page.text and a.code not in page.text


def test_staff_see_only_their_units_messages(world, client):
    team_a, team_b = world["teams"]
    mine = contact_account(world, phone="+84901000001", team=team_a)
    theirs = contact_account(world, phone="+84901000002", team=team_b)
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[mine.pk, theirs.pk], template="hello", now=NOON)
    verified_login(client, staff(unit=team_a, role="viewer"))
    page = client.get("/backoffice/notifications/outboxmessage/")
    assert page.status_code == 200
    assert mine.code in page.text and theirs.code not in page.text
    report = client.get("/backoffice/notifications/outboxmessage/reachability/")
    assert report.status_code == 200
    assert team_a.name in report.text and team_b.name not in report.text


def test_retry_action_requeues_failed_messages(world, client, sms_server, clock):
    acct = contact_account(world, phone="0901000001")  # refused by the provider
    template(key="hello", channel="sms", body="Xin chao")
    services.notify(topic="programmes", recipients=[acct.pk], template="hello", now=NOON)
    delivery.deliver_batch(channel="sms", clock=clock, sleep=clock.sleep)
    row = OutboxMessage.objects.get(channel="sms")
    assert row.status == "failed"
    verified_login(client, superuser())
    client.post(
        "/backoffice/notifications/outboxmessage/", {"action": "retry_failed", "_selected_action": [row.pk]}
    )
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0)


def test_template_form_rejects_bad_placeholders_and_unbounded_zalo_parameters(world, client):
    verified_login(client, superuser())
    data = {"key": "k", "topic": "bills", "channel": "zalo", "language": "vi", "subject": "", "body": "{amount}",
            "parameters": "{}", "zns_template_id": "1", "active": "on"}  # fmt: skip
    page = client.post("/backoffice/notifications/template/add/", data)
    assert page.status_code == 200 and not Template.objects.filter(key="k").exists()
    page = client.post("/backoffice/notifications/template/add/", {**data, "body": "{a.b}"})
    assert not Template.objects.filter(key="k").exists()
    page = client.post("/backoffice/notifications/template/add/", {**data, "parameters": '{"amount": 20}'})
    assert page.status_code == 302 and Template.objects.filter(key="k").exists()


def test_outbox_row_shows_the_text_the_customer_got(world, client):
    acct = contact_account(world, phone="+84901000001", language="en")
    template(key="hello", channel="sms", language="en", body="Hello {customer_code}, {amount}")
    services.notify(
        topic="bills", recipients={acct.pk: {"amount": {"vnd": 1234567}}}, template="hello", now=NOON
    )
    row = OutboxMessage.objects.get(channel="sms")
    verified_login(client, superuser())
    page = client.get(f"/backoffice/notifications/outboxmessage/{row.pk}/change/")
    assert page.status_code == 200
    assert f"Hello {acct.code}, 1,234,567 d" in page.text


def test_outbox_row_hides_a_one_time_code_from_staff_unless_the_demo_shows_it(world, client, settings):
    acct = contact_account(world, phone="+84901000001")
    challenge = services.otp_issue(account=acct, channel="sms", now=NOON)
    row = OutboxMessage.objects.get(notice__key=f"otp:{challenge.pk}")
    code = code_sent(row)
    verified_login(client, superuser())
    page = client.get(f"/backoffice/notifications/outboxmessage/{row.pk}/change/")
    assert page.status_code == 200 and "******" in page.text and code not in page.text
    notice = client.get(f"/backoffice/notifications/notice/{row.notice_id}/change/")
    assert notice.status_code == 200 and code not in notice.text
    settings.GRIDCARE_OTP_SHOWN_TO_STAFF = True  # what `make demo` sets: it has no SMS provider
    assert code in client.get(f"/backoffice/notifications/outboxmessage/{row.pk}/change/").text
