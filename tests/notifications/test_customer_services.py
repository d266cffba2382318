"""Services the portal calls: preferences that never leave a customer unreachable, OTP codes, consumption alerts."""

import datetime as dt
import json

import pytest
from django.test import override_settings

from gridcare.notifications import selectors, services
from gridcare.notifications.models import ConsumptionAlert, Notice, OtpChallenge, OutboxMessage
from gridcare.notifications.services import NotificationError
from tests import factories
from tests.notifications.builders import NOON, code_sent, contact_account


def test_preferences_refuse_switching_off_every_reachable_channel(world):
    acct = contact_account(world, phone="+84901000001", email="a@example.vn", portal=True)
    with pytest.raises(NotificationError) as err:
        services.preferences_set(account=acct, topic="planned_outage", channels=["inbox"])
    assert err.value.code == "no_reachable_channel"
    assert err.value.details["reachable"] == ["email", "sms"]
    services.preferences_set(account=acct, topic="planned_outage", channels=["sms", "inbox"])
    prefs = selectors.preferences_for_account(account=acct)
    assert prefs["planned_outage"] == {
        "push": False,
        "inbox": True,
        "email": False,
        "sms": True,
        "zalo": False,
    }
    assert prefs["bills"]["email"] is True and prefs["bills"]["sms"] is False  # defaults elsewhere


def test_preferences_validate_topic_and_channel(world):
    acct = contact_account(world, phone="+84901000001")
    with pytest.raises(NotificationError):
        services.preferences_set(account=acct, topic="security", channels=["sms"])
    with pytest.raises(NotificationError):
        services.preferences_set(account=acct, topic="bills", channels=["fax"])


def test_otp_is_hashed_expires_and_counts_attempts(world):
    acct = contact_account(world, phone="+84901000001")
    challenge = services.otp_issue(account=acct, channel="sms", now=NOON)
    row = OutboxMessage.objects.get(notice__key=f"otp:{challenge.pk}")
    assert row.channel == "sms" and row.urgent
    code = code_sent(row)
    assert code not in challenge.code_hash
    wrong = "000000" if code != "000000" else "111111"
    assert services.otp_verify(account=acct, code=wrong, now=NOON) is False
    assert (
        services.otp_verify(account=acct, code=code, now=NOON + dt.timedelta(minutes=6)) is False
    )  # expired
    assert services.otp_verify(account=acct, code=code, now=NOON + dt.timedelta(minutes=1)) is True
    assert (
        services.otp_verify(account=acct, code=code, now=NOON + dt.timedelta(minutes=1)) is False
    )  # used once
    assert OtpChallenge.objects.get(pk=challenge.pk).attempts == 2


def test_a_one_time_code_is_sealed_in_the_notice_and_hidden_from_staff(world, settings):
    acct = contact_account(world, phone="+84901000001")
    challenge = services.otp_issue(account=acct, channel="sms", now=NOON)
    row = OutboxMessage.objects.get(notice__key=f"otp:{challenge.pk}")
    code = code_sent(row)  # the recipient's text holds it
    stored = json.dumps(Notice.objects.get(pk=row.notice_id).context) + json.dumps(row.context)
    assert code not in stored and "sealed" in stored  # nobody reading the tables sees it
    staff_view = selectors.outbox_message_text(message=row, hide_sealed=True)
    assert code not in staff_view and "******" in staff_view
    settings.SECRET_KEY = "another-installation-" + "x" * 40  # a key change makes it unreadable, not wrong
    assert selectors.outbox_message_text(message=row).startswith("[sealed_unreadable]")


@override_settings(GRIDCARE_OTP_MAX_ATTEMPTS=3)
def test_otp_locks_after_too_many_wrong_codes(world):
    acct = contact_account(world, phone="+84901000001")
    challenge = services.otp_issue(account=acct, channel="sms", now=NOON)
    code = code_sent(OutboxMessage.objects.get(notice__key=f"otp:{challenge.pk}"))
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert services.otp_verify(account=acct, code=wrong, now=NOON) is False
    assert services.otp_verify(account=acct, code=code, now=NOON) is False


@override_settings(GRIDCARE_OTP_MAX_PER_HOUR=2)
def test_otp_issue_is_rate_limited_and_needs_a_contact(world):
    acct = contact_account(world, phone="+84901000001")
    services.otp_issue(account=acct, channel="sms", now=NOON)
    services.otp_issue(account=acct, channel="sms", now=NOON + dt.timedelta(minutes=1))
    with pytest.raises(NotificationError) as err:
        services.otp_issue(account=acct, channel="sms", now=NOON + dt.timedelta(minutes=2))
    assert err.value.code == "otp_rate_limited"
    services.otp_issue(account=acct, channel="sms", now=NOON + dt.timedelta(minutes=61))
    with pytest.raises(NotificationError) as err:
        services.otp_issue(account=acct, channel="email", now=NOON)
    assert err.value.code == "otp_no_contact"


