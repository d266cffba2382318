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
    assignment = customer_services.social_category_assign(
        customer=account.customer, category="poor", active_from=dt.date(2025, 1, 1)
    )
    wiring = activity(b_manager, camp, team_b, "poor-household-wiring", title="Sửa điện hộ nghèo Phong Điền", households=4,
                      budget_vnd=8_000_000)  # fmt: skip
    record = services.activity_record_add(user=b_manager, activity=wiring, done_on=dt.date(2025, 12, 3), now=NOW,
                                          quantities={"households": 3, "budget_vnd": 4_500_000})  # fmt: skip
    services.beneficiary_from_social_category(user=b_manager, record=record, assignment=assignment, now=NOW)
    services.beneficiary_with_consent(
        user=b_manager,
        record=record,
        name="Bà Năm Đồng Ý",
        address="Ấp Bí Mật",
        consent_on=dt.date(2025, 12, 1),
    )
    return {
        "campaign": camp,
        "a_manager": a_manager,
        "b_manager": b_manager,
        "record": record,
        "activity": wiring,
        "world": world,
    }


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
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],  # noqa: S603, S607 - poppler
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 1000 for p in pages)


def test_another_teams_manager_sees_none_of_it_and_changes_nothing(client, month):
    verified_login(client, month["a_manager"])
    page = _report(client, month)
    assert page.status_code == 200 and "4.500.000" not in page.content.decode()
    assert _report(client, month, unit=month["world"]["teams"][1].pk).status_code == 404
    record, act = month["record"], month["activity"]
    for url in (
        f"/backoffice/campaigns/activityrecord/{record.pk}/change/",
        f"/backoffice/campaigns/activity/{act.pk}/change/",
    ):
        assert client.get(url).status_code != 200
    listing = client.get("/backoffice/campaigns/beneficiary/")
    assert "Bí Mật" not in listing.content.decode()
    client.post(f"/backoffice/campaigns/activity/{act.pk}/change/", {"move_to": "cancelled", "reason": "x"})
    assert Activity.objects.get(pk=act.pk).state == "in_progress"


def test_a_teams_manager_moves_its_activity_from_the_change_page(client, month):
    verified_login(client, month["b_manager"])
    url = f"/backoffice/campaigns/activity/{month['activity'].pk}/change/"
    assert client.get(url).status_code == 200
    inline = {
        "records-TOTAL_FORMS": "1",
        "records-INITIAL_FORMS": "1",
        "records-0-id": str(month["record"].pk),
        "records-0-activity": str(month["activity"].pk),
    }  # the read-only list of records below the form
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
    assert sorted(e.object_type for e in reads) == [
        "campaigns.beneficiary",
        "campaigns.beneficiary",
        "customers.socialcategoryassignment",
    ]
    client.logout()
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.OPERATOR))
    listing = client.get("/backoffice/campaigns/beneficiary/").content.decode()
    assert "Bà Năm Đồng Ý" in listing and "Hộ Nghèo Bí Mật Của B" not in listing


def test_the_public_thank_you_page_shows_totals_and_nothing_personal(client, month):
    page = client.get("/tri-an/2025/")
    body = page.content.decode()
    assert page.status_code == 200 and "Tháng tri ân khách hàng năm 2025" in body
    assert "Sửa chữa, lắp mới miễn phí hệ thống điện" in body and "4.500.000 ₫" in body
    for personal in (
        "Hộ Nghèo Bí Mật",
        "Bà Năm",
        "Ấp Bí Mật",
        "+84987654321",
        "hộ nghèo</td>",
        month["world"]["teams"][1].name,
    ):
        assert personal not in body
    assert client.get("/tri-an/2019/").status_code == 404


def test_public_blood_registration_needs_consent_keeps_the_input_and_is_throttled(client, month, settings):
    cache.clear()
    today = timezone.localdate()
    camp = campaign(month["world"], year=today.year + 1)
    camp.active_from, camp.active_to, camp.latest_end = (
        today,
        today + dt.timedelta(days=30),
        today + dt.timedelta(days=60),
    )
    camp.save()
    company = month["world"]["company"]
    manager = staff(unit=company, role=StaffRole.MANAGER)
    act = activity(
        manager,
        camp,
        company,
        "blood-drive",
        start=today + dt.timedelta(days=3),
        end=today + dt.timedelta(days=3),
    )
    drive = services.blood_drive_plan(
        user=manager, activity=act, place="Hội trường Công ty", held_on=today + dt.timedelta(days=3)
    )
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
    assert (
        api.post(
            f"/api/v1/campaign-activities/{pk}/records", {"done_on": "2099-01-01"}, format="json"
        ).status_code
        == 400
    )
    assert (
        api.post(f"/api/v1/campaign-activities/{pk}/moves", {"to": "done"}, format="json").status_code == 409
    )
    assert (
        api.post(f"/api/v1/campaign-activities/{pk}/moves", {"to": "sideways"}, format="json").status_code
        == 400
    )
    done = api.post(f"/api/v1/campaign-activities/{pk}/records", {"done_on": "2025-11-15", "quantities": {"households": 2, "lamps": 6}},
                    format="json")  # fmt: skip
    assert done.status_code == 201 and done.json()["state"] == "in_progress"
    rollup = api.get("/api/v1/campaigns/2025/rollup").json()
    assert rollup[0]["targets"]["households"] == "9.00" and rollup[0]["results"]["lamps"] == "6.00"
    assert api.get("/api/v1/campaigns/1999/rollup").status_code == 404


