"""The month's rules and its roll-ups, on a real database, with expected numbers computed by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from gridcare.campaigns import selectors, services
from gridcare.campaigns.models import (
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Beneficiary,
    RecognitionList,
)
from gridcare.core.models import AuditEntry
from gridcare.customers import services as customer_services
from gridcare.customers.models import SocialCategoryAssignment
from gridcare.insights.models import ReadingDateAgreement
from gridcare.org.models import StaffRole
from gridcare.org.policy import AccessDenied
from gridcare.servicedesk.models import RequestType
from tests import factories
from tests.backoffice.builders import staff, superuser
from tests.campaigns.builders import NOW, activity, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    team_a, team_b = world["teams"]
    return {
        "world": world, "campaign": campaign(world), "a": team_a, "b": team_b,
        "a_manager": staff(unit=team_a, role=StaffRole.MANAGER), "a_operator": staff(unit=team_a, role=StaffRole.OPERATOR),
        "b_manager": staff(unit=team_b, role=StaffRole.MANAGER), "company_manager": staff(unit=world["company"], role=StaffRole.MANAGER),
        "root": superuser(),
    }  # fmt: skip


def test_the_catalogue_holds_every_kind_of_the_month_with_its_measures():
    codes = set(ActivityKind.objects.values_list("code", flat=True))
    assert {"free-inspection", "free-meter-installation", "substation-cleaning", "transformer-testing", "equipment-check",
            "after-meter-advice", "poor-household-wiring", "led-replacement", "visits-gifts", "load-adjustment-thanks",
            "reading-date-thanks", "energy-saving-family", "blood-drive", "road-lighting", "digital-adoption",
            "safety-savings-communication"} <= codes  # fmt: skip
    assert ActivityKind.objects.get(code="road-lighting").measures == ["road_km", "lamps", "budget_vnd"]
    assert ActivityKind.objects.get(code="blood-drive").special == "blood_drive"
    # The free technical services name service-desk types that carry the campaign flag.
    for kind in ActivityKind.objects.exclude(request_type_code=""):
        assert RequestType.objects.get(code=kind.request_type_code).campaign


def test_rollup_sums_each_unit_over_its_subtree_against_targets(setup):
    s = setup
    camp, root = s["campaign"], s["root"]
    # Team A: wiring (target 10 households, 15,000,000 ₫) done for 4 + 3 households at 3,000,000 + 2,500,000 ₫.
    wiring = activity(
        s["a_operator"], camp, s["a"], "poor-household-wiring", count=10, households=10, budget_vnd=15_000_000
    )
    services.activity_record_add(user=s["a_operator"], activity=wiring, done_on=dt.date(2025, 11, 20), now=NOW,
                                 quantities={"count": 4, "households": 4, "budget_vnd": 3_000_000})  # fmt: skip
    services.activity_record_add(user=s["a_operator"], activity=wiring, done_on=dt.date(2025, 12, 2), now=NOW,
                                 quantities={"count": 3, "households": 3, "budget_vnd": 2_500_000})  # fmt: skip
    # Team B: LED (target 20 households, 60 lamps) done 8 households, 25 lamps; a cancelled activity counts nowhere.
    led = activity(
        s["b_manager"], camp, s["b"], "led-replacement", households=20, lamps=60, budget_vnd=6_000_000
    )
    services.activity_record_add(user=s["b_manager"], activity=led, done_on=dt.date(2025, 12, 1), now=NOW,
                                 quantities={"households": 8, "lamps": 25, "budget_vnd": 2_000_000})  # fmt: skip
    dropped = activity(
        s["b_manager"], camp, s["b"], "visits-gifts", count=5, households=5, budget_vnd=9_000_000
    )
    services.activity_move(
        user=s["b_manager"], activity=dropped, to_state=ActivityState.CANCELLED, now=NOW, reason="gộp"
    )
    # The company itself: a road lighting project, 1.25 km of 2 km, 30 of 40 lamps.
    road = activity(s["company_manager"], camp, s["world"]["company"], "road-lighting", road_km=Decimal("2"), lamps=40,
                    budget_vnd=80_000_000)  # fmt: skip
    services.lighting_project_save(user=s["company_manager"], activity=road, commune=s["world"]["communes"][1], road_name="Đường ấp 3",
                                   now=NOW, km_lit=Decimal("1.25"), lamps_installed=30, cost_vnd=70_000_000,
                                   finished_on=dt.date(2025, 12, 15))  # fmt: skip
    rows = {
        r.unit_name: r for r in selectors.rollup(campaign=camp, root=s["world"]["corporation"], user=root)
    }
    team_a, team_b = rows[s["a"].name], rows[s["b"].name]
    company, corporation = rows[s["world"]["company"].name], rows[s["world"]["corporation"].name]
    assert (team_a.targets["households"], team_a.results["households"], team_a.results["budget_vnd"]) == (
        10,
        7,
        5_500_000,
    )
    assert team_a.share("households") == 70
    assert (
        team_b.targets["households"],
        team_b.results["households"],
        team_b.targets["lamps"],
        team_b.results["lamps"],
    ) == (20, 8, 60, 25)
    assert (
        team_b.targets["budget_vnd"] == 6_000_000
        and team_b.activities == 1
        and team_b.by_state["cancelled"] == 1
    )
    # company = A + B + its own; corporation = company.
    assert company.targets["households"] == 30 and company.results["households"] == 15
    assert company.targets["budget_vnd"] == 15_000_000 + 6_000_000 + 80_000_000
    assert company.results["budget_vnd"] == 5_500_000 + 2_000_000 + 70_000_000
    assert company.results["lamps"] == 25 + 30 and company.results["road_km"] == Decimal("1.25")
    assert company.share("road_km") == 62  # 1.25 / 2 = 62.5 % → 62 (banker's rounding of round())
    assert corporation.results == company.results and corporation.targets == company.targets
    assert company.activities == 3 and company.by_state == {
        "planned": 0,
        "in_progress": 3,
        "done": 0,
        "cancelled": 1,
    }
    # A team manager's roll-up is their own team only.
    assert [
        r.unit_name
        for r in selectors.rollup(campaign=camp, root=s["world"]["corporation"], user=s["a_manager"])
    ] == [s["a"].name]


def test_a_free_service_is_a_service_request_and_counts_once_closed(setup, world):
    s = setup
    from gridcare.servicedesk import services as desk

    account = factories.account(world, team=s["a"], phone="+84912000111")
    inspection = activity(s["a_operator"], s["campaign"], s["a"], "free-inspection", count=5, households=5)
    record = services.activity_request_open(user=s["a_operator"], activity=inspection, account=account, now=NOW,
                                            fields={"contact_phone": "+84912000111", "preferred_date": "30/12/2025"})  # fmt: skip
    request = record.service_request
    assert request.request_type.code == "free-inspection" and request.team == s["a"]
    root = s["root"]
    team = next(r for r in selectors.rollup(campaign=s["campaign"], root=s["a"], user=root))
    assert team.results["count"] == 0  # open request: not yet done
    desk.request_close(request=request, by=s["a_manager"], now=NOW, resolution="đã kiểm tra")
    team = next(r for r in selectors.rollup(campaign=s["campaign"], root=s["a"], user=root))
    assert team.results["count"] == 1 and team.results["households"] == 1
    with pytest.raises(services.CampaignError) as refused:
        services.activity_request_link(user=s["a_operator"], activity=inspection, request=request, now=NOW)
    assert refused.value.code == "already_linked"


def test_dates_targets_and_moves_are_checked(setup):
    s = setup
    camp = s["campaign"]
    with pytest.raises(services.CampaignError) as late:
        activity(
            s["a_operator"],
            camp,
            s["a"],
            "led-replacement",
            start=dt.date(2026, 1, 5),
            end=dt.date(2026, 1, 10),
        )
    assert late.value.code == "outside_period"
    with pytest.raises(services.CampaignError) as wrong:
        activity(s["a_operator"], camp, s["a"], "led-replacement", blood_units=3)
    assert wrong.value.code == "measure_not_applicable"
    # A team's manager extends its own period (to the end of January at most), with a reason; then January fits.
    with pytest.raises(services.CampaignError):
        services.unit_period_extend(
            user=s["a_manager"],
            campaign=camp,
            unit=s["a"],
            active_to=dt.date(2026, 2, 15),
            reason="x",
            now=NOW,
        )
    with pytest.raises(services.CampaignError):
        services.unit_period_extend(
            user=s["a_manager"],
            campaign=camp,
            unit=s["a"],
            active_to=dt.date(2026, 2, 1),
            reason=" ",
            now=NOW,
        )
    with pytest.raises(AccessDenied):
        services.unit_period_extend(
            user=s["a_operator"],
            campaign=camp,
            unit=s["a"],
            active_to=dt.date(2026, 2, 1),
            reason="x",
            now=NOW,
        )
    services.unit_period_extend(
        user=s["a_manager"],
        campaign=camp,
        unit=s["a"],
        active_to=dt.date(2026, 2, 1),
        reason="chờ vật tư",
        now=NOW,
    )
    assert AuditEntry.objects.filter(object_type="campaigns.unitperiod").exists()
    january = activity(
        s["a_operator"], camp, s["a"], "led-replacement", start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 10)
    )
    with pytest.raises(services.CampaignError):  # team B did not extend
        activity(
            s["b_manager"],
            camp,
            s["b"],
            "led-replacement",
            start=dt.date(2026, 1, 5),
            end=dt.date(2026, 1, 10),
        )
    with pytest.raises(services.CampaignError) as not_yet:
        services.activity_move(user=s["a_operator"], activity=january, to_state=ActivityState.DONE, now=NOW)
    assert not_yet.value.code == "bad_move"
    services.activity_move(
        user=s["a_operator"], activity=january, to_state=ActivityState.IN_PROGRESS, now=NOW
    )
    with pytest.raises(services.CampaignError) as empty:
        services.activity_move(user=s["a_operator"], activity=january, to_state=ActivityState.DONE, now=NOW)
    assert empty.value.code == "no_record"
    with pytest.raises(services.CampaignError):
        services.activity_move(
            user=s["a_operator"], activity=january, to_state=ActivityState.CANCELLED, now=NOW, reason=""
        )


def test_another_teams_staff_change_nothing(setup):
    s = setup
    theirs = activity(s["b_manager"], s["campaign"], s["b"], "led-replacement", households=3)
    for attempt in (
        lambda: activity(s["a_manager"], s["campaign"], s["b"], "led-replacement"),
        lambda: services.activity_move(user=s["a_manager"], activity=theirs, to_state=ActivityState.IN_PROGRESS, now=NOW),
        lambda: services.activity_record_add(user=s["a_manager"], activity=theirs, done_on=dt.date(2025, 12, 1), now=NOW,
                                             quantities={"households": 1}),
        lambda: services.unit_period_extend(user=s["a_manager"], campaign=s["campaign"], unit=s["b"], active_to=dt.date(2026, 2, 1),
                                            reason="x", now=NOW),
    ):  # fmt: skip
        with pytest.raises(AccessDenied):
            attempt()
    theirs.refresh_from_db()
    assert theirs.state == ActivityState.PLANNED and not theirs.records.exists()
    assert not selectors.activities_visible(user=s["a_manager"]).filter(pk=theirs.pk).exists()


def _beneficiaries(s, world):
    record_of = {}
    for team, manager in ((s["a"], s["a_manager"]), (s["b"], s["b_manager"])):
        account = factories.account(world, team=team, name=f"Hộ nghèo {team.code}")
        assignment = customer_services.social_category_assign(
            customer=account.customer, category="poor", active_from=dt.date(2025, 1, 1)
        )
        wiring = activity(manager, s["campaign"], team, "poor-household-wiring", households=2)
        record = services.activity_record_add(user=manager, activity=wiring, done_on=dt.date(2025, 12, 1), now=NOW,
                                              quantities={"households": 2})  # fmt: skip
        services.beneficiary_from_social_category(
            user=manager, record=record, assignment=assignment, now=NOW, support="sửa điện"
        )
        services.beneficiary_with_consent(user=manager, record=record, name=f"Bà Tư {team.code}", address="ấp 2",
                                          consent_on=dt.date(2025, 11, 30))  # fmt: skip
        record_of[team] = record
    return record_of


def test_beneficiaries_a_team_sees_only_its_own_and_categories_only_with_the_permission(setup, world):
    s = setup
    records = _beneficiaries(s, world)
    mine = selectors.beneficiaries_visible(user=s["a_manager"])
    assert {b.record_id for b in mine} == {records[s["a"]].pk} and mine.count() == 2
    # An operator has no social-category permission: the consent-registered person only.
    operator_sees = selectors.beneficiaries_visible(user=s["a_operator"])
    assert [b.source for b in operator_sees] == [Beneficiary.Source.CONSENT]
    assignment_b = SocialCategoryAssignment.objects.get(customer__name=f"Hộ nghèo {s['b'].code}")
    with pytest.raises(AccessDenied):
        services.beneficiary_from_social_category(
            user=s["a_operator"], record=records[s["a"]], assignment=assignment_b, now=NOW
        )
    with pytest.raises(services.CampaignError) as elsewhere:  # a manager of A cannot pick B's customer
        services.beneficiary_from_social_category(
            user=s["a_manager"], record=records[s["a"]], assignment=assignment_b, now=NOW
        )
    assert elsewhere.value.code == "category_not_valid"


def test_every_read_of_beneficiaries_is_audited(setup, world):
    s = setup
    _beneficiaries(s, world)
    before = AuditEntry.objects.filter(action=AuditEntry.Action.READ).count()
    shown = list(selectors.beneficiaries_visible(user=s["a_manager"]))
    services.beneficiaries_read_record(
        user=s["a_manager"], beneficiaries=shown, address="10.0.0.1", reason="test", now=NOW
    )
    reads = AuditEntry.objects.filter(action=AuditEntry.Action.READ).order_by("pk")[before:]
    assert sorted(e.object_type for e in reads) == [
        "campaigns.beneficiary",
        "campaigns.beneficiary",
        "customers.socialcategoryassignment",
    ]
    assert all(e.actor == s["a_manager"] for e in reads)


def test_blood_drive_registration_turn_up_and_units_become_the_activity_record(setup):
    s = setup
    drive_activity = activity(s["company_manager"], s["campaign"], s["world"]["company"], "blood-drive", count=3, blood_units=3,
                              start=dt.date(2025, 12, 30), end=dt.date(2025, 12, 30))  # fmt: skip
    drive = services.blood_drive_plan(
        user=s["company_manager"], activity=drive_activity, place="Hội trường", held_on=dt.date(2025, 12, 30)
    )
    one = services.blood_register(drive=drive, name="Nguyễn Phước Minh", phone="0912 345 678", consent=True, now=NOW,
                                  staff_user=s["a_operator"])  # fmt: skip
    assert one.phone == "+84912345678" and one.kind == "staff"
    two = services.blood_register(
        drive=drive, name="Trần Thị Hồng", phone="+84987000111", consent=True, now=NOW
    )
    services.blood_register(drive=drive, name="Lê Văn Tư", phone="0987000222", consent=True, now=NOW)
    for bad, code in (
        ({"consent": False}, "consent_missing"),
        ({"phone": "12"}, "phone"),
        ({"phone": "0912345678"}, "already_registered"),
    ):
        with pytest.raises(services.CampaignError) as refused:
            services.blood_register(
                drive=drive, **{"name": "X", "phone": "0900000001", "consent": True, **bad}, now=NOW
            )
        assert refused.value.code == code
    services.blood_donation_record(user=s["company_manager"], registration=one, turned_up=True, units=1)
    services.blood_donation_record(user=s["company_manager"], registration=two, turned_up=True, units=2)
    record = services.blood_drive_close(user=s["company_manager"], drive=drive, now=NOW)
    assert (record.count, record.blood_units) == (2, 3)
    again = services.blood_drive_close(user=s["company_manager"], drive=drive, now=NOW)
    assert again.pk == record.pk and ActivityRecord.objects.filter(activity=drive_activity).count() == 1


def test_recognition_lists_from_demand_response_a_manual_list_and_the_insights_plug_point(setup, world):
    s = setup
    mine = factories.account(world, team=s["a"], name="Công ty Thủy sản Tây Đô", purpose="production")
    elsewhere = factories.account(world, team=s["b"], name="Khác")
    entries = services.recognition_entries_parse(content=f"ma,ly do,ket qua\n{mine.code},Phối hợp đổi ngày ghi chỉ số,\n".encode(),
                                                 filename="ds.csv")  # fmt: skip
    built = services.recognition_list_build(user=s["a_manager"], campaign=s["campaign"], unit=s["a"], source="manual", title="DS",
                                            now=NOW, entries=entries)  # fmt: skip
    assert [(e.name, e.account_code) for e in built.entries.all()] == [("Công ty Thủy sản Tây Đô", mine.code)]
    with pytest.raises(services.CampaignError) as foreign:
        services.recognition_list_build(user=s["a_manager"], campaign=s["campaign"], unit=s["a"], source="manual", title="DS", now=NOW,
                                        entries=[{"account_code": elsewhere.code, "reason": "x"}])  # fmt: skip
    assert foreign.value.code == "unknown_accounts"
    with pytest.raises(services.CampaignError) as bad_rows:
        services.recognition_entries_parse(content=b"ma,ly do\nPB123,x\n", filename="ds.csv")
    assert bad_rows.value.code == "rows" and "Dòng" in bad_rows.value.message
    # Insights' lists: a customer of the unit who agreed to move the reading date 5 days is on it, one elsewhere not.
    year = s["campaign"].year
    ReadingDateAgreement.objects.create(account=mine, from_day=10, to_day=15, agreed_on=dt.date(year, 6, 2))
    ReadingDateAgreement.objects.create(
        account=elsewhere, from_day=10, to_day=12, agreed_on=dt.date(year, 6, 2)
    )
    moved = services.recognition_list_build(user=s["a_manager"], campaign=s["campaign"], unit=s["a"],
                                            source=RecognitionList.Source.READING_DATE, title="", now=NOW)  # fmt: skip
    assert [(e.account_code, e.figure) for e in moved.entries.all()] == [(mine.code, "5 ngày")]
    with pytest.raises(services.CampaignError) as empty:  # no bills a year apart here: no top savers to thank
        services.recognition_list_build(user=s["a_manager"], campaign=s["campaign"], unit=s["a"], source=RecognitionList.Source.TOP_SAVERS,
                                        title="", now=NOW)  # fmt: skip
    assert empty.value.code == "empty"
    with pytest.raises(AccessDenied):
        services.recognition_list_build(user=s["a_operator"], campaign=s["campaign"], unit=s["a"], source="manual", title="", now=NOW,
                                        entries=entries)  # fmt: skip
