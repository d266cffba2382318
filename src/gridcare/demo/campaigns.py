"""Demo appreciation month: the 2025 campaign of Can Tho Power with activities in every state in several teams,
records with beneficiaries (customers with a social category, and people registered with consent), a blood drive with
staff and public registrations, a "Thắp sáng đường quê" project, recognition lists (the 2025 demand-response event's
participants and the top energy savers, from the history in `campaigns_history`, and a chosen list); and, when the demo's today falls
in a campaign month of a later year, that year's campaign with a blood drive still open to the public."""

import contextlib
import datetime as dt
from decimal import Decimal

from django.db.models import Q

from gridcare.campaigns import services
from gridcare.campaigns.models import ActivityKind, ActivityState, Campaign, RecognitionList
from gridcare.core.models import User
from gridcare.customers.models import Account, SocialCategoryAssignment
from gridcare.org.models import Unit

from . import campaigns_history, places

YEAR = 2025
THEME = "Ngàn trái tim — Một tấm lòng. Điện lực đồng hành, tri ân khách hàng"


def _open(*, admin, year: int, now: dt.datetime) -> Campaign:
    found = Campaign.objects.filter(year=year).first()
    if found is not None:
        return found
    return services.campaign_open(
        user=admin, year=year, name=f"Tháng tri ân khách hàng năm {year}", theme=THEME, active_from=dt.date(year, 11, 1),
        active_to=dt.date(year + 1, 1, 1), latest_end=dt.date(year + 1, 2, 1), anniversary_on=dt.date(year, 12, 21), now=now,
    )  # fmt: skip


