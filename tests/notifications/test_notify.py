"""notify(): set-based fan-out to the channels customers chose, idempotent, only when the caller commits."""

import datetime as dt

import numpy as np
import pytest
from django.db import transaction

from gridcare.notifications import selectors, services
from gridcare.notifications.models import Notice, OutboxMessage, Preference, PushSubscription
from tests.notifications.builders import NIGHT, NOON, contact_account, template


def channels_of(notice):
    rows = OutboxMessage.objects.filter(notice=notice).order_by("account_id", "channel")
    result = {}
    for row in rows:
        result.setdefault(row.account_id, set()).add(row.channel)
    return result


@pytest.fixture(params=["few", "many"])
def people(request, world, settings):
    # Both ways notify plans its query: for a few recipients (their choices looked up one by one) and for
    # many (the topic's choices in one pass, a merge join with the accounts on PostgreSQL).
    settings.GRIDCARE_NOTIFY_FEW_RECIPIENTS = 2000 if request.param == "few" else 0
    return {
        "phone_only": contact_account(world, phone="+84901000001"),
        "email_and_phone": contact_account(world, phone="+84901000002", email="b@example.vn"),
        "zalo": contact_account(world, phone="+84901000003", zalo="z-3", portal=True),
        "nothing": contact_account(world),
    }


def test_defaults_send_sms_only_to_customers_no_other_channel_reaches(people):
    notice = services.notify(
        topic="planned_outage",
        recipients=[a.pk for a in people.values()],
        template="planned_outage",
        now=NOON,
    )
    got = channels_of(notice)
    assert got[people["phone_only"].pk] == {"sms"}
    assert got[people["email_and_phone"].pk] == {"email"}
    assert got[people["zalo"].pk] == {"zalo", "inbox"}
    assert people["nothing"].pk not in got
    assert notice.recipients == 4 and notice.messages == 4


def test_preferences_override_defaults(people):
    acct = people["email_and_phone"]
    Preference.objects.create(account=acct, topic="bills", channel="sms", enabled=True)
    Preference.objects.create(account=acct, topic="bills", channel="email", enabled=False)
    notice = services.notify(topic="bills", recipients=[acct.pk], template="bill_ready", now=NOON)
    assert channels_of(notice) == {acct.pk: {"sms"}}
    # Another topic keeps the defaults.
    other = services.notify(topic="incident", recipients=[acct.pk], template="planned_outage", now=NOON)
    assert channels_of(other) == {acct.pk: {"email"}}


def test_push_needs_an_active_subscription(people):
    acct = people["phone_only"]
    PushSubscription.objects.create(
        account=acct, endpoint="https://push.example/1", p256dh="k", auth="a", created_at=NOON
    )
    notice = services.notify(topic="bills", recipients=[acct.pk], template="bill_ready", now=NOON)
    # Push reaches them now, so SMS is no longer the default.
    assert channels_of(notice) == {acct.pk: {"push"}}


def test_same_key_twice_writes_each_row_once(people):
    ids = np.array([a.pk for a in people.values()] * 2)
    first = services.notify(topic="bills", recipients=ids, template="bill_ready", key="bill-run:7", now=NOON)
    second = services.notify(topic="bills", recipients=ids, template="bill_ready", key="bill-run:7", now=NOON)
    assert first.pk == second.pk
    assert OutboxMessage.objects.filter(notice=first).count() == 4
    assert second.messages == 4


