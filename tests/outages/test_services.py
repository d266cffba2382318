"""Outages: topology in one query, the 5-day rule, the notices' people and content, idempotency, incidents, reports."""

import datetime as dt

import pytest
from django.db import transaction

from gridcare.customers.models import Account
from gridcare.notifications.models import Notice, OutboxMessage
from gridcare.org.policy import AccessDenied
from gridcare.outages import selectors, services
from gridcare.outages.models import Outage, OutageEvent, OutageStatus, RestorationRequest
from tests.notifications.builders import contact_account
from tests.outages.builders import NOW, local, move_to_station, second_feeder, text_of


@pytest.fixture
def grid(world):
    feeder2, station2 = second_feeder(world)
    team_a, team_b = world["teams"]
    people = {
        "nk1_sms": contact_account(world, phone="+84901000001", team=team_a),
        "nk1_portal": contact_account(world, phone="+84901000002", portal=True, team=team_a),
        "pd1_email": contact_account(world, email="pd@example.vn", team=team_b),
        "nk2_sms": move_to_station(contact_account(world, phone="+84901000004", team=team_a), station2),
    }
    return {**world, "feeder2": feeder2, "station2": station2, "people": people}


def plan(grid, *, start=None, end=None, **kwargs):
    return services.outage_plan(
        unit=grid["company"], place="khu vực chợ Cái Răng", reason="bảo trì lưới điện",
        scheduled_start=start or local(20, 7), scheduled_end=end or local(20, 11), by=None, now=NOW, **kwargs,
    )  # fmt: skip


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def told(notice):
    return set(OutboxMessage.objects.filter(notice=notice).values_list("account_id", flat=True))


def notice_of(outage, step):
    return Notice.objects.get(key=f"outage:{outage.pk}:{step}")


# --- topology ------------------------------------------------------------------------------------------------


def test_affected_accounts_by_feeder_station_substation_and_commune_in_one_query(
    grid, django_assert_num_queries
):
    p = grid["people"]
    closed = contact_account(grid, phone="+84901000009", team=grid["teams"][0])
    Account.objects.filter(pk=closed.pk).update(status=Account.Status.CLOSED)
    with django_assert_num_queries(1):
        by_feeder = ids(selectors.affected_accounts(feeder_ids=[grid["feeder"].pk]))
    assert by_feeder == {p["nk1_sms"].pk, p["nk1_portal"].pk, p["pd1_email"].pk}
    assert ids(selectors.affected_accounts(transformer_station_ids=[grid["station2"].pk])) == {
        p["nk2_sms"].pk
    }
    everyone = {a.pk for a in p.values()}
    assert ids(selectors.affected_accounts(substation_ids=[grid["feeder"].substation_id])) == everyone
    # Ninh Kiều ward: the premises there, on either feeder; the closed contract is never affected.
    ninh_kieu = grid["communes"][0]
    with django_assert_num_queries(1):
        in_ward = ids(
            selectors.affected_accounts(commune_ids=[ninh_kieu.pk], feeder_ids=[grid["feeder2"].pk])
        )
    assert in_ward == {p["nk1_sms"].pk, p["nk1_portal"].pk, p["nk2_sms"].pk}
    assert ids(selectors.affected_accounts()) == set()


def test_summary_shows_the_count_and_the_sensitive_accounts(grid):
    p = grid["people"]
    Account.objects.filter(pk=p["pd1_email"].pk).update(sensitive="hospital")
    outage = plan(grid, feeders=[grid["feeder"]])
    summary = selectors.affected_summary(outage=outage)
    assert summary.customers == 3
    assert [(row["code"], row["sensitive"]) for row in summary.sensitive] == [
        (p["pd1_email"].code, "hospital")
    ]


# --- the five-day rule -------------------------------------------------------------------------------------------


def test_publishing_fewer_than_five_days_ahead_is_refused_unless_an_emergency_with_a_reason(grid):
    soon = plan(
        grid,
        start=NOW + dt.timedelta(days=4, hours=23),
        end=NOW + dt.timedelta(days=5, hours=3),
        feeders=[grid["feeder"]],
    )
    with pytest.raises(services.OutageError) as refused:
        services.outage_publish(outage=soon, by=None, now=NOW)
    assert refused.value.code == "notice_too_short"
    assert Outage.objects.get(pk=soon.pk).status == OutageStatus.DRAFT
    assert not Notice.objects.exists()
    # Exactly five days ahead is allowed.
    on_time = plan(
        grid,
        start=NOW + dt.timedelta(days=5),
        end=NOW + dt.timedelta(days=5, hours=2),
        feeders=[grid["feeder"]],
    )
    assert services.outage_publish(outage=on_time, by=None, now=NOW).status == OutageStatus.PUBLISHED
    with pytest.raises(services.OutageError) as no_reason:
        plan(
            grid,
            start=NOW + dt.timedelta(hours=3),
            end=NOW + dt.timedelta(hours=5),
            emergency=True,
            feeders=[grid["feeder"]],
        )
    assert no_reason.value.code == "emergency_reason_missing"
    urgent = plan(grid, start=NOW + dt.timedelta(hours=3), end=NOW + dt.timedelta(hours=5), emergency=True,
                  emergency_reason="cây đổ đè đường dây", feeders=[grid["feeder"]])  # fmt: skip
    assert services.outage_publish(outage=urgent, by=None, now=NOW).status == OutageStatus.PUBLISHED