def demo_campaigns_load(*, today: dt.date, now: dt.datetime) -> int:
    """Build the demo campaign (idempotent by year); returns the number of activities made."""
    company = Unit.objects.filter(code=places.COMPANY_CODE).first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if (
        company is None
        or admin is None
        or today < dt.date(YEAR, 12, 31)
        or Campaign.objects.filter(year=YEAR).exists()
    ):
        return 0
    campaign = _open(admin=admin, year=YEAR, now=now)
    kinds = {k.code: k for k in ActivityKind.objects.all()}
    teams = list(Unit.objects.filter(parent=company).order_by("code")[:4])
    youth = services.partner_save(
        user=admin, unit=company, kind="youth_union", name="Đoàn Thanh niên thành phố Cần Thơ"
    )
    bank = services.partner_save(
        user=admin, unit=company, kind="bank", name="Ngân hàng Agribank chi nhánh Cần Thơ"
    )
    services.partner_save(user=admin, unit=company, kind="payment", name="Ví điện tử ZaloPay")
    services.unit_period_extend(user=admin, campaign=campaign, unit=teams[-1], active_to=dt.date(YEAR + 1, 2, 1), now=now,
                                reason="Còn tuyến Thắp sáng đường quê chờ vật tư, hoàn thành trong tháng 1/2026.")  # fmt: skip
    made = 0

    def plan(unit, code, title, start, end, **targets):
        nonlocal made
        made += 1
        return services.activity_plan(user=admin, campaign=campaign, unit=unit, kind=kinds[code], title=title, starts_on=start,
                                      ends_on=end, now=now, targets=targets, partners=targets.pop("partners", []))  # fmt: skip

    nov, dec = dt.date(YEAR, 11, 1), dt.date(YEAR, 12, 1)
    for index, team in enumerate(teams):
        name = team.name.replace("Đội quản lý điện ", "")
        # done: repairs for poor and policy households, with beneficiaries
        wiring = plan(
            team,
            "poor-household-wiring",
            f"Sửa điện miễn phí cho hộ nghèo {name}",
            nov,
            dt.date(YEAR, 11, 30),
            count=10,
            households=10,
            budget_vnd=15_000_000,
        )
        record = services.activity_record_add(user=admin, activity=wiring, done_on=dt.date(YEAR, 11, 15), now=now, note="Thay dây, ổ cắm, CB",
                                              quantities={"count": 6 + index, "households": 6 + index, "budget_vnd": 9_600_000 + 800_000 * index})  # fmt: skip
        for assignment in SocialCategoryAssignment.objects.filter(
            customer__accounts__unit=team, active_from__lte=record.done_on).filter(
            Q(active_to__isnull=True) | Q(active_to__gt=record.done_on)).order_by("pk")[:3]:  # fmt: skip
            services.beneficiary_from_social_category(user=admin, record=record, assignment=assignment, now=now,
                                                      support="Thay dây dẫn và ổ cắm", value_vnd=1_500_000)  # fmt: skip
        services.beneficiary_with_consent(user=admin, record=record, name="Bà Nguyễn Thị Bảy", address=f"Ấp Thới Bình, {name}",
                                          consent_on=dt.date(YEAR, 11, 14), support="Lắp mới đường dây trong nhà", value_vnd=2_000_000)  # fmt: skip
        services.activity_move(user=admin, activity=wiring, to_state=ActivityState.DONE, now=now)
        # under way: LED replacement (a record, not finished)
        led = plan(
            team,
            "led-replacement",
            f"Thay đèn LED cho hộ gia đình {name}",
            nov,
            dt.date(YEAR, 12, 31),
            households=40,
            lamps=120,
            budget_vnd=12_000_000,
            kwh_saved=6_000,
        )
        services.activity_record_add(user=admin, activity=led, done_on=dt.date(YEAR, 12, 5), now=now,
                                     quantities={"households": 18 + index, "lamps": 54 + 3 * index, "budget_vnd": 5_400_000, "kwh_saved": 2_700})  # fmt: skip
        # planned: safety communication; cancelled: a visit moved to the company's programme
        plan(
            team,
            "safety-savings-communication",
            f"Tuyên truyền an toàn điện mùa Tết {name}",
            dec,
            dt.date(YEAR, 12, 31),
            count=4,
            households=500,
            budget_vnd=3_000_000,
        )
        cancelled = plan(
            team,
            "visits-gifts",
            f"Thăm hỏi Mẹ Việt Nam Anh hùng {name}",
            dt.date(YEAR, 12, 20),
            dt.date(YEAR, 12, 21),
            count=2,
            households=2,
            budget_vnd=4_000_000,
        )
        services.activity_move(user=admin, activity=cancelled, to_state=ActivityState.CANCELLED, now=now,
                               reason="Gộp vào chương trình thăm hỏi chung của Công ty ngày 21/12.")  # fmt: skip
    # the company: visits and gifts, digital adoption, the blood drive, and thanks to demand-response participants
    visits = plan(
        company,
        "visits-gifts",
        "Thăm hỏi, tặng quà Mẹ Việt Nam Anh hùng và gia đình chính sách",
        dt.date(YEAR, 12, 19),
        dt.date(YEAR, 12, 21),
        count=20,
        households=20,
        budget_vnd=40_000_000,
    )
    services.activity_record_add(user=admin, activity=visits, done_on=dt.date(YEAR, 12, 21), now=now, note="Nhân ngày truyền thống 21/12",
                                 quantities={"count": 20, "households": 20, "budget_vnd": 40_000_000})  # fmt: skip
    services.activity_move(user=admin, activity=visits, to_state=ActivityState.DONE, now=now)
    plan(
        company,
        "digital-adoption",
        "Vận động cài App CSKH EVNSPC và nhận hoá đơn điện tử",
        nov,
        dt.date(YEAR, 12, 31),
        count=30,
        households=5_000,
        partners=[bank],
    )
    blood = plan(
        company,
        "blood-drive",
        "Hiến máu tình nguyện — Tuần lễ hồng EVN 2025",
        dt.date(YEAR, 12, 6),
        dt.date(YEAR, 12, 6),
        count=300,
        blood_units=300,
        budget_vnd=10_000_000,
        partners=[youth],
    )
    drive = services.blood_drive_plan(user=admin, activity=blood, place="Hội trường Công ty Điện lực Cần Thơ, 06 Nguyễn Trãi",
                                      held_on=dt.date(YEAR, 12, 6))  # fmt: skip
    _registrations(drive=drive, admin=admin, now=dt.datetime(YEAR, 12, 1, 8, tzinfo=dt.UTC))
    services.blood_drive_close(user=admin, drive=drive, now=now)
    lighting = plan(
        teams[-1],
        "road-lighting",
        "Thắp sáng đường quê ấp Mỹ Phước",
        dt.date(YEAR, 11, 10),
        dt.date(YEAR + 1, 1, 20),
        road_km=Decimal("2.50"),
        lamps=60,
        budget_vnd=120_000_000,
        partners=[youth],
    )
    commune = teams[-1].communes.order_by("pk").first() or company.communes.order_by("pk").first()
    services.lighting_project_save(user=admin, activity=lighting, commune=commune, road_name="Đường đal ấp Mỹ Phước", now=now,
                                   km_lit=Decimal("2.30"), lamps_installed=56, cost_vnd=112_000_000, partners=[youth],
                                   finished_on=dt.date(YEAR + 1, 1, 18))  # fmt: skip
    campaigns_history.saver_history_load(year=YEAR, now=now)
    campaigns_history.demand_response_history_load(admin=admin, company=company, year=YEAR, now=now)
    _recognition(campaign=campaign, company=company, admin=admin, now=now)
    _current_year(admin=admin, company=company, today=today, now=now, kind=kinds["blood-drive"])
    return made