def test_rows_vanish_with_the_callers_rollback(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(
            topic="bills", recipients=[people["phone_only"].pk], template="bill_ready", key="k1", now=NOON
        )
        raise RuntimeError("the bill run failed")
    assert not Notice.objects.filter(key="k1").exists()
    assert not OutboxMessage.objects.exists()


def test_delivery_is_requested_only_on_commit(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(topic="bills", recipients=[people["phone_only"].pk], template="bill_ready", now=NOON)
    assert len(callbacks) == 1


def test_queryset_recipients_and_per_recipient_context(people):
    from gridcare.customers.models import Account

    qs = Account.objects.filter(phone__startswith="+8490100000")
    notice = services.notify(topic="programmes", recipients=qs, template="bill_ready", now=NOON)
    assert set(channels_of(notice)) == {
        people["phone_only"].pk,
        people["email_and_phone"].pk,
        people["zalo"].pk,
    }
    # A queryset whose join repeats accounts (each account twice) still gives one row per account and channel.
    twice = Account.objects.filter(pk__in=[people["phone_only"].pk, people["zalo"].pk]).union(
        Account.objects.filter(pk__in=[people["phone_only"].pk, people["zalo"].pk]), all=True
    )
    notice = services.notify(topic="programmes", recipients=twice, template="bill_ready", now=NOON)
    assert channels_of(notice) == {people["phone_only"].pk: {"sms"}, people["zalo"].pk: {"zalo", "inbox"}}
    assert notice.recipients == 2
    ctx = {people["phone_only"].pk: {"amount": {"vnd": 123456}}}
    notice = services.notify(topic="bills", recipients=ctx, template="bill_ready", now=NOON)
    assert OutboxMessage.objects.get(notice=notice).context == {"amount": {"vnd": 123456}}


def test_recipient_numbers_give_each_row_its_own_context(people):
    phone_only, zalo = people["phone_only"].pk, people["zalo"].pk
    numbers = services.RecipientNumbers(
        account_ids=np.array([zalo, phone_only]),
        numbers={
            "amount": ("vnd", np.array([250_000, 1_234_567])),
            "kwh": ("kwh", np.array([50, 321])),
            "n": (None, np.array([7, 8])),
        },
    )
    notice = services.notify(topic="bills", recipients=numbers, template="bill_ready", now=NOON)
    contexts = {row.account_id: row.context for row in OutboxMessage.objects.filter(notice=notice)}
    assert contexts[phone_only] == {"amount": {"vnd": 1_234_567}, "kwh": {"kwh": 321}, "n": 8}
    assert contexts[zalo] == {"amount": {"vnd": 250_000}, "kwh": {"kwh": 50}, "n": 7}
    assert notice.recipients == 2
    with pytest.raises(ValueError, match="twice"):
        services.RecipientNumbers(account_ids=np.array([1, 1]), numbers={"amount": ("vnd", np.array([1, 2]))})
    with pytest.raises(ValueError, match="bad context key"):
        services.RecipientNumbers(account_ids=np.array([1]), numbers={"a'); DROP": ("vnd", np.array([1]))})
    with pytest.raises(ValueError, match="1 values for 2"):
        services.RecipientNumbers(account_ids=np.array([1, 2]), numbers={"amount": ("vnd", np.array([1]))})


def test_quiet_hours_hold_non_urgent_phone_channels_until_morning(people):
    notice = services.notify(
        topic="programmes", recipients=[a.pk for a in people.values()], template="bill_ready", now=NIGHT
    )
    sms = OutboxMessage.objects.get(notice=notice, channel="sms")
    email = OutboxMessage.objects.get(notice=notice, channel="email")
    assert sms.available_at == dt.datetime(2026, 3, 11, 0, 0, tzinfo=dt.UTC)  # 07:00 local next day
    assert email.available_at == NIGHT
    urgent = services.notify(
        topic="incident",
        recipients=[people["phone_only"].pk],
        template="planned_outage",
        urgency="urgent",
        now=NIGHT,
    )
    row = OutboxMessage.objects.get(notice=urgent)
    assert row.available_at == NIGHT and row.urgent


def test_recipients_by_grid_element(world, people):
    other_team = world["teams"][1]
    far = contact_account(world, phone="+84901000099", team=other_team)
    station = world["stations"][other_team]
    accounts = selectors.accounts_on_grid(transformer_station_ids=[station.pk])
    assert list(accounts.values_list("pk", flat=True)) == [far.pk]
    on_feeder = selectors.accounts_on_grid(feeder_ids=[world["feeder"].pk])
    assert on_feeder.count() == 5
    notice = services.notify(topic="planned_outage", recipients=accounts, template="planned_outage", now=NOON)
    assert channels_of(notice) == {far.pk: {"sms"}}


def test_closed_accounts_get_nothing(people):
    acct = people["phone_only"]
    acct.status = "closed"
    acct.save(update_fields=["status"])
    notice = services.notify(topic="bills", recipients=[acct.pk], template="bill_ready", now=NOON)
    assert notice.messages == 0


def test_reachability_report_counts_channels_and_ebill(world, people):
    Preference.objects.create(
        account=people["email_and_phone"], topic="bills", channel="email", enabled=False
    )
    report = selectors.reachability_by_unit()
    assert len(report) == 1
    row = report[0]
    assert row["total"] == 4
    assert (row["sms"], row["email"], row["zalo"], row["inbox"], row["unreachable"]) == (3, 1, 1, 1, 1)
    assert row["ebill"] == 1  # zalo only: the e-mail customer turned bills by e-mail off
    assert row["ebill_share"] == 25.0


def test_no_recipients_queue_nothing(world):
    notice = services.notify(topic="bills", recipients=[], template="bill_ready", now=NOON)
    assert (notice.recipients, notice.messages) == (0, 0)
    notice = services.notify(
        topic="bills", recipients=np.array([], dtype=np.int64), template="bill_ready", now=NOON
    )
    assert notice.messages == 0


def test_a_notice_to_one_customer_names_that_customer_and_stops_when_it_grows(world):
    one, two = contact_account(world, phone="+84901000001"), contact_account(world, phone="+84901000002")
    template(key="hello", channel="sms", body="Xin chao")
    single = services.notify(topic="programmes", recipients=[one.pk], template="hello", key="k1", now=NOON)
    assert single.account_id == one.pk and single.recipients == 1
    again = services.notify(topic="programmes", recipients=[one.pk], template="hello", key="k1", now=NOON)
    assert (again.account_id, again.messages, again.recipients) == (
        one.pk,
        1,
        1,
    )  # the same call again: no change
    grown = services.notify(
        topic="programmes", recipients=[one.pk, two.pk], template="hello", key="k1", now=NOON
    )
    assert (grown.account_id, grown.messages, grown.recipients) == (None, 2, 2)
    many = services.notify(
        topic="programmes", recipients=[one.pk, two.pk], template="hello", key="k2", now=NOON
    )
    assert many.account_id is None