def test_a_changed_start_obeys_the_five_day_rule_again(grid):
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder"]]), by=None, now=NOW)
    with pytest.raises(services.OutageError) as refused:
        services.outage_change(
            outage=outage, by=None, now=NOW, scheduled_start=local(12, 7), scheduled_end=local(12, 9)
        )
    assert refused.value.code == "notice_too_short"
    outage.refresh_from_db()
    assert outage.scheduled_start == local(20, 7) and outage.status == OutageStatus.PUBLISHED


# --- publishing ------------------------------------------------------------------------------------------------


def test_publish_tells_every_affected_customer_on_their_channel_with_place_reason_start_and_end(grid):
    p = grid["people"]
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder"]]), by=None, now=NOW)
    notice = notice_of(outage, "published")
    assert notice.topic == "planned_outage"
    assert told(notice) == {p["nk1_sms"].pk, p["nk1_portal"].pk, p["pd1_email"].pk}
    assert outage.customers_at_publish == 3
    sms = text_of(notice, p["nk1_sms"], "sms")
    assert (
        "Ngung cap dien tu 07:00 20/03/2026 den 11:00 20/03/2026 tai khu vuc cho Cai Rang de bao tri luoi dien"
        in sms
    )
    inbox = text_of(notice, p["nk1_portal"], "inbox")
    assert (
        "Ngừng cấp điện từ 07:00 20/03/2026 đến 11:00 20/03/2026 tại khu vực chợ Cái Răng để bảo trì lưới điện"
        in inbox
    )
    assert "07:00 20/03/2026" in text_of(notice, p["pd1_email"], "email")
    event = OutageEvent.objects.get(outage=outage, action="published")
    assert event.customers == 3 and event.status == "published"


def test_publishing_twice_sends_nothing_more(grid):
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder"]]), by=None, now=NOW)
    before = OutboxMessage.objects.count()
    again = services.outage_publish(outage=outage, by=None, now=NOW + dt.timedelta(minutes=1))
    assert again.status == OutageStatus.PUBLISHED and OutboxMessage.objects.count() == before == 4
    assert OutageEvent.objects.filter(outage=outage, action="published").count() == 1


def test_a_rolled_back_publish_sends_nothing(grid):
    outage = plan(grid, feeders=[grid["feeder"]])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.outage_publish(outage=outage, by=None, now=NOW)
        assert OutboxMessage.objects.count() == 4  # SMS to three, the portal's inbox to one
        raise RuntimeError("the caller fails after publishing")
    assert not OutboxMessage.objects.exists() and not Notice.objects.exists()
    assert Outage.objects.get(pk=outage.pk).status == OutageStatus.DRAFT


def test_a_change_goes_to_the_same_people_and_to_the_newly_affected(grid):
    p = grid["people"]
    outage = services.outage_publish(
        outage=plan(grid, transformer_stations=[grid["stations"][grid["teams"][0]]]), by=None, now=NOW
    )
    assert told(notice_of(outage, "published")) == {p["nk1_sms"].pk, p["nk1_portal"].pk}
    outage = services.outage_change(
        outage=outage, by=None, now=NOW, transformer_stations=[grid["station2"]], scheduled_end=local(20, 12)
    )
    assert outage.status == OutageStatus.CHANGED and outage.revision == 1
    change = notice_of(outage, "changed:1")
    # The first station's customers heard of the outage, so they hear it moved; the second station's are new.
    assert told(change) == {p["nk1_sms"].pk, p["nk1_portal"].pk, p["nk2_sms"].pk}
    assert "tu 07:00 20/03/2026 den 12:00 20/03/2026" in text_of(change, p["nk2_sms"], "sms")
    event = OutageEvent.objects.get(outage=outage, action="changed")
    assert event.changes["transformer_stations"] == [
        [grid["stations"][grid["teams"][0]].pk],
        [grid["station2"].pk],
    ]
    cancelled = services.outage_cancel(outage=outage, by=None, now=NOW)
    assert cancelled.status == OutageStatus.CANCELLED
    cancel = notice_of(outage, "cancelled")
    assert told(cancel) == told(change)
    assert "đã được huỷ" in text_of(cancel, p["nk1_portal"], "inbox")
    # Cancelling again is a no-op.
    services.outage_cancel(outage=outage, by=None, now=NOW)
    assert Notice.objects.filter(key__startswith=f"outage:{outage.pk}:").count() == 3


