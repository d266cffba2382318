"""Back office of billing: start a run, watch it, release held bills, read and re-issue a bill."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gridcare.billing import services
from gridcare.billing.models import Bill, BillRun
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, superuser, verified_login

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def billed(world):
    ours = factories.account(world)
    factories.readings(ours, [100, 200, 400], start=dt.date(2025, 5, 5))
    theirs = factories.account(world, team=world["teams"][1])
    factories.readings(theirs, [100, 200, 300], start=dt.date(2025, 5, 5))
    for period in (dt.date(2025, 6, 1), dt.date(2025, 7, 1)):
        services.bill_run_execute(run=services.bill_run_create(period=period, route=None, now=NOW), now=NOW)
    return ours, theirs


def test_a_team_sees_only_its_own_bills(client, world, billed):
    ours, theirs = billed
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    page = client.get("/backoffice/billing/bill/").content.decode()
    assert ours.code in page and theirs.code not in page
    other = Bill.objects.filter(account=theirs).first()
    assert client.get(f"/backoffice/billing/bill/{other.pk}/change/").status_code in {302, 404}
    assert client.get(f"/backoffice/billing/bill/{other.pk}/pdf/").status_code == 404


def test_a_held_bill_is_released_by_the_bulk_action(client, world, billed):
    ours, _ = billed
    held = Bill.objects.get(account=ours, period=dt.date(2025, 7, 1))
    assert held.status == Bill.Status.HELD
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(
        "/backoffice/billing/bill/", {"action": "release_selected", "_selected_action": [held.pk]}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Bill.Status.ISSUED and held.issued_at is not None


def test_the_bill_document_and_pdf_open_in_the_back_office(client, world, billed):
    ours, _ = billed
    bill = Bill.objects.get(account=ours, period=dt.date(2025, 6, 1))
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    html = client.get(f"/backoffice/billing/bill/{bill.pk}/document/")
    assert html.status_code == 200 and ours.code in html.content.decode()
    pdf = client.get(f"/backoffice/billing/bill/{bill.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_viewer_cannot_reissue_but_an_operator_can(client, world, billed):
    ours, _ = billed
    bill = Bill.objects.get(account=ours, period=dt.date(2025, 6, 1))
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert client.post(f"/backoffice/billing/bill/{bill.pk}/reissue/", {"reason": "x"}).status_code == 403
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.post(f"/backoffice/billing/bill/{bill.pk}/reissue/", {"reason": "Ghi sai chỉ số"})
    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.status == Bill.Status.CANCELLED
    assert Bill.objects.filter(refers_to=bill, kind=Bill.Kind.CREDIT_NOTE).exists()
    assert Bill.objects.filter(replaces=bill).exists()


def test_starting_a_run_from_the_back_office_queues_it(
    client, world, billed, django_capture_on_commit_callbacks
):
    verified_login(client, superuser())
    route = world["routes"][world["teams"][0]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/backoffice/billing/billrun/add/", {"period": "08/2025", "route": route.pk})
    assert response.status_code == 302
    run = BillRun.objects.get(period=dt.date(2025, 8, 1))
    assert run.route == route and run.accounts_total == 1
    page = client.get(f"/backoffice/billing/billrun/{run.pk}/change/")
    assert (
        page.status_code == 200 and "<progress" in client.get("/backoffice/billing/billrun/").content.decode()
    )
    assert timezone.now() >= run.created_at
    queued = DBTaskResult.objects.get(task_path__endswith="bill_run_execute_task")
    assert queued.args_kwargs["args"] == [run.pk]


def test_the_bulk_action_releases_many_bills_with_one_notice_and_only_within_the_team(client, world, billed):
    from gridcare.notifications.models import Notice

    ours, theirs = billed
    second = factories.account(world)
    factories.readings(second, [100, 200, 400], start=dt.date(2025, 5, 5))
    for period in (dt.date(2025, 6, 1), dt.date(2025, 7, 1)):
        services.bill_run_execute(run=services.bill_run_create(period=period, route=world["routes"][world["teams"][0]],
                                                               now=NOW), now=NOW)  # fmt: skip
    mine = list(Bill.objects.filter(account__in=[ours, second], status=Bill.Status.HELD))
    assert len(mine) == 2
    other = Bill.objects.create(
        number="T-OTHER-TEAM", account=theirs, period=dt.date(2025, 8, 1), status=Bill.Status.HELD,
        start_date=dt.date(2025, 7, 5), end_date=dt.date(2025, 8, 5), days=31, start_index=300, end_index=400,
        kwh=100, subtotal=1000, vat=80, total=1080, created_at=NOW,
    )  # fmt: skip
    notices_before = Notice.objects.count()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    selected = [b.pk for b in mine] + [other.pk]
    response = client.post(
        "/backoffice/billing/bill/", {"action": "release_selected", "_selected_action": selected}
    )
    assert response.status_code == 302
    assert set(Bill.objects.filter(pk__in=[b.pk for b in mine]).values_list("status", flat=True)) == {
        "issued"
    }
    other.refresh_from_db()
    assert other.status == Bill.Status.HELD
    assert Notice.objects.count() == notices_before + 1
