"""Programmes, enrolment, events, answers and results, through the services (real database)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from gridcare.flexibility import selectors, services
from gridcare.flexibility.models import Event, EventParticipant, IntervalResult, Programme
from gridcare.network.models import Feeder
from gridcare.notifications.models import Notice, OutboxMessage
from tests import factories
from tests.backoffice.builders import staff, superuser
from tests.flexibility.builders import (
    EVENT_DAY,
    call,
    enrol,
    event_day_profile,
    large_account,
    local,
    programme,
)

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_notice_time_under_30_minutes(world):
    prog = programme(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=prog.pk).update(notice_minutes=29)


def test_a_programme_pays_no_incentive_unless_switched_on(world):
    prog = programme(world)
    assert prog.incentive == Programme.Incentive.NONE and prog.incentive_vnd == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Programme.objects.filter(pk=prog.pk).update(incentive_vnd=500)


def test_enrolment_checks_eligibility_and_is_once_per_programme(world):
    prog = programme(world)
    house = factories.account(world, name="Hộ gia đình")
    with pytest.raises(services.FlexibilityError) as refused:
        enrol(prog, house)
    assert refused.value.code == "not_eligible"
    assert len(refused.value.details["reasons"]) == 3  # purpose, annual kWh, no interval meter
    factory = large_account(world)
    first = enrol(prog, factory, kw=400)
    again = enrol(prog, factory, kw=600)
    assert first.pk == again.pk and again.commitment_kw == 600


def test_calling_an_event_enforces_the_notice_time_and_notifies_participants_once(world):
    prog = programme(world, notice_minutes=60)
    factory = large_account(world, phone="+84911111111")
    enrol(prog, factory)
    with pytest.raises(services.FlexibilityError) as refused:
        call(prog, now=local(EVENT_DAY, 16, 1))  # 59 minutes before 17:00
    assert refused.value.code == "notice_too_short"
    event = call(prog, now=local(EVENT_DAY, 16, 0))
    assert call(prog, now=local(EVENT_DAY, 16, 0)).pk == event.pk
    participant = event.participants.get()
    assert participant.account_id == factory.pk and participant.response == EventParticipant.Response.PENDING
    notice = Notice.objects.get(key=f"dr-event-{event.pk}")
    assert notice.topic == "demand_response"
    assert OutboxMessage.objects.filter(notice=notice, account=factory).exists()


def test_an_event_rolled_back_sends_nothing(world):
    prog = programme(world)
    enrol(prog, large_account(world, phone="+84911111112"))
    with pytest.raises(RuntimeError), transaction.atomic():
        call(prog)
        raise RuntimeError
    assert not Notice.objects.filter(key__startswith="dr-event-").exists()


def test_an_event_under_a_feeder_calls_only_the_customers_it_serves(world):
    prog = programme(world)
    here = large_account(world, team=world["teams"][0], name="Nhà máy A")
    enrol(prog, here)
    other_feeder = Feeder.objects.create(substation=world["feeder"].substation, unit=world["company"], code="472-CT1", name="Lộ 472")
    event = call(prog, scope=Event.Scope.FEEDER, feeder=world["feeder"])
    assert list(event.participants.values_list("account_id", flat=True)) == [here.pk]
    event2 = call(prog, start=(18, 0), end=(19, 0), scope=Event.Scope.FEEDER, feeder=other_feeder)
    assert not event2.participants.exists()


def test_answers_are_recorded_with_who_when_and_channel_until_the_event_starts(world):
    prog = programme(world)
    enrol(prog, large_account(world))
    participant = call(prog).participants.get()
    services.participant_respond(participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 9, 5))
    services.participant_respond(participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 9, 6))
    services.participant_respond(participant=participant, response="opted_out", channel="openadr", now=local(EVENT_DAY, 10))
    participant.refresh_from_db()
    assert participant.response == "opted_out" and participant.response_channel == "openadr"
    assert list(participant.responses.order_by("at").values_list("response", "channel")) == [
        ("acknowledged", "portal"), ("opted_out", "openadr"),
    ]
    with pytest.raises(services.FlexibilityError) as late:
        services.participant_respond(participant=participant, response="acknowledged", channel="api", now=local(EVENT_DAY, 17))
    assert late.value.code == "event_started"


def test_results_give_delivered_shifted_energy_and_money_saved(world):
    prog = programme(world)
    factory = large_account(world, event_day_wh=event_day_profile(event_wh=600, shifted_wh=1100))
    enrol(prog, factory)
    event = call(prog)  # 17:00–19:00, peak hours
    with pytest.raises(services.FlexibilityError):
        services.event_results_compute(user=superuser("r1"), event=event, now=local(EVENT_DAY, 18))
    services.event_results_compute(user=superuser("r2"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8))
    participant = event.participants.get()
    # Baseline 1000 Wh per half-hour (every earlier day is flat); 4 half-hours at 600 Wh.
    assert participant.has_baseline
    assert participant.baseline_wh == 4000 and participant.actual_wh == 2400 and participant.delivered_wh == 1600
    # 22:00–24:00 is off-peak: 4 half-hours at 1100 Wh against 1000.
    assert participant.shifted_wh == 400
    # 1.6 kWh not drawn at the peak price 3398 đ, 0.4 kWh more at the off-peak price 1190 đ: 5436.8 − 476 = 4960.8.
    assert participant.saved_vnd == 4961
    assert participant.incentive_vnd == 0
    rows = IntervalResult.objects.filter(participant=participant)
    assert rows.count() == 48 and rows.filter(in_event=True).count() == 4
    assert set(rows.filter(in_event=True).values_list("baseline_wh", "actual_wh")) == {(1000, 600)}
    summary = selectors.event_summary(event=event)
    assert summary.delivered_kw == pytest.approx(0.8)  # 1.6 kWh over 2 hours
    # Measuring again replaces the results.
    services.event_results_compute(user=superuser("r3"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 9))
    assert IntervalResult.objects.filter(participant=participant).count() == 48
    event.refresh_from_db()
    assert event.status == Event.Status.MEASURED


def test_a_participant_without_enough_history_has_no_baseline(world):
    prog = programme(world)
    factory = large_account(world, history_days=3, event_day_wh=event_day_profile())
    services.enrolment_create(user=superuser("e"), programme=prog, account=factory, commitment_kw=100,
                              today=EVENT_DAY - dt.timedelta(days=1))  # fmt: skip
    event = call(prog)
    services.event_results_compute(user=superuser("r"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8))
    participant = event.participants.get()
    assert not participant.has_baseline and participant.delivered_wh is None


def test_recognition_lists_those_who_delivered_at_least_the_threshold(world):
    prog = programme(world, recognition_min_kwh=1)
    good = large_account(world, name="Nhà máy Giỏi", event_day_wh=event_day_profile(event_wh=600))
    weak = large_account(world, name="Nhà máy Ít", event_day_wh=event_day_profile(event_wh=900))
    enrol(prog, good)
    enrol(prog, weak)
    event = call(prog)
    services.event_results_compute(user=superuser("r"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8))
    rows = selectors.recognition_list(since=dt.date(2025, 1, 1), until=dt.date(2026, 1, 1))
    # good delivered 1.6 kWh (≥ 1), weak 0.4 kWh (< 1).
    assert [r.account_code for r in rows] == [good.code]
    assert rows[0].events == 1 and rows[0].delivered_kwh == 2


def test_staff_of_another_team_may_not_enrol_or_call(world):
    prog = programme(world)
    factory = large_account(world, team=world["teams"][1])
    outsider = staff(unit=world["teams"][0], role="administrator", username="qt.doia")
    with pytest.raises(services.policy.AccessDenied):
        services.enrolment_create(user=outsider, programme=prog, account=factory, commitment_kw=10, today=EVENT_DAY)
    with pytest.raises(services.policy.AccessDenied):
        services.event_call(user=outsider, programme=prog, name="x", starts_at=local(EVENT_DAY, 17),
                            ends_at=local(EVENT_DAY, 18), target_kw=10, now=local(EVENT_DAY, 9))  # fmt: skip