def test_a_draft_change_or_cancel_tells_nobody(grid):
    outage = plan(grid, feeders=[grid["feeder"]])
    services.outage_change(outage=outage, by=None, now=NOW, reason="thay cột")
    services.outage_cancel(outage=outage, by=None, now=NOW)
    assert not Notice.objects.exists()


def test_reminder_goes_the_day_before_once(grid):
    p = grid["people"]
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder2"]]), by=None, now=NOW)
    # 18 March 23:00: the start (20 March) is two days away.
    assert services.outage_reminders_send(now=local(18, 23)) == 0
    assert services.outage_reminders_send(now=local(19, 8)) == 1
    assert services.outage_reminders_send(now=local(19, 20)) == 0
    reminder = Notice.objects.get(key__startswith=f"outage:{outage.pk}:reminder")
    assert told(reminder) == {p["nk2_sms"].pk}
    assert "nhac lich" in text_of(reminder, p["nk2_sms"], "sms")
    # A new start is reminded again the day before it.
    services.outage_change(
        outage=outage, by=None, now=local(19, 9), scheduled_start=local(25, 7), scheduled_end=local(25, 9)
    )
    assert services.outage_reminders_send(now=local(24, 9)) == 1


def test_closing_tells_the_affected_and_who_asked_once(grid):
    p = grid["people"]
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder2"]]), by=None, now=NOW)
    services.outage_start(outage=outage, by=None, now=local(20, 7, 5))
    RestorationRequest.objects.create(account=p["nk2_sms"], outage=outage, created_at=local(20, 8))
    closed = services.outage_close(outage=outage, by=None, now=local(20, 10, 30))
    assert closed.status == OutageStatus.RESTORED and closed.customers_at_close == 1
    assert closed.started_at == local(20, 7, 5) and closed.restored_at == local(20, 10, 30)
    restored = notice_of(outage, "restored")
    assert told(restored) == {p["nk2_sms"].pk}
    assert OutboxMessage.objects.filter(notice=restored).count() == 1
    assert "Da co dien tro lai tai khu vuc cho Cai Rang luc 10:30 20/03/2026" in text_of(
        restored, p["nk2_sms"], "sms"
    )
    assert RestorationRequest.objects.get().notified_at == local(20, 10, 30)
    services.outage_close(outage=outage, by=None, now=local(20, 11))
    assert OutboxMessage.objects.filter(notice=restored).count() == 1


# --- incidents -------------------------------------------------------------------------------------------------


def test_incident_tells_at_once_and_on_every_update_then_restoration(grid):
    p = grid["people"]
    incident = services.incident_record(
        unit=grid["company"], place="phường Ninh Kiều", reason="sự cố đường dây", started_at=local(10, 9, 40),
        estimated_restoration=None, feeders=[grid["feeder"]], by=None, now=NOW,
    )  # fmt: skip
    assert incident.status == OutageStatus.IN_PROGRESS and incident.customers_at_publish == 3
    first = notice_of(incident, "incident:0")
    assert first.topic == "incident" and first.urgency == "urgent"
    assert "tu 09:40 10/03/2026 (su co duong day). Du kien co dien lai: chua xac dinh." in text_of(
        first, p["nk1_sms"], "sms"
    )
    services.incident_update(
        outage=incident, by=None, now=NOW + dt.timedelta(minutes=20), scheduled_end=local(10, 13)
    )
    update = notice_of(incident, "incident:1")
    assert told(update) == told(first)
    assert "du kien co dien lai 13:00 10/03/2026" in text_of(update, p["nk1_sms"], "sms")
    services.outage_close(outage=incident, by=None, now=local(10, 12, 45))
    assert told(notice_of(incident, "restored")) == told(first)
    assert [e.action for e in selectors.outage_history(outage=incident)] == ["created", "updated", "restored"]


def test_staff_of_another_team_cannot_publish_or_close(grid, django_user_model):
    from gridcare.org.models import StaffRole
    from gridcare.org.services import staff_membership_set

    other = django_user_model.objects.create_user(username="pd-operator", password="x-secret-123")
    staff_membership_set(user=other, unit=grid["teams"][1], role=StaffRole.OPERATOR)
    outage = services.outage_plan(
        unit=grid["teams"][0], place="Ninh Kiều", reason="bảo trì", scheduled_start=local(20, 7), scheduled_end=local(20, 9),
        feeders=[grid["feeder2"]], by=None, now=NOW,
    )  # fmt: skip
    with pytest.raises(AccessDenied):
        services.outage_publish(outage=outage, by=other, now=NOW)
    with pytest.raises(AccessDenied):
        services.outage_plan(unit=grid["teams"][0], place="x", reason="y", scheduled_start=local(20, 7),
                             scheduled_end=local(20, 9), by=other, now=NOW)  # fmt: skip
    assert not Notice.objects.exists()


