"""The back-office pages, portal pages and API endpoints of the insights area, through HTTP."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gridcare.insights.models import AdoptionTarget, Advice, AdviceRecipient
from gridcare.notifications.models import OutboxMessage
from gridcare.org.models import StaffRole
from tests import factories
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import staff, verified_login
from tests.insights.builders import invoice
from tests.portal.builders import portal_login

THIS_MONTH = dt.date.today().replace(day=1)


@pytest.fixture
def homes(world):
    """Twelve households of team A (one with e-mail), billed this month; two of team B on paper."""
    rows = [
        factories.account(world, phone=f"+8493000{i:04d}", email="mot@example.vn" if i == 0 else "")
        for i in range(12)
    ]
    for i, acct in enumerate(rows):
        invoice(acct, period=THIS_MONTH, kwh=100 + 10 * i)
    theirs = [factories.account(world, team=world["teams"][1], name="Khách Đội Bên Kia") for _ in range(2)]
    return rows, theirs


def test_compose_preview_and_publish_in_the_back_office_once(client, world, homes):
    rows, _theirs = homes
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    verified_login(client, operator)
    response = client.post("/backoffice/insights/advice/add/", {
        "unit": world["teams"][0].pk, "title_vi": "Tiết kiệm điện mùa khô", "body_vi": "Tắt thiết bị khi không dùng.",
        "purposes": ["residential"], "high_users_months": 3,
    })  # fmt: skip
    advice = Advice.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/insights/advice/{advice.pk}/preview/"
    )
    preview = client.get(f"/backoffice/insights/advice/{advice.pk}/preview/")
    assert preview.status_code == 200 and preview.context["preview"]["total"] == "12"
    for _ in range(2):
        assert client.post(f"/backoffice/insights/advice/{advice.pk}/preview/").status_code == 302
    advice.refresh_from_db()
    assert advice.status == Advice.Status.SENT and advice.recipients == 12
    assert (
        OutboxMessage.objects.filter(notice__key=f"advice:{advice.pk}").count() == 12
    )  # one e-mail, eleven SMS
    assert OutboxMessage.objects.filter(notice__key=f"advice:{advice.pk}", channel="email").count() == 1
    assert "Đã gửi lúc" in client.get(f"/backoffice/insights/advice/{advice.pk}/preview/").content.decode()


def test_a_staff_member_of_another_team_sees_and_changes_nothing(client, world, homes):
    rows, theirs = homes
    advice = Advice.objects.create(
        unit=world["teams"][0], title_vi="Tin của đội A", body_vi="x", created_at=timezone.now()
    )
    AdoptionTarget.objects.create(unit=world["teams"][0], year=2025, measure="email", target=10)
    stranger = staff(unit=world["teams"][1], role=StaffRole.ADMINISTRATOR)
    verified_login(client, stranger)
    assert client.get(f"/backoffice/insights/advice/{advice.pk}/preview/").status_code == 404
    client.post(f"/backoffice/insights/advice/{advice.pk}/preview/")
    assert (
        Advice.objects.get(pk=advice.pk).status == Advice.Status.DRAFT and not OutboxMessage.objects.exists()
    )
    assert (
        client.get(f"/backoffice/insights/adoptiontarget/dashboard/?unit={world['teams'][0].pk}").status_code
        == 404
    )
    dashboard = client.get("/backoffice/insights/adoptiontarget/dashboard/")
    assert dashboard.status_code == 200 and "Đội QLĐ Ninh Kiều" not in dashboard.content.decode()
    assert (
        client.get(f"/backoffice/insights/adoptiontarget/visits/?unit={world['teams'][0].pk}").status_code
        == 404
    )
    own = client.get("/backoffice/insights/adoptiontarget/visits/?format=csv")
    text = b"".join(own.streaming_content).decode("utf-8")
    assert theirs[0].code in text and rows[1].code not in text


def test_the_visit_list_exports_csv_and_xlsx_of_the_team_only(client, world, homes):
    rows, theirs = homes
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    team = world["teams"][0].pk
    page = client.get(f"/backoffice/insights/adoptiontarget/visits/?unit={team}")
    assert page.status_code == 200 and page.context["total"] == "11"  # the one with e-mail is reachable
    csv_text = b"".join(
        client.get(f"/backoffice/insights/adoptiontarget/visits/?unit={team}&format=csv").streaming_content
    ).decode()
    codes = {line.split(",")[0].lstrip("\ufeff") for line in csv_text.splitlines()[1:]}
    assert codes == {a.code for a in rows[1:]}
    xlsx = client.get(f"/backoffice/insights/adoptiontarget/visits/?unit={team}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert {r[0].value for r in list(sheet.iter_rows())[1:]} == {a.code for a in rows[1:]}
    assert theirs[0].code not in csv_text


def test_comparison_page_for_the_customer_and_404_for_another(client, world, homes):
    rows, _theirs = homes
    portal_login(rows[0])
    client.login(username=rows[0].code, password="đúng-mật-khẩu-2025")
    home = client.get("/")
    assert f"/accounts/{rows[0].code}/comparison/" in home.content.decode()
    page = client.get(f"/accounts/{rows[0].code}/comparison/")
    assert page.status_code == 200 and page.context["comparison"].shown
    # Twelve households 100…210 kWh: this one (100) uses more than none of them; median (150 + 160) / 2 = 155.
    assert page.context["latest"].position == 0 and page.context["latest"].median == 155.0
    assert client.get(f"/accounts/{rows[1].code}/comparison/").status_code == 404
    assert client.get(f"/accounts/{rows[1].code}/advice/").status_code == 404


def test_portal_lists_only_the_advice_the_account_received(client, world, homes):
    rows, _theirs = homes
    now = timezone.now()
    sent = Advice.objects.create(unit=world["teams"][0], title_vi="Đã gửi cho tôi", body_vi="nội dung", status="sent",
                                 sent_at=now, created_at=now)  # fmt: skip
    Advice.objects.create(
        unit=world["teams"][0],
        title_vi="Gửi người khác",
        body_vi="x",
        status="sent",
        sent_at=now,
        created_at=now,
    )
    AdviceRecipient.objects.create(advice=sent, account=rows[0])
    portal_login(rows[0])
    client.login(username=rows[0].code, password="đúng-mật-khẩu-2025")
    page = client.get(f"/accounts/{rows[0].code}/advice/").content.decode()
    assert "Đã gửi cho tôi" in page and "Gửi người khác" not in page


def test_api_answers_400_for_bad_input_and_404_outside_the_callers_reach(world, homes):
    rows, theirs = homes
    api = token_client(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    team_a = world["teams"][0]
    ok = api.post(
        "/api/v1/advice/segment-preview", {"unit": team_a.code, "purposes": ["residential"]}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["total"] == 12
    for body in ({"unit": team_a.code, "purposes": ["moon"]}, {"unit": team_a.code, "high_users_percent": 0},
                 {"unit": team_a.code, "commune": "99-999"}, {"purposes": "x"}, [1, 2]):  # fmt: skip
        response = api.post("/api/v1/advice/segment-preview", body, format="json")
        assert response.status_code == 400 and set(response.json()) == {"code", "message", "details"}, body
    bad_json = api.post("/api/v1/advice/segment-preview", "{nope", content_type="application/json")
    assert bad_json.status_code == 400
    assert (
        api.post(
            "/api/v1/advice/segment-preview", {"unit": world["teams"][1].code}, format="json"
        ).status_code
        == 404
    )
    assert api.get("/api/v1/adoption?since=2025-12-31&until=2025-11-01").status_code == 400
    assert api.get("/api/v1/adoption?year=abc").status_code == 400
    assert api.get("/api/v1/adoption?until=9999-12-31").status_code == 400  # no date overflow, no 500
    adoption = api.get(f"/api/v1/adoption?unit={team_a.code}&year=2025")
    assert adoption.status_code == 200 and adoption.json()[0]["accounts"] == 12
    assert api.get(f"/api/v1/accounts/{theirs[0].code}/comparison").status_code == 404
    other = Advice.objects.create(
        unit=world["teams"][1], title_vi="B", body_vi="b", created_at=timezone.now()
    )
    assert api.post(f"/api/v1/advice/{other.pk}/publish").status_code == 404
    mine = Advice.objects.create(unit=team_a, title_vi="A", body_vi="a", created_at=timezone.now())
    first = api.post(f"/api/v1/advice/{mine.pk}/publish")
    second = api.post(f"/api/v1/advice/{mine.pk}/publish")
    assert first.status_code == second.status_code == 200 and first.json()["recipients"] == 12
    assert OutboxMessage.objects.filter(notice__key=f"advice:{mine.pk}").count() == 12


def test_api_comparison_for_the_customer_and_404_for_another(world, homes):
    rows, _theirs = homes
    api = APIClient()
    api.force_login(portal_login(rows[0]))
    mine = api.get(f"/api/v1/accounts/{rows[0].code}/comparison")
    assert mine.status_code == 200 and mine.json()["shown"] and mine.json()["months"][0]["households"] == 12
    assert api.get(f"/api/v1/accounts/{rows[1].code}/comparison").status_code == 404
