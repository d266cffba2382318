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
    other_feeder = Feeder.objects.create(
        substation=world["feeder"].substation, unit=world["company"], code="472-CT1", name="Lộ 472"
    )
    event = call(prog, scope=Event.Scope.FEEDER, feeder=world["feeder"])
    assert list(event.participants.values_list("account_id", flat=True)) == [here.pk]
    event2 = call(prog, start=(18, 0), end=(19, 0), scope=Event.Scope.FEEDER, feeder=other_feeder)
    assert not event2.participants.exists()


def test_answers_are_recorded_with_who_when_and_channel_until_the_event_starts(world):
    prog = programme(world)
    enrol(prog, large_account(world))
    participant = call(prog).participants.get()
    services.participant_respond(
        participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 9, 5)
    )
    services.participant_respond(
        participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 9, 6)
    )
    services.participant_respond(
        participant=participant, response="opted_out", channel="openadr", now=local(EVENT_DAY, 10)
    )
    participant.refresh_from_db()
    assert participant.response == "opted_out" and participant.response_channel == "openadr"
    assert list(participant.responses.order_by("at").values_list("response", "channel")) == [
        ("acknowledged", "portal"),
        ("opted_out", "openadr"),
    ]
    with pytest.raises(services.FlexibilityError) as late:
        services.participant_respond(
            participant=participant, response="acknowledged", channel="api", now=local(EVENT_DAY, 17)
        )
    assert late.value.code == "event_started"


