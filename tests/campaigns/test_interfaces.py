"""The month's back-office report (page, XLSX read back, PDF rendered by pdftoppm), the beneficiaries' pages, the
public pages (registration throttled and with consent; thanks with nothing personal) and the API's bad input."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.utils import timezone

from gridcare.campaigns import services
from gridcare.campaigns.models import Activity, BloodRegistration
from gridcare.core.models import AuditEntry
from gridcare.customers import services as customer_services
from gridcare.org.models import StaffRole
from tests import factories
from tests.api.test_accounts_api import token_client
from tests.backoffice.builders import staff, verified_login
from tests.campaigns.builders import NOW, activity, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(world):
    team_a, team_b = world["teams"]
    camp = campaign(world)
    a_manager = staff(unit=team_a, role=StaffRole.MANAGER, username="quanly.doia")
    b_manager = staff(unit=team_b, role=StaffRole.MANAGER, username="quanly.doib")
    account = factories.account(world, team=team_b, name="Hộ Nghèo Bí Mật Của B", phone="+84987654321")
    assignment = customer_services.social_category_assign(customer=account.customer, category="poor", active_from=dt.date(2025, 1, 1))
    wiring = activity(b_manager, camp, team_b, "poor-household-wiring", title="Sửa điện hộ nghèo Phong Điền", households=4,
                      budget_vnd=8_000_000)  # fmt: skip
    record = services.activity_record_add(user=b_manager, activity=wiring, done_on=dt.date(2025, 12, 3), now=NOW,
                                          quantities={"households": 3, "budget_vnd": 4_500_000})  # fmt: skip
    services.beneficiary_from_social_category(user=b_manager, record=record, assignment=assignment, now=NOW)
    services.beneficiary_with_consent(user=b_manager, record=record, name="Bà Năm Đồng Ý", address="Ấp Bí Mật", consent_on=dt.date(2025, 12, 1))
    return {"campaign": camp, "a_manager": a_manager, "b_manager": b_manager, "record": record, "activity": wiring, "world": world}


def _report(client, month, **query):
    return client.get("/backoffice/campaigns/activity/report/", {"year": 2025, **query})


def test_the_report_page_its_xlsx_and_its_pdf_open(client, month, tmp_path):
    import openpyxl

    verified_login(client, month["b_manager"])
    page = _report(client, month)
    assert page.status_code == 200 and "Sửa điện hộ nghèo" not in page.content.decode()  # totals, not titles
    body = page.content.decode()
    assert "4.500.000 ₫" in body and "8.000.000 ₫" in body and "75 %" in body  # 3 of 4 households
    xlsx = _report(client, month, format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Đơn vị")
    team_row = next(r for r in rows if r and str(r[0]).strip() == month["world"]["teams"][1].name)
    assert team_row[header.index("số hộ/khách hàng — chỉ tiêu")] == 4
    assert team_row[header.index("số hộ/khách hàng — thực hiện")] == 3
    assert team_row[header.index("số hộ/khách hàng — %")] == 75
    pdf = _report(client, month, format="pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to render the report")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],  # noqa: S603, S607 - poppler
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 1000 for p in pages)


def test_another_teams_manager_sees_none_of_it_and_changes_nothing(client, month):
    verified_login(client, month["a_manager"])
    page = _report(client, month)
    assert page.status_code == 200 and "4.500.000" not in page.content.decode()
    assert _report(client, month, unit=month["world"]["teams"][1].pk).status_code == 404
    record, act = month["record"], month["activity"]
    for url in (f"/backoffice/campaigns/activityrecord/{record.pk}/change/", f"/backoffice/campaigns/activity/{act.pk}/change/"):
        assert client.get(url).status_code != 200
    listing = client.get("/backoffice/campaigns/beneficiary/")
    assert "Bí Mật" not in listing.content.decode()
    client.post(f"/backoffice/campaigns/activity/{act.pk}/change/", {"move_to": "cancelled", "reason": "x"})
    assert Activity.objects.get(pk=act.pk).state == "in_progress"


def test_a_teams_manager_moves_its_activity_from_the_change_page(client, month):
    verified_login(client, month["b_manager"])
    url = f"/backoffice/campaigns/activity/{month['activity'].pk}/change/"
    assert client.get(url).status_code == 200
    inline = {"records-TOTAL_FORMS": "1", "records-INITIAL_FORMS": "1", "records-0-id": str(month["record"].pk),
              "records-0-activity": str(month["activity"].pk)}  # the read-only list of records below the form
    refused = client.post(url, {"move_to": "cancelled", "reason": "", **inline})
    assert refused.status_code == 200 and "lý do huỷ" in refused.content.decode()
    moved = client.post(url, {"move_to": "done", "reason": "", **inline})
    assert moved.status_code == 302 and Activity.objects.get(pk=month["activity"].pk).state == "done"


def test_beneficiary_pages_audit_every_read_and_hide_categories_from_operators(client, month, world):
    verified_login(client, month["b_manager"])
    before = AuditEntry.objects.filter(action="read").count()
    listing = client.get("/backoffice/campaigns/beneficiary/")
    assert "Hộ Nghèo Bí Mật Của B" in listing.content.decode() and "hộ nghèo" in listing.content.decode()
    reads = AuditEntry.objects.filter(action="read").order_by("pk")[before:]
    assert sorted(e.object_type for e in reads) == ["campaigns.beneficiary", "campaigns.beneficiary", "customers.socialcategoryassignment"]
    client.logout()
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.OPERATOR))
    listing = client.get("/backoffice/campaigns/beneficiary/").content.decode()
    assert "Bà Năm Đồng Ý" in listing and "Hộ Nghèo Bí Mật Của B" not in listing


def test_the_public_thank_you_page_shows_totals_and_nothing_personal(client, month):
    page = client.get("/tri-an/2025/")
    body = page.content.decode()
    assert page.status_code == 200 and "Tháng tri ân khách hàng năm 2025" in body
    assert "Sửa chữa, lắp mới miễn phí hệ thống điện" in body and "4.500.000 ₫" in body
    for personal in ("Hộ Nghèo Bí Mật", "Bà Năm", "Ấp Bí Mật", "+84987654321", "hộ nghèo</td>", month["world"]["teams"][1].name):
        assert personal not in body
    assert client.get("/tri-an/2019/").status_code == 404


def test_public_blood_registration_needs_consent_keeps_the_input_and_is_throttled(client, month, settings):
    cache.clear()
    today = timezone.localdate()
    camp = campaign(month["world"], year=today.year + 1)
    camp.active_from, camp.active_to, camp.latest_end = today, today + dt.timedelta(days=30), today + dt.timedelta(days=60)
    camp.save()
    company = month["world"]["company"]
    manager = staff(unit=company, role=StaffRole.MANAGER)
    act = activity(manager, camp, company, "blood-drive", start=today + dt.timedelta(days=3), end=today + dt.timedelta(days=3))
    drive = services.blood_drive_plan(user=manager, activity=act, place="Hội trường Công ty", held_on=today + dt.timedelta(days=3))
    url = f"/hien-mau/{drive.pk}/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"name": "Nguyễn Văn Hiến", "phone": "0912 345 678"})
    assert refused.status_code == 400 and "đánh dấu đồng ý" in refused.content.decode()
    assert 'value="Nguyễn Văn Hiến"' in refused.content.decode() and not BloodRegistration.objects.exists()
    taken = client.post(url, {"name": "Nguyễn Văn Hiến", "phone": "0912 345 678", "consent": "yes"})
    assert taken.status_code == 200 and "Cảm ơn bạn đã đăng ký" in taken.content.decode()
    assert BloodRegistration.objects.get().phone == "+84912345678"
    for i in range(8):
        client.post(url, {"name": "X", "phone": f"09120000{i:02d}", "consent": "yes"})
    throttled = client.post(url, {"name": "Y", "phone": "0912999999", "consent": "yes"})
    assert throttled.status_code == 429 and BloodRegistration.objects.count() == 9
    assert client.get(f"/hien-mau/{drive.pk + 999}/").status_code == 404


def test_the_api_answers_400_not_500_on_bad_input(month):
    api = token_client(month["b_manager"])
    team_b = month["world"]["teams"][1].code
    for body in (
        {"unit": team_b, "kind": "no-such-kind", "title": "x", "starts_on": "2025-11-10", "ends_on": "2025-11-11"},
        {"unit": team_b, "kind": "led-replacement", "title": "x", "starts_on": "10/11/2025", "ends_on": "2025-11-11"},
        {"unit": team_b, "kind": "led-replacement", "title": "x", "starts_on": "2025-11-10", "ends_on": "2025-11-11",
         "targets": {"lamps": -5}},
        {"unit": team_b, "kind": "led-replacement", "title": "x", "starts_on": "2025-11-10", "ends_on": "2025-11-11",
         "targets": {"blood_units": 5}},
        {"unit": team_b, "kind": "led-replacement", "title": "x", "starts_on": "2026-03-10", "ends_on": "2026-03-11"},
        {"unit": team_b, "kind": "led-replacement", "title": "x" * 500, "starts_on": "2025-11-10", "ends_on": "2025-11-11"},
        [],
    ):  # fmt: skip
        response = api.post("/api/v1/campaigns/2025/activities", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["message"]
    planned = api.post("/api/v1/campaigns/2025/activities", {"unit": team_b, "kind": "led-replacement", "title": "Thay LED",
                       "starts_on": "2025-11-10", "ends_on": "2025-11-20", "targets": {"households": 5, "lamps": 15}}, format="json")  # fmt: skip
    assert planned.status_code == 201 and planned.json()["targets"]["lamps"] == 15
    pk = planned.json()["id"]
    assert api.post(f"/api/v1/campaign-activities/{pk}/records", {"done_on": "2099-01-01"}, format="json").status_code == 400
    assert api.post(f"/api/v1/campaign-activities/{pk}/moves", {"to": "done"}, format="json").status_code == 409
    assert api.post(f"/api/v1/campaign-activities/{pk}/moves", {"to": "sideways"}, format="json").status_code == 400
    done = api.post(f"/api/v1/campaign-activities/{pk}/records", {"done_on": "2025-11-15", "quantities": {"households": 2, "lamps": 6}},
                    format="json")  # fmt: skip
    assert done.status_code == 201 and done.json()["state"] == "in_progress"
    rollup = api.get("/api/v1/campaigns/2025/rollup").json()
    assert rollup[0]["targets"]["households"] == "9.00" and rollup[0]["results"]["lamps"] == "6.00"
    assert api.get("/api/v1/campaigns/1999/rollup").status_code == 404