def test_the_report_shows_digital_adoption_per_unit_against_targets(client, month, tmp_path):
    import openpyxl

    from gridcare.insights.models import AdoptionTarget
    from gridcare.notifications.models import PushSubscription
    from gridcare.payments.models import Payment

    world = month["world"]
    team_a, team_b = world["teams"]
    in_campaign = dt.datetime(2025, 12, 5, 3, 0, tzinfo=dt.UTC)
    before = dt.datetime(2025, 10, 20, 3, 0, tzinfo=dt.UTC)
    # Team B: two first push subscriptions in the month (app, and e-bills by push), one that already had one in
    # October (not a move), one first online payment in the month; team A: nothing.
    pushed = [factories.account(world, team=team_b, phone=f"+8493000{i:04d}") for i in range(3)]
    for i, acct in enumerate(pushed[:2]):
        PushSubscription.objects.create(account=acct, endpoint=f"https://fcm.googleapis.com/fcm/send/b{i}", p256dh="k", auth="a",
                                        created_at=in_campaign)  # fmt: skip
    PushSubscription.objects.create(account=pushed[2], endpoint="https://fcm.googleapis.com/fcm/send/old", p256dh="k", auth="a",
                                    created_at=before)  # fmt: skip
    payer = factories.account(world, team=team_b, phone="+84930009999")
    Payment.objects.create(
        account=payer,
        channel="vnpay",
        reference="camp-1",
        amount=100_000,
        received_at=in_campaign,
        recorded_at=in_campaign,
    )
    AdoptionTarget.objects.create(unit=team_b, year=2025, measure="app", target=4)
    AdoptionTarget.objects.create(unit=team_a, year=2025, measure="app", target=3)
    verified_login(client, month["b_manager"])
    body = _report(client, month).content.decode()
    table = body[body.index('id="campaign-adoption"') :]
    assert (
        "Chỉ liên lạc được qua giấy hoặc SMS" in table
        and "/backoffice/insights/adoptiontarget/visits/?unit=" in table
    )
    sheet = openpyxl.load_workbook(io.BytesIO(_report(client, month, format="xlsx").content))["Chuyển đổi số"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Đơn vị")
    team_row = next(r for r in rows if r and str(r[0]).strip() == team_b.name)
    app = "dùng ứng dụng / cổng khách hàng"
    assert team_row[header.index(f"{app} — đã chuyển")] == 2
    assert team_row[header.index(f"{app} — chỉ tiêu")] == 4
    assert team_row[header.index(f"{app} — %")] == 50
    assert team_row[header.index("nhận hoá đơn điện tử — đã chuyển")] == 2
    assert team_row[header.index("thanh toán trực tuyến — đã chuyển")] == 1
    # Paper or SMS only: the poor household of the fixture and the payer (the three with push are reachable).
    assert team_row[header.index("Chỉ liên lạc được qua giấy hoặc SMS")] == 2
    assert team_row[header.index("Số khách hàng")] == 5
    pdf = _report(client, month, format="pdf")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", str(tmp_path / "report.pdf"), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout  # noqa: S603, S607
    assert "Chuyển đổi số trong thời gian chương trình" in text
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],  # noqa: S603, S607 - poppler
        check=True,
        timeout=60,
    )
    assert sorted(tmp_path.glob("page*.png"))
    # Another team's manager sees its own zero, never team B's figures.
    client.logout()
    verified_login(client, month["a_manager"])
    other = openpyxl.load_workbook(io.BytesIO(_report(client, month, format="xlsx").content))["Chuyển đổi số"]
    names = [str(r[0]).strip() for r in other.iter_rows(values_only=True) if r and r[0]]
    assert team_b.name not in names and team_a.name in names


def test_the_api_takes_a_records_photo_checked_and_scaled_like_the_back_office(month, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from gridcare.campaigns.models import Photo

    def png(width, height, name="hien-truong.png"):
        out = io.BytesIO()
        Image.new("RGB", (width, height), (20, 120, 200)).save(out, format="PNG")
        return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")

    url = f"/api/v1/campaign-records/{month['record'].pk}/photos"
    api = token_client(month["b_manager"])
    added = api.post(url, {"file": png(3000, 2000)}, format="multipart")
    assert added.status_code == 201, added.content
    assert added.json()["content_type"] == "image/jpeg" and added.json()["record"] == month["record"].pk
    stored = Photo.objects.get(pk=added.json()["id"])
    with Image.open(stored.file.open("rb")) as image:
        limit = settings.GRIDCARE_SERVICEDESK_IMAGE_MAX_PIXELS
        assert max(image.size) == limit < 3000 and image.format == "JPEG" and not image.getexif()
    wrong = api.post(
        url,
        {"file": SimpleUploadedFile("ghi-chu.txt", b"not a photo at all", content_type="image/png")},
        format="multipart",
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "file_type"
    settings.GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES = 1000
    big = api.post(
        url,
        {"file": SimpleUploadedFile("lon.pdf", b"%PDF-" + b"0" * 2000, content_type="application/pdf")},
        format="multipart",
    )
    assert big.status_code == 413 and big.json()["code"] == "file_too_large"
    # Another team's manager: the record does not exist for them; a viewer of the team may not add.
    assert (
        token_client(month["a_manager"]).post(url, {"file": png(20, 20)}, format="multipart").status_code
        == 404
    )
    viewer = staff(unit=month["world"]["teams"][1], role=StaffRole.VIEWER)
    assert token_client(viewer).post(url, {"file": png(20, 20)}, format="multipart").status_code == 403
    assert Photo.objects.filter(record=month["record"]).count() == 1
