"""The field worklist: the day's jobs of the signed-in worker; a finished form sent twice is taken once."""

from django.utils import timezone

from gridcare.org.models import StaffRole
from gridcare.servicedesk import services
from gridcare.servicedesk.models import RequestState, WorkOrder
from tests import factories
from tests.backoffice.builders import staff, verified_login
from tests.servicedesk.builders import open_request


def _job(world, team=0):
    request = open_request(factories.account(world, team=world["teams"][team], name="Chủ nhà Lê Văn Ba"))
    lead = staff(unit=world["teams"][team], role=StaffRole.MANAGER)
    worker = staff(unit=world["teams"][team], role=StaffRole.OPERATOR)
    order = services.request_assign(request=request, assignee=worker, by=lead, now=timezone.now())
    return request, worker, order


def test_the_worker_sees_today_s_jobs_and_finishes_one_once(client, world):
    request, worker, order = _job(world)
    verified_login(client, worker)
    page = client.get("/backoffice/field/").content.decode()
    assert request.premise.street in page and "Chủ nhà Lê Văn Ba" in page
    job = client.get(f"/backoffice/field/{order.pk}/").content.decode()
    assert 'capture="environment"' in job and "field.js" in job
    client.post("/backoffice/field/sync/", {"work_order": order.pk, "action": "start"})
    form = {"work_order": order.pk, "action": "finish", "client_key": "phone-key-1", "work_done": "Đấu lại dây",
            "customer_confirmed": "1", "confirmed_by": "Lê Văn Ba"}  # fmt: skip
    for _attempt in range(2):
        answer = client.post("/backoffice/field/sync/", form, HTTP_ACCEPT="application/json")
        assert answer.status_code == 200 and answer.json()["state"] == "done"
    order.refresh_from_db()
    request.refresh_from_db()
    assert order.customer_confirmed and order.client_key == "phone-key-1"
    assert request.state == RequestState.CLOSED and request.history.filter(to_state="closed").count() == 1


def test_an_empty_report_is_refused_with_a_sentence(client, world):
    _request, worker, order = _job(world)
    verified_login(client, worker)
    answer = client.post(
        "/backoffice/field/sync/",
        {"work_order": order.pk, "action": "finish", "work_done": " "},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "work_done_missing"


def test_staff_of_another_team_see_and_change_nothing(client, world):
    _request, _worker, order = _job(world, team=1)
    outsider = staff(unit=world["teams"][0], role=StaffRole.MANAGER)
    verified_login(client, outsider)
    assert "Chủ nhà Lê Văn Ba" not in client.get("/backoffice/field/").content.decode()
    assert client.get(f"/backoffice/field/{order.pk}/").status_code == 404
    response = client.post(
        "/backoffice/field/sync/", {"work_order": order.pk, "action": "finish", "work_done": "x"}
    )
    assert response.status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).state == WorkOrder.State.PLANNED
