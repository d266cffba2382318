"""Opening, routing, assigning, field work, closing and surveys of requests (real database)."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gridcare.notifications.models import Notice, OutboxMessage
from gridcare.org.models import Commune, StaffRole
from gridcare.org.policy import AccessDenied
from gridcare.org.services import unit_create
from gridcare.servicedesk import services
from gridcare.servicedesk.models import (
    ClockAlert,
    RequestState,
    ServiceRequest,
    StatusChange,
    Survey,
    WorkOrder,
)
from tests import factories
from tests.backoffice.builders import staff
from tests.servicedesk.builders import ICT, NOW, open_request


def jpeg(width=3000, height=2000, name="anh.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_request_goes_to_the_team_serving_the_premises_commune(world):
    team_a, team_b = world["teams"]
    # The contract is kept by team A, but the premise is in Phong Điền, which team B serves.
    account = factories.account(world, team=team_a)
    account.premise.commune = world["communes"][1]
    account.premise.save()
    request = open_request(account, code="new-connection-lv")
    assert request.team == team_b
    # 5 working days from Tue 22/7: Wed 23, Thu 24, Fri 25, Mon 28, Tue 29 -> 16:30 Tuesday.
    assert request.due_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 29, 16, 30)
    assert request.warn_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 29, 7, 0)
    assert list(StatusChange.objects.filter(request=request).values_list("to_state", flat=True)) == ["new"]


def test_a_commune_no_team_serves_falls_back_to_the_contracts_unit(world):
    account = factories.account(world, team=world["teams"][1])
    account.premise.commune = Commune.objects.create(
        province=world["province"], code="92-099", name="Mới", kind="ward"
    )
    account.premise.save()
    assert open_request(account).team == world["teams"][1]


def test_a_sub_team_serving_the_commune_is_preferred_by_the_tree_order(world):
    company = world["company"]
    other = unit_create(kind="team", code="PCCT-XX", name="Đội khác", parent=company)
    other.communes.add(world["communes"][0])
    account = factories.account(world, team=world["teams"][0])
    assert open_request(account).team == world["teams"][0]  # the first team by the tree's path


def test_extra_works_take_the_longer_promise(world):
    account = factories.account(world)
    request = open_request(account, code="new-connection-lv", extra_works=True)
    # 7 working days from Tue 22/7: ... Tue 29 (5), Wed 30 (6), Thu 31 (7).
    assert request.due_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 31, 16, 30)


def test_the_same_open_request_twice_is_refused_and_allowed_again_once_closed(world):
    account = factories.account(world)
    first = open_request(account)
    with pytest.raises(services.ServiceDeskError) as refused:
        open_request(account)
    assert refused.value.code == "already_open" and first.number in refused.value.message
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    services.request_close(request=first, by=lead, now=NOW, resolution="Đã tư vấn qua điện thoại")
    assert open_request(account).number != first.number


def test_the_database_refuses_a_second_open_request_of_the_same_type(world):
    from django.db import IntegrityError, transaction

    account = factories.account(world)
    first = open_request(account)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.create(
            number="YCDUP", customer=account.customer, account=account, premise=account.premise, request_type=first.request_type,
            team=first.team, opened_at=NOW, due_at=NOW, warn_at=NOW,
        )  # fmt: skip


def test_required_fields_are_asked_for(world):
    account = factories.account(world)
    with pytest.raises(services.ServiceDeskError) as refused:
        open_request(account, code="new-connection-lv", fields={"contact_phone": "0912345678"})
    assert refused.value.code == "missing_fields" and refused.value.details["fields"] == ["requested_kw"]


def test_the_customer_is_told_when_the_request_is_received_and_when_it_moves(world):
    account = factories.account(world, phone="+84912345678")
    request = open_request(account)
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    worker = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    services.request_assign(request=request, assignee=worker, by=lead, now=NOW)
    keys = list(Notice.objects.filter(account=account).order_by("pk").values_list("template_key", flat=True))
    assert keys == ["service_request_received", "service_request_moved"]
    assert OutboxMessage.objects.filter(account=account, channel="sms").count() == 2


def test_only_the_team_lead_assigns_and_only_to_members_of_the_team(world):
    account = factories.account(world)
    request = open_request(account)
    worker = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    with pytest.raises(AccessDenied):
        services.request_assign(request=request, assignee=worker, by=worker, now=NOW)
    other_lead = staff(unit=world["teams"][1], role=StaffRole.MANAGER)
    with pytest.raises(AccessDenied):
        services.request_assign(request=request, assignee=worker, by=other_lead, now=NOW)
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    outsider = staff(unit=world["teams"][1], role=StaffRole.OPERATOR)
    with pytest.raises(services.ServiceDeskError) as refused:
        services.request_assign(request=request, assignee=outsider, by=lead, now=NOW)
    assert refused.value.code == "not_in_team"
    order = services.request_assign(request=request, assignee=worker, by=lead, now=NOW)
    assert order.assignee == worker and order.scheduled_for == dt.date(2025, 7, 22)
    request.refresh_from_db()
    assert request.state == RequestState.ASSIGNED and request.assignee == worker


def test_the_field_job_closes_the_request_once_and_sends_the_survey(world):
    account = factories.account(world)
    request = open_request(account, code="customer-fault")
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    worker = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    order = services.request_assign(request=request, assignee=worker, by=lead, now=NOW)
    services.work_order_start(work_order=order, by=worker, now=NOW + dt.timedelta(minutes=30))
    request.refresh_from_db()
    assert request.state == RequestState.IN_PROGRESS
    finished = NOW + dt.timedelta(minutes=75)
    for _attempt in range(2):  # the phone sends the same form twice (offline, then back online)
        services.work_order_finish(
            work_order=order, by=worker, now=finished, work_done="Thay cầu dao", materials="1 cầu dao 32 A",
            customer_confirmed=True, confirmed_by="Nguyễn Văn An", client_key="k-123", uploads=[jpeg()],
        )  # fmt: skip
    order.refresh_from_db()
    request.refresh_from_db()
    assert order.state == WorkOrder.State.DONE and order.attachments.count() == 1
    assert request.state == RequestState.CLOSED and request.closed_at == finished
    assert list(request.history.order_by("pk").values_list("to_state", flat=True)) == [
        "new",
        "assigned",
        "in_progress",
        "closed",
    ]
    survey = Survey.objects.get(request=request)
    assert services.survey_from_token(token=services.survey_token(survey=survey)) == survey
    assert services.survey_from_token(token=services.survey_token(survey=survey) + "x") is None
    services.survey_answer(survey=survey, score=4, comment="Nhanh", now=finished)
    services.survey_answer(survey=survey, score=1, comment="đổi ý", now=finished)
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Nhanh")


def test_a_score_outside_one_to_five_is_refused(world):
    account = factories.account(world)
    request = open_request(account)
    services.request_close(
        request=request, by=staff(unit=world["teams"][0], role=StaffRole.OPERATOR), now=NOW, resolution="x"
    )
    with pytest.raises(services.ServiceDeskError):
        services.survey_answer(survey=request.survey, score=6, comment="", now=NOW)


# --- attachments ------------------------------------------------------------------------------------------


def test_a_photo_is_scaled_down_and_stored(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request = open_request(factories.account(world), uploads=[jpeg(4000, 3000)])
    attachment = request.attachments.get()
    with Image.open(attachment.file.open("rb")) as image:
        assert image.size == (1600, 1200)
    assert attachment.content_type == "image/jpeg" and attachment.size < 4000 * 3000


def test_a_file_that_is_not_an_image_is_refused_with_a_sentence(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    with pytest.raises(services.ServiceDeskError) as refused:
        open_request(factories.account(world), uploads=[fake])
    assert refused.value.code == "file_type" and "anh.jpg" in refused.value.message
    assert not ServiceRequest.objects.exists()  # nothing half-opened


def test_an_oversized_file_is_refused_with_its_size(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES = 100_000
    with pytest.raises(services.ServiceDeskError) as refused:
        open_request(factories.account(world), uploads=[jpeg(3000, 3000, name="to.jpg")])
    assert refused.value.code == "file_too_large" and "to.jpg" in refused.value.message


# --- the clocks' scan ---------------------------------------------------------------------------------------


def test_the_scan_warns_then_breaches_once_and_tells_the_team(world, django_capture_on_commit_callbacks):
    lead = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    lead.email = "doi.ninhkieu@example.vn"
    lead.save()
    fault = open_request(
        factories.account(world), code="customer-fault"
    )  # 2 h from Tue 09:00: due 11:00, warn 10:30
    connection = open_request(factories.account(world), code="new-connection-lv")  # due Tue 29/7 16:30
    with django_capture_on_commit_callbacks(execute=True):
        assert services.clock_scan(now=NOW + dt.timedelta(minutes=20))["warnings"] == 0
        first = services.clock_scan(now=NOW + dt.timedelta(minutes=95))
    assert (first["warnings"], first["breaches"]) == (1, 0)
    assert (
        len(mail.outbox) == 1
        and fault.number in mail.outbox[0].body
        and mail.outbox[0].to == ["doi.ninhkieu@example.vn"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.clock_scan(now=NOW + dt.timedelta(minutes=100))["warnings"] == 0  # idempotent
        second = services.clock_scan(now=NOW + dt.timedelta(hours=3))
    assert (second["warnings"], second["breaches"]) == (0, 1)
    assert len(mail.outbox) == 2
    assert set(ClockAlert.objects.values_list("request__number", "kind")) == {
        (fault.number, "warning"),
        (fault.number, "breach"),
    }
    assert not ClockAlert.objects.filter(request=connection).exists()


def _incident(world, *, started_at):
    from gridcare.outages import services as outage_services

    return outage_services.incident_record(
        unit=world["teams"][0], place="khu vực chợ Tân An", reason="sự cố cáp ngầm", started_at=started_at,
        estimated_restoration=started_at + dt.timedelta(hours=2), transformer_stations=[world["stations"][world["teams"][0]]],
        by=None, now=started_at,
    )  # fmt: skip


def test_a_no_power_request_under_a_known_outage_is_held_then_counts_from_the_restoration(world):
    from gridcare.outages import services as outage_services

    incident = _incident(world, started_at=NOW - dt.timedelta(minutes=30))
    request = open_request(factories.account(world), code="no-power")  # alone: 2 h from Tue 09:00, due 11:00
    assert request.outage == incident
    # Long past its own promise, but the outage is still in progress: neither warned nor breached.
    assert services.clock_scan(now=NOW + dt.timedelta(hours=3)) == {"warnings": 0, "breaches": 0, "moved": 0}
    assert not ClockAlert.objects.exists()
    # Power back at 13:00: the 2 working hours count from then (due 15:00, warned from 14:30).
    outage_services.outage_close(outage=incident, by=None, now=NOW + dt.timedelta(hours=4))
    assert services.clock_scan(now=NOW + dt.timedelta(hours=4, minutes=10)) == {
        "warnings": 0,
        "breaches": 0,
        "moved": 1,
    }
    request.refresh_from_db()
    assert request.due_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 22, 15, 0)
    assert request.warn_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 22, 14, 30)
    assert services.clock_scan(now=NOW + dt.timedelta(hours=6, minutes=10)) == {
        "warnings": 1,
        "breaches": 1,
        "moved": 0,
    }


def test_a_no_power_request_elsewhere_keeps_its_own_clock(world):
    _incident(world, started_at=NOW - dt.timedelta(minutes=30))
    request = open_request(factories.account(world, team=world["teams"][1]), code="no-power")
    assert request.outage is None
    assert services.clock_scan(now=NOW + dt.timedelta(hours=3))["breaches"] == 1


def test_a_day_off_added_later_moves_the_deadline(world):
    from gridcare.servicedesk.models import DayOff

    request = open_request(factories.account(world), code="new-connection-lv")
    DayOff.objects.create(day=dt.date(2025, 7, 25), name="Nghỉ bù")
    assert services.clock_scan(now=NOW, recompute=True)["moved"] == 1
    request.refresh_from_db()
    assert request.due_at.astimezone(ICT).replace(tzinfo=None) == dt.datetime(2025, 7, 30, 16, 30)
    assert services.clock_scan(now=NOW, recompute=True)["moved"] == 0


def test_the_naive_scan_agrees_with_the_vectorised_clock(world):
    for code in ("customer-fault", "new-connection-lv", "meter-check"):
        request = open_request(
            factories.account(world), code=code, now=dt.datetime(2025, 7, 18, 15, 40, tzinfo=ICT)
        )
        due, warn = services._naive_deadline(
            request=request, calendar=services.business_calendar(years=range(2024, 2027))
        )
        assert (due, warn) == (request.due_at, request.warn_at), code