def test_consumption_alert_validation(world):
    acct = contact_account(world, email="a@example.vn")
    with pytest.raises(NotificationError):
        services.consumption_alert_set(account=acct, kind="kwh", threshold=0)
    alert = services.consumption_alert_set(account=acct, kind="percent", threshold=30)
    assert ConsumptionAlert.objects.get(account=acct).threshold == alert.threshold == 30


def test_consumption_alerts_fire_once_when_readings_cross(world):
    kwh_acct = contact_account(world, email="kwh@example.vn")
    pct_acct = contact_account(world, email="pct@example.vn")
    quiet_acct = contact_account(world, email="quiet@example.vn")
    # Monthly readings from 5 Jan 2026: consumption 100, 300 (kWh account); 200, 260 (+30 %); 200, 210.
    factories.readings(kwh_acct, [1000, 1100, 1400], start=dt.date(2026, 1, 5))
    factories.readings(pct_acct, [5000, 5200, 5460], start=dt.date(2026, 1, 5))
    factories.readings(quiet_acct, [7000, 7200, 7410], start=dt.date(2026, 1, 5))
    services.consumption_alert_set(account=kwh_acct, kind="kwh", threshold=250)
    services.consumption_alert_set(account=pct_acct, kind="percent", threshold=25)
    services.consumption_alert_set(account=quiet_acct, kind="percent", threshold=25)
    notice = services.consumption_alerts_evaluate(since=dt.date(2026, 3, 1), now=NOON)
    rows = {r.account_id: r for r in OutboxMessage.objects.filter(notice=notice).order_by("pk")}
    assert set(rows) == {kwh_acct.pk, pct_acct.pk}
    assert rows[kwh_acct.pk].context["kwh"] == {"kwh": 300} and rows[kwh_acct.pk].context["previous_kwh"] == {
        "kwh": 100
    }
    assert rows[pct_acct.pk].context["kwh"] == {"kwh": 260}
    # The same readings never alert twice.
    assert (
        services.consumption_alerts_evaluate(since=dt.date(2026, 3, 1), now=NOON + dt.timedelta(hours=1))
        is None
    )


def test_consumption_alert_handles_register_rollover(world):
    acct = contact_account(world, email="r@example.vn")
    factories.readings(acct, [999_900, 999_950], start=dt.date(2026, 2, 5))
    reading = acct.readings.order_by("read_on").last()
    factories.readings(acct, [], start=dt.date(2026, 4, 5))
    from gridcare.metering.models import Reading

    Reading.objects.create(
        meter=reading.meter, account=acct, read_on=dt.date(2026, 4, 5), total=150, rollover=True
    )
    services.consumption_alert_set(account=acct, kind="kwh", threshold=150)
    notice = services.consumption_alerts_evaluate(since=dt.date(2026, 4, 1), now=NOON)
    assert OutboxMessage.objects.get(notice=notice).context["kwh"] == {"kwh": 200}


def test_programmes_and_news_can_be_switched_off_but_a_service_notice_cannot(world):
    acct = contact_account(world, phone="+84901000001", email="a@example.vn", portal=True)
    services.preferences_set(account=acct, topic="programmes", channels=[])
    assert selectors.preferences_for_account(account=acct)["programmes"] == {
        "push": False, "inbox": False, "email": False, "sms": False, "zalo": False,
    }  # fmt: skip
    for topic in ("bills", "payments", "planned_outage", "incident", "service_request", "demand_response",
                  "consumption_alert"):  # fmt: skip
        with pytest.raises(NotificationError) as err:
            services.preferences_set(account=acct, topic=topic, channels=[])
        assert err.value.code == "no_reachable_channel"


def test_the_refusal_names_the_notice_and_the_channels_in_words(world):
    from django.utils import translation

    acct = contact_account(world, phone="+84901000001", email="a@example.vn", portal=True)
    with pytest.raises(NotificationError) as err:
        services.preferences_set(account=acct, topic="bills", channels=["inbox"])
    message = str(err.value)
    assert message.startswith("«hoá đơn tiền điện» là thông báo dịch vụ")
    assert (
        "(e-mail, tin nhắn SMS)" in message and "Chỉ «chương trình và tin tức» mới tắt hẳn được." in message
    )
    assert "cắt điện" not in message  # the old reason (outage notices) was given for every topic
    with translation.override("en"), pytest.raises(NotificationError) as err:
        services.preferences_set(account=acct, topic="bills", channels=["inbox"])
    assert str(err.value).startswith("“electricity bills” is a service notice")