def _registrations(*, drive, admin, now: dt.datetime) -> None:
    staff = [
        "Nguyễn Phước Minh",
        "Trần Thị Ngọc",
        "Lê Văn Hậu",
        "Phạm Quốc Khang",
        "Huỳnh Thị Mỹ",
        "Võ Thanh Tâm",
    ]
    public = ["Đặng Văn Lợi", "Ngô Thị Hồng", "Lâm Hữu Phát", "Thạch Thị Sa Rươl"]
    for i, name in enumerate(staff + public):
        registration = services.blood_register(drive=drive, name=name, phone=f"+8490{1000000 + i:07d}", consent=True, now=now,
                                               staff_user=admin if i < len(staff) else None)  # fmt: skip
        if i % 5 != 4:  # most came
            services.blood_donation_record(user=admin, registration=registration, turned_up=True, units=1)


def _recognition(*, campaign, company, admin, now) -> None:
    # From data: the 2025 demand-response event and the families that saved most against 2024 (campaigns_history);
    # a list that finds no one is left out (the manual list below still shows the letters).
    with contextlib.suppress(services.CampaignError):
        services.recognition_list_build(user=admin, campaign=campaign, unit=company, source=RecognitionList.Source.TOP_SAVERS,
                                        title="Gia đình tiết kiệm điện năm 2025", now=now,
                                        letter_text="Cảm ơn gia đình đã sử dụng điện tiết kiệm, hiệu quả trong năm 2025.")  # fmt: skip
    with contextlib.suppress(services.CampaignError):
        services.recognition_list_build(user=admin, campaign=campaign, unit=company, source=RecognitionList.Source.DEMAND_RESPONSE,
                                        title="Khách hàng điều chỉnh phụ tải năm 2025", now=now,
                                        letter_text="Cảm ơn Quý khách đã đồng hành cùng ngành Điện giữ an toàn hệ thống điện mùa nắng nóng.")  # fmt: skip
    codes = list(
        Account.objects.filter(unit__parent=company)
        .exclude(purpose="residential")
        .order_by("code")
        .values_list("code", flat=True)[:5]
    )
    if codes:
        entries = [
            {"account_code": c, "reason": "Phối hợp thay đổi ngày ghi chỉ số công tơ năm 2025", "figure": ""}
            for c in codes
        ]
        services.recognition_list_build(user=admin, campaign=campaign, unit=company, source=RecognitionList.Source.MANUAL,
                                        title="Khách hàng phối hợp thay đổi ngày ghi chỉ số", now=now, entries=entries)  # fmt: skip


def _current_year(*, admin, company, today: dt.date, now: dt.datetime, kind) -> None:
    """A later year's campaign under way today, with a blood drive a week ahead open to the public."""
    if today.year == YEAR or today.month not in (11, 12) or today.day > 20:
        return
    campaign = _open(admin=admin, year=today.year, now=now)
    held = today + dt.timedelta(days=7)
    activity = services.activity_plan(user=admin, campaign=campaign, unit=company, kind=kind, now=now,
                                      title=f"Hiến máu tình nguyện — Tuần lễ hồng EVN {today.year}", starts_on=held, ends_on=held,
                                      targets={"count": 300, "blood_units": 300})  # fmt: skip
    services.blood_drive_plan(
        user=admin,
        activity=activity,
        place="Hội trường Công ty Điện lực Cần Thơ, 06 Nguyễn Trãi",
        held_on=held,
    )
