"""Bills and bill runs in the API: customers see their own issued bills, staff their units' bills and runs."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from gridcare.billing import services
from gridcare.billing.models import Bill, BillRun
from gridcare.metering.models import Reading
from gridcare.org.models import StaffRole
from tests import factories
from tests.api.test_accounts_api import assert_error, token_client
from tests.backoffice.builders import customer_user, staff, superuser, verified_login

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
JUNE, JULY = dt.date(2025, 6, 1), dt.date(2025, 7, 1)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def billed(world):
    """Two customers of the first team and one of the second, billed for June and July 2025.

    `mine` uses twice as much in July as in June, so July's bill is held for review.
    """
    mine = factories.account(world, name="Nguyễn Văn An")
    factories.readings(mine, [100, 200, 400], start=dt.date(2025, 5, 5))
    other = factories.account(world, name="Trần Thị Bình")
    factories.readings(other, [100, 200, 300], start=dt.date(2025, 5, 5))
    far = factories.account(world, team=world["teams"][1], name="Lê Văn Cường")
    factories.readings(far, [100, 200, 300], start=dt.date(2025, 5, 5))
    for period in (JUNE, JULY):
        services.bill_run_execute(run=services.bill_run_create(period=period, route=None, now=NOW), now=NOW)
    return {"mine": mine, "other": other, "far": far}


def bill_of(account, period) -> Bill:
    return Bill.objects.get(account=account, period=period, kind=Bill.Kind.INVOICE)


# --- customers ------------------------------------------------------------------------------------------


def test_a_customer_lists_the_issued_bills_of_their_account_but_not_held_ones(api, billed):
    mine = billed["mine"]
    assert bill_of(mine, JULY).status == Bill.Status.HELD
    api.force_login(customer_user(mine))
    response = api.get(f"/api/v1/accounts/{mine.code}/bills")
    assert response.status_code == 200
    listed = response.json()["results"]
    assert [b["number"] for b in listed] == [bill_of(mine, JUNE).number]
    june = listed[0]
    assert (june["period"], june["status"], june["kind"], june["account_code"]) == (
        "2025-06",
        "issued",
        "invoice",
        mine.code,
    )
    assert (june["kwh"], june["total"]) == (100, bill_of(mine, JUNE).total)
    assert june["total"] == june["subtotal"] + june["vat"]
    assert june["pdf"] == f"/api/v1/bills/{june['number']}/pdf"


def test_a_customer_reads_one_bill_with_its_lines(api, billed):
    mine = billed["mine"]
    api.force_login(customer_user(mine))
    june = bill_of(mine, JUNE)
    body = api.get(f"/api/v1/bills/{june.number}").json()
    assert body["number"] == june.number and body["days"] == june.days
    assert [line["position"] for line in body["lines"]] == list(range(1, len(body["lines"]) + 1))
    assert sum(line["kwh"] for line in body["lines"]) == june.kwh
    assert sum(line["amount"] for line in body["lines"]) == june.subtotal
    first = body["lines"][0]
    assert set(first) == {
        "position",
        "from",
        "to",
        "tier",
        "period",
        "limit_kwh",
        "kwh",
        "unit_price",
        "amount",
    }
    assert (first["tier"], first["period"]) == (1, None)


def test_a_customer_downloads_the_pdf(api, billed):
    mine = billed["mine"]
    api.force_login(customer_user(mine))
    june = bill_of(mine, JUNE)
    response = api.get(f"/api/v1/bills/{june.number}/pdf", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert june.number in response["Content-Disposition"]


def test_another_customers_bills_are_404_like_missing_ones(api, billed):
    mine, other = billed["mine"], billed["other"]
    api.force_login(customer_user(mine))
    theirs = bill_of(other, JUNE)
    missing = assert_error(api.get("/api/v1/bills/209901-000000999"), 404, "not_found")
    assert api.get(f"/api/v1/bills/{theirs.number}").json() == missing
    pdf = api.get(f"/api/v1/bills/{theirs.number}/pdf", HTTP_ACCEPT="application/pdf")
    assert pdf.status_code == 404 and pdf.json() == missing
    assert_error(api.get(f"/api/v1/accounts/{other.code}/bills"), 404, "not_found")
    # Their own bill held for review does not exist for them either.
    assert api.get(f"/api/v1/bills/{bill_of(mine, JULY).number}").json() == missing


def test_a_customer_sees_a_cancelled_bill_and_its_credit_note(api, billed):
    mine = billed["mine"]
    june = bill_of(mine, JUNE)
    note = services.bill_cancel(bill=june, reason="Ghi sai chỉ số (ghi chú nội bộ)", now=NOW)
    api.force_login(customer_user(mine))
    listed = {b["number"]: b for b in api.get(f"/api/v1/accounts/{mine.code}/bills").json()["results"]}
    assert listed[june.number]["status"] == "cancelled"
    assert listed[note.number]["kind"] == "credit_note"
    assert listed[note.number]["refers_to"] == june.number
    assert listed[note.number]["total"] == -june.total
    assert listed[note.number]["hold_reason"] == ""


def test_customers_cannot_release_bills_or_see_runs(api, billed):
    mine = billed["mine"]
    api.force_login(customer_user(mine))
    assert_error(api.post(f"/api/v1/bills/{bill_of(mine, JULY).number}/release"), 403, "permission_denied")
    assert_error(api.get("/api/v1/bill-runs"), 403, "permission_denied")
    assert_error(
        api.post("/api/v1/bill-runs", {"period": "2025-08", "all_routes": True}, format="json"),
        403,
        "permission_denied",
    )


def test_anonymous_callers_get_401(api, billed):
    assert_error(api.get(f"/api/v1/bills/{bill_of(billed['mine'], JUNE).number}"), 401, "not_authenticated")
    assert_error(api.get("/api/v1/bill-runs"), 401, "not_authenticated")


def test_the_bill_list_costs_the_same_queries_for_one_bill_or_many(
    api, billed, django_assert_max_num_queries
):
    mine = billed["mine"]
    api.force_login(customer_user(mine))
    with django_assert_max_num_queries(50) as one:
        api.get(f"/api/v1/accounts/{mine.code}/bills")
    services.bill_release(bill=bill_of(mine, JULY), now=NOW)
    services.bill_cancel(bill=bill_of(mine, JUNE), reason="x", now=NOW)
    with django_assert_max_num_queries(50) as three:
        listed = api.get(f"/api/v1/accounts/{mine.code}/bills").json()["results"]
    assert len(listed) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


# --- staff: bills ---------------------------------------------------------------------------------------


def test_staff_see_every_status_within_their_units_only(world, billed):
    client = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    mine, far = billed["mine"], billed["far"]
    listed = client.get(f"/api/v1/accounts/{mine.code}/bills").json()["results"]
    assert [(b["period"], b["status"]) for b in listed] == [("2025-07", "held"), ("2025-06", "issued")]
    assert listed[0]["hold_reason"] == bill_of(mine, JULY).hold_reason != ""
    held = client.get(f"/api/v1/bills/{bill_of(mine, JULY).number}")
    assert held.status_code == 200 and held.json()["status"] == "held"
    missing = assert_error(client.get("/api/v1/bills/209901-000000999"), 404, "not_found")
    assert client.get(f"/api/v1/bills/{bill_of(far, JUNE).number}").json() == missing
    assert_error(client.get(f"/api/v1/accounts/{far.code}/bills"), 404, "not_found")
    company = token_client(staff(unit=world["company"], role=StaffRole.VIEWER))
    assert company.get(f"/api/v1/bills/{bill_of(far, JUNE).number}").status_code == 200


def test_a_staff_session_without_two_factor_is_refused(api, world, billed):
    user = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    api.force_login(user)
    assert_error(api.get(f"/api/v1/accounts/{billed['mine'].code}/bills"), 403, "permission_denied")
    assert_error(api.get("/api/v1/bill-runs"), 403, "permission_denied")
    verified_login(api, user)
    assert api.get("/api/v1/bill-runs").status_code == 200


def test_an_operator_releases_a_held_bill_once(world, billed):
    held = bill_of(billed["mine"], JULY)
    viewer = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert_error(viewer.post(f"/api/v1/bills/{held.number}/release"), 403, "permission_denied")
    outsider = token_client(staff(unit=world["teams"][1], role=StaffRole.OPERATOR))
    assert_error(outsider.post(f"/api/v1/bills/{held.number}/release"), 404, "not_found")
    operator = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = operator.post(f"/api/v1/bills/{held.number}/release")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "issued" and response.json()["due_date"]
    held.refresh_from_db()
    assert held.status == Bill.Status.ISSUED
    body = assert_error(operator.post(f"/api/v1/bills/{held.number}/release"), 409, "not_held")
    assert body["details"] == {"status": "issued"}


# --- staff: bill runs -----------------------------------------------------------------------------------


def test_an_operator_starts_a_run_of_their_route_and_it_is_queued_on_commit(
    world, billed, django_capture_on_commit_callbacks
):
    operator = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    route = world["routes"][world["teams"][0]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator.post(
            "/api/v1/bill-runs", {"period": "2025-08", "route": route.code}, format="json"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    run = BillRun.objects.get(pk=body["id"])
    assert (run.period, run.route, run.accounts_total) == (dt.date(2025, 8, 1), route, 2)
    assert (body["period"], body["route"], body["status"], body["accounts_total"]) == (
        "2025-08",
        route.code,
        "pending",
        2,
    )
    assert response["Location"] == f"/api/v1/bill-runs/{run.pk}"
    assert len(callbacks) == 1
    queued = DBTaskResult.objects.get(task_path__endswith="bill_run_execute_task")
    assert queued.args_kwargs["args"] == [run.pk]


def test_a_run_executed_by_the_task_shows_progress_and_skipped_accounts(
    world, billed, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    no_reading = [factories.account(world, name=f"Chưa ghi {i}") for i in range(3)]
    operator = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    route = world["routes"][world["teams"][0]]
    with django_capture_on_commit_callbacks(execute=True):
        run_id = operator.post(
            "/api/v1/bill-runs", {"period": "2025-07", "route": route.code}, format="json"
        ).json()["id"]
    body = operator.get(f"/api/v1/bill-runs/{run_id}", {"limit": 2}).json()
    assert body["status"] == "done" and body["progress_percent"] == 100
    # mine and other were billed for July already: only the three new accounts are left, all without readings.
    assert (
        body["accounts_total"],
        body["accounts_done"],
        body["bills_created"],
        body["accounts_skipped"],
    ) == (5, 5, 0, 3)
    skipped = body["skipped"]
    assert skipped["count"] == 3 and len(skipped["results"]) == 2 and "offset=2" in skipped["next"]
    assert {s["reason"] for s in skipped["results"]} == {"no_reading"}
    rest = operator.get(f"/api/v1/bill-runs/{run_id}", {"limit": 2, "offset": 2}).json()["skipped"]["results"]
    codes = {s["account_code"] for s in skipped["results"] + rest}
    assert codes == {a.code for a in no_reading}


def test_runs_are_scoped_to_the_units_of_their_routes(world, billed):
    ours = services.bill_run_create(period=JULY, route=world["routes"][world["teams"][0]], now=NOW)
    theirs = services.bill_run_create(period=JULY, route=world["routes"][world["teams"][1]], now=NOW)
    everywhere = BillRun.objects.filter(route__isnull=True).order_by("pk").first()
    viewer = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert [r["id"] for r in viewer.get("/api/v1/bill-runs").json()["results"]] == [ours.pk]
    assert viewer.get(f"/api/v1/bill-runs/{ours.pk}").status_code == 200
    missing = assert_error(viewer.get("/api/v1/bill-runs/999999"), 404, "not_found")
    assert viewer.get(f"/api/v1/bill-runs/{theirs.pk}").json() == missing
    assert viewer.get(f"/api/v1/bill-runs/{everywhere.pk}").json() == missing
    root = token_client(superuser())
    ids = {r["id"] for r in root.get("/api/v1/bill-runs").json()["results"]}
    assert {ours.pk, theirs.pk, everywhere.pk} <= ids


def test_only_those_who_see_everything_run_every_route(world, billed, django_capture_on_commit_callbacks):
    company = token_client(staff(unit=world["company"], role=StaffRole.MANAGER))
    assert_error(
        company.post("/api/v1/bill-runs", {"period": "2025-08", "all_routes": True}, format="json"),
        403,
        "permission_denied",
    )
    root = token_client(superuser())
    with django_capture_on_commit_callbacks(execute=False):
        response = root.post("/api/v1/bill-runs", {"period": "2025-08", "all_routes": True}, format="json")
    assert response.status_code == 202
    assert response.json()["route"] is None and response.json()["accounts_total"] == 3


def test_a_viewer_reads_runs_but_cannot_start_one(world, billed):
    viewer = token_client(staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert viewer.get("/api/v1/bill-runs").status_code == 200
    route = world["routes"][world["teams"][0]]
    assert_error(
        viewer.post("/api/v1/bill-runs", {"period": "2025-08", "route": route.code}, format="json"),
        403,
        "permission_denied",
    )
    assert not BillRun.objects.filter(period=dt.date(2025, 8, 1)).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"period": "2025-13", "route": "R-PCCT-NK"}, "period"),
        ({"period": "08/2025", "route": "R-PCCT-NK"}, "period"),
        ({"period": "2025-08"}, "route"),
        ({"period": "2025-08", "route": "R-PCCT-NK", "all_routes": True}, "route"),
        ({"period": "2025-08", "route": "R-PCCT-PD"}, "route"),  # the other team's route
        ({"period": "2025-08", "route": "NO-SUCH-ROUTE"}, "route"),
    ],
)
def test_a_bad_run_request_is_a_400_naming_the_field(world, billed, payload, field):
    operator = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    body = assert_error(operator.post("/api/v1/bill-runs", payload, format="json"), 400, "invalid")
    assert field in body["details"]
    assert not BillRun.objects.filter(period=dt.date(2025, 8, 1)).exists()


# --- documentation --------------------------------------------------------------------------------------


def test_the_docs_page_lists_the_billing_and_tariff_operations(client, db):
    html = client.get("/api/v1/docs/").content.decode()
    for path in ("/api/v1/tariffs", "/api/v1/vat-rates", "/api/v1/quotes", "/api/v1/accounts/{code}/bills",
                 "/api/v1/bills/{number}", "/api/v1/bills/{number}/pdf", "/api/v1/bills/{number}/release",
                 "/api/v1/bill-runs", "/api/v1/bill-runs/{run_id}"):  # fmt: skip
        assert path in html


def test_a_time_of_use_bill_names_the_period_of_each_line(api, world):
    shop = factories.account(world, name="Cửa hàng Minh", purpose="business", time_of_use=True)
    meter = shop.meter_installations.get(removed_on__isnull=True).meter
    Reading.objects.bulk_create(
        Reading(meter=meter, account=shop, read_on=day, total=peak + normal + offpeak, peak=peak, normal=normal, offpeak=offpeak)
        for day, peak, normal, offpeak in ((dt.date(2025, 6, 5), 100, 300, 50), (dt.date(2025, 7, 5), 220, 600, 130))
    )  # fmt: skip
    services.bill_run_execute(run=services.bill_run_create(period=JULY, route=None, now=NOW), now=NOW)
    api.force_login(customer_user(shop))
    body = api.get(f"/api/v1/bills/{bill_of(shop, JULY).number}").json()
    assert [(line["tier"], line["period"], line["kwh"]) for line in body["lines"]] == [
        (None, "peak", 120),
        (None, "normal", 300),
        (None, "offpeak", 80),
    ]
    assert body["kwh"] == 500


def test_a_customer_never_sees_a_held_bill_cancelled_nor_a_credit_note_of_one(api, billed):
    mine = billed["mine"]
    july = bill_of(mine, JULY)
    assert services.bill_cancel(bill=july, reason="x", now=NOW) is None
    # A credit note left by earlier versions for a held bill is hidden too.
    legacy = Bill.objects.create(
        number=f"DC-{july.number}", kind=Bill.Kind.CREDIT_NOTE, account=mine, period=JULY, status=Bill.Status.ISSUED,
        start_date=july.start_date, end_date=july.end_date, days=july.days, start_index=july.start_index,
        end_index=july.end_index, kwh=-july.kwh, subtotal=-july.subtotal, vat=-july.vat, total=-july.total,
        created_at=NOW, issued_at=NOW, refers_to=july,
    )  # fmt: skip
    api.force_login(customer_user(mine))
    listed = [b["number"] for b in api.get(f"/api/v1/accounts/{mine.code}/bills").json()["results"]]
    assert listed == [bill_of(mine, JUNE).number]
    for number in (july.number, legacy.number):
        assert_error(api.get(f"/api/v1/bills/{number}"), 404, "not_found")
        assert api.get(f"/api/v1/bills/{number}/pdf", HTTP_ACCEPT="application/pdf").status_code == 404


def test_an_operator_releases_the_held_bills_of_a_run_of_their_route_at_once(world, billed):
    from gridcare.notifications.models import Notice

    team, other_team = world["teams"]
    run = services.bill_run_create(period=dt.date(2025, 8, 1), route=world["routes"][team], now=NOW)
    held = []
    for account in (billed["mine"], billed["other"], billed["far"]):  # `far` is of the other team
        held.append(Bill.objects.create(
            number=f"T-{account.code}", account=account, period=dt.date(2025, 8, 1), run=run, status=Bill.Status.HELD,
            start_date=dt.date(2025, 7, 5), end_date=dt.date(2025, 8, 5), days=31, start_index=300, end_index=400,
            kwh=100, subtotal=1000, vat=80, total=1080, created_at=NOW,
        ))  # fmt: skip
    viewer = token_client(staff(unit=team, role=StaffRole.VIEWER))
    assert_error(viewer.post(f"/api/v1/bill-runs/{run.pk}/release"), 403, "permission_denied")
    outsider = token_client(staff(unit=other_team, role=StaffRole.OPERATOR))
    assert_error(outsider.post(f"/api/v1/bill-runs/{run.pk}/release"), 404, "not_found")
    notices = Notice.objects.count()
    operator = token_client(staff(unit=team, role=StaffRole.OPERATOR))
    response = operator.post(f"/api/v1/bill-runs/{run.pk}/release")
    assert response.status_code == 200, response.content
    assert response.json() == {"released": 2}
    assert [Bill.objects.get(pk=b.pk).status for b in held] == ["issued", "issued", "held"]
    assert Notice.objects.count() == notices + 1
    assert operator.post(f"/api/v1/bill-runs/{run.pk}/release").json() == {"released": 0}