# --- customer reports ------------------------------------------------------------------------------------------


def test_reports_under_one_feeder_within_the_window_are_grouped(grid, settings):
    settings.GRIDCARE_OUTAGE_REPORT_WINDOW_MINUTES = 30
    p = grid["people"]
    first = services.outage_report_file(
        account=p["nk1_sms"], now=NOW - dt.timedelta(minutes=40)
    ).report  # outside
    services.outage_report_file(account=p["nk1_portal"], now=NOW - dt.timedelta(minutes=20))
    services.outage_report_file(account=p["pd1_email"], now=NOW - dt.timedelta(minutes=5))
    services.outage_report_file(account=p["nk2_sms"], now=NOW - dt.timedelta(minutes=3))
    # A second report of the same account within the window is the first one.
    again = services.outage_report_file(account=p["pd1_email"], now=NOW - dt.timedelta(minutes=1)).report
    assert again.reported_at == NOW - dt.timedelta(minutes=5)
    from gridcare.outages.models import OutageReport

    suggestions = selectors.suggested_incidents(reports=OutageReport.objects.all(), now=NOW)
    assert [(s.feeder_id, s.reports, s.whole_feeder) for s in suggestions] == [
        (grid["feeder"].pk, 2, True), (grid["feeder2"].pk, 1, False),
    ]  # fmt: skip
    incident = services.incident_from_reports(feeder=grid["feeder"], by=None, now=NOW)
    assert list(incident.feeders.all()) == [grid["feeder"]] and incident.reports.count() == 2
    assert incident.started_at == NOW - dt.timedelta(minutes=20)
    assert first.outage_id is None  # too old to be grouped
    with pytest.raises(services.OutageError) as twice:
        services.incident_from_reports(feeder=grid["feeder"], by=None, now=NOW)
    assert twice.value.code == "no_reports"
    # A customer of the feeder now learns of the known incident instead of filing a report.
    outcome = services.outage_report_file(account=p["nk1_sms"], now=NOW + dt.timedelta(minutes=1))
    assert outcome.report is None and outcome.known_outage == incident
    request = services.restoration_request_add(account=p["nk1_sms"], outage=incident, now=NOW)
    assert services.restoration_request_add(account=p["nk1_sms"], outage=incident, now=NOW).pk == request.pk
    # The station-level suggestion on the other feeder opens an incident on that one station.
    station_incident = services.incident_from_reports(feeder=grid["feeder2"], by=None, now=NOW)
    assert list(station_incident.transformer_stations.all()) == [grid["station2"]]


def test_a_planned_outage_in_progress_answers_a_report(grid):
    p = grid["people"]
    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder2"]]), by=None, now=NOW)
    assert services.outage_report_file(account=p["nk2_sms"], now=local(20, 8)).known_outage == outage
    # Before it starts, and on another feeder, a report is filed.
    assert services.outage_report_file(account=p["nk2_sms"], now=local(19, 8)).report is not None
    assert services.outage_report_file(account=p["nk1_sms"], now=local(20, 8)).report is not None


def test_the_reminder_command_is_idempotent(grid, monkeypatch):
    from django.core.management import call_command
    from django.utils import timezone

    outage = services.outage_publish(outage=plan(grid, feeders=[grid["feeder2"]]), by=None, now=NOW)
    monkeypatch.setattr(timezone, "now", lambda: local(19, 9))
    call_command("outage_reminders")
    call_command("outage_reminders")
    assert Notice.objects.filter(key__startswith=f"outage:{outage.pk}:reminder").get().recipients == 1
    assert OutageEvent.objects.filter(outage=outage, action="reminded").count() == 1


def test_an_incident_is_the_known_outage_before_a_planned_one_at_the_same_place(grid):
    p = grid["people"]
    planned = services.outage_publish(outage=plan(grid, feeders=[grid["feeder2"]]), by=None, now=NOW)
    incident = services.incident_record(unit=grid["company"], place="Ninh Kiều", reason="sự cố", started_at=local(20, 7, 30),
                                        transformer_stations=[grid["station2"]], by=None, now=local(20, 7, 35))  # fmt: skip
    assert selectors.known_outage_for_account(account=p["nk2_sms"], now=local(20, 8)) == incident
    services.outage_close(outage=incident, by=None, now=local(20, 9))
    assert selectors.known_outage_for_account(account=p["nk2_sms"], now=local(20, 9, 30)) == planned