def test_results_give_delivered_shifted_energy_and_money_saved(world):
    prog = programme(world)
    factory = large_account(world, event_day_wh=event_day_profile(event_wh=600, shifted_wh=1100))
    enrol(prog, factory)
    event = call(prog)  # 17:00–19:00, peak hours
    with pytest.raises(services.FlexibilityError):
        services.event_results_compute(user=superuser("r1"), event=event, now=local(EVENT_DAY, 18))
    services.event_results_compute(
        user=superuser("r2"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    participant = event.participants.get()
    # Baseline 1000 Wh per half-hour (every earlier day is flat); 4 half-hours at 600 Wh.
    assert participant.has_baseline
    assert (
        participant.baseline_wh == 4000 and participant.actual_wh == 2400 and participant.delivered_wh == 1600
    )
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
    services.event_results_compute(
        user=superuser("r3"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 9)
    )
    assert IntervalResult.objects.filter(participant=participant).count() == 48
    event.refresh_from_db()
    assert event.status == Event.Status.MEASURED


def test_a_participant_without_enough_history_has_no_baseline(world):
    prog = programme(world)
    factory = large_account(world, history_days=3, event_day_wh=event_day_profile())
    services.enrolment_create(user=superuser("e"), programme=prog, account=factory, commitment_kw=100,
                              today=EVENT_DAY - dt.timedelta(days=1))  # fmt: skip
    event = call(prog)
    services.event_results_compute(
        user=superuser("r"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    participant = event.participants.get()
    assert not participant.has_baseline and participant.delivered_wh is None


def test_recognition_lists_those_who_delivered_at_least_the_threshold(world):
    prog = programme(world, recognition_min_kwh=1)
    good = large_account(world, name="Nhà máy Giỏi", event_day_wh=event_day_profile(event_wh=600))
    weak = large_account(world, name="Nhà máy Ít", event_day_wh=event_day_profile(event_wh=900))
    enrol(prog, good)
    enrol(prog, weak)
    event = call(prog)
    services.event_results_compute(
        user=superuser("r"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    rows = selectors.recognition_list(since=dt.date(2025, 1, 1), until=dt.date(2026, 1, 1))
    # good delivered 1.6 kWh (≥ 1), weak 0.4 kWh (< 1).
    assert [r.account_code for r in rows] == [good.code]
    assert rows[0].events == 1 and rows[0].delivered_kwh == 2


def test_staff_of_another_team_may_not_enrol_or_call(world):
    prog = programme(world)
    factory = large_account(world, team=world["teams"][1])
    outsider = staff(unit=world["teams"][0], role="administrator", username="qt.doia")
    with pytest.raises(services.policy.AccessDenied):
        services.enrolment_create(
            user=outsider, programme=prog, account=factory, commitment_kw=10, today=EVENT_DAY
        )
    with pytest.raises(services.policy.AccessDenied):
        services.event_call(user=outsider, programme=prog, name="x", starts_at=local(EVENT_DAY, 17),
                            ends_at=local(EVENT_DAY, 18), target_kw=10, now=local(EVENT_DAY, 9))  # fmt: skip


# --- an event past midnight (22:00–01:00) ------------------------------------------------------------------------


def test_the_event_times_end_on_the_next_day_when_the_end_is_not_after_the_start():
    assert services.event_moments(day=EVENT_DAY, start=dt.time(22), end=dt.time(1)) == (
        local(EVENT_DAY, 22),
        local(EVENT_DAY + dt.timedelta(days=1), 1),
    )
    assert services.event_moments(day=EVENT_DAY, start=dt.time(22), end=dt.time(0))[1] == local(
        EVENT_DAY + dt.timedelta(days=1), 0
    )
    assert services.event_moments(day=EVENT_DAY, start=dt.time(17), end=dt.time(19))[1] == local(
        EVENT_DAY, 19
    )


def test_an_event_past_midnight_is_called_and_notified_with_the_next_days_date(world):
    prog = programme(world)
    factory = large_account(world, phone="+84911111131")
    enrol(prog, factory)
    event = call(prog, start=(22, 0), end=(1, 0))
    assert event.day == EVENT_DAY and event.ends_at == local(EVENT_DAY + dt.timedelta(days=1), 1)
    assert event.participants.get().account_id == factory.pk
    notice = Notice.objects.get(key=f"dr-event-{event.pk}")
    assert notice.context["day"] == "15/07/2025"
    assert (notice.context["start"], notice.context["end"]) == ("22:00", "01:00 (16/07/2025)")


def test_an_event_ending_at_midnight_reads_24_00_and_one_on_the_same_day_has_no_date(world):
    prog = programme(world)
    enrol(prog, large_account(world, phone="+84911111132"))
    late = call(prog, start=(22, 0), end=(0, 0))
    assert (Notice.objects.get(key=f"dr-event-{late.pk}").context["end"]) == "24:00"
    usual = call(prog, start=(17, 0), end=(19, 0))
    assert (Notice.objects.get(key=f"dr-event-{usual.pk}").context["end"]) == "19:00"


def test_an_event_longer_than_a_day_is_refused(world):
    prog = programme(world)
    with pytest.raises(services.FlexibilityError) as refused:
        services.event_call(user=superuser("long"), programme=prog, name="x", starts_at=local(EVENT_DAY, 22),
                            ends_at=local(EVENT_DAY + dt.timedelta(days=1), 22, 30), target_kw=10,
                            now=local(EVENT_DAY, 9))  # fmt: skip
    assert refused.value.code == "window_invalid"


def test_an_event_past_midnight_is_answered_until_it_starts_the_evening_before(world):
    prog = programme(world)
    enrol(prog, large_account(world))
    participant = call(prog, start=(22, 0), end=(1, 0)).participants.get()
    services.participant_respond(
        participant=participant, response="acknowledged", channel="portal", now=local(EVENT_DAY, 21, 59)
    )
    participant.refresh_from_db()
    assert participant.response == "acknowledged"
    with pytest.raises(services.FlexibilityError) as late:
        services.participant_respond(
            participant=participant, response="opted_out", channel="api", now=local(EVENT_DAY, 22)
        )
    assert late.value.code == "event_started"


def test_results_of_an_event_past_midnight_read_the_next_morning(world):
    prog = programme(world)
    # 1000 Wh every half-hour, except 600 Wh from 22:00 on the event day to 01:00 the next day.
    evening = [1000] * 44 + [600] * 4
    morning = [600] * 2 + [1000] * 46
    factory = large_account(world, event_day_wh=evening, next_day_wh=morning)
    enrol(prog, factory)
    event = call(prog, start=(22, 0), end=(1, 0))
    with pytest.raises(services.FlexibilityError) as early:
        services.event_results_compute(
            user=superuser("r1"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 0, 30)
        )
    assert early.value.code == "event_not_finished"
    services.event_results_compute(
        user=superuser("r2"), event=event, now=local(EVENT_DAY + dt.timedelta(days=1), 8)
    )
    participant = event.participants.get()
    # CAISO 10-in-10 on flat days: baseline 1000 Wh per half-hour over the six of the event (the ratio adjustment
    # over 18:00–21:00 is 1000/1000 = 1); 6 × 600 Wh drawn.
    assert participant.has_baseline
    assert (participant.baseline_wh, participant.actual_wh, participant.delivered_wh) == (6000, 3600, 2400)
    # The event lies in off-peak hours (22:00–04:00): nothing was moved into them (the evening is below its
    # baseline); 2.4 kWh not drawn at the off-peak price of 1190 đ = 2856 đ.
    assert participant.shifted_wh == 0
    assert participant.saved_vnd == 2856
    rows = IntervalResult.objects.filter(participant=participant).order_by("start")
    # The event day's 48 half-hours and the next day's two up to 01:00.
    assert rows.count() == 50
    assert rows.last().start == local(EVENT_DAY + dt.timedelta(days=1), 0, 30)
    assert list(rows.filter(in_event=True).values_list("start", "baseline_wh", "actual_wh")) == [
        (local(EVENT_DAY, 22) + k * dt.timedelta(minutes=30), 1000, 600) for k in range(6)
    ]
    assert selectors.event_summary(event=event).delivered_kw == pytest.approx(0.8)  # 2.4 kWh over 3 hours


def test_a_later_event_leaves_out_both_days_of_an_earlier_event_past_midnight(world):
    prog = programme(world)
    enrol(prog, large_account(world))
    earlier = call(prog, start=(22, 0), end=(1, 0))
    assert earlier.day == EVENT_DAY
    later_day = EVENT_DAY + dt.timedelta(days=5)
    assert selectors.programme_event_days(programme=prog, before=later_day) == [
        EVENT_DAY,
        EVENT_DAY + dt.timedelta(days=1),
    ]
    assert selectors.programme_event_days(programme=prog, before=EVENT_DAY + dt.timedelta(days=1)) == [
        EVENT_DAY
    ]
