"""Staff see only what their unit and its descendants serve, in lists, change views, choices and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridcare.customers.models import Account
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, superuser, verified_login

CHANGELIST = "/backoffice/customers/account/"


@pytest.fixture
def two_teams(world):
    team_a, team_b = world["teams"]
    return {
        "a": factories.account(world, team=team_a, name="Trần Thị Ba", phone="+84912345678"),
        "b": factories.account(world, team=team_b, name="Lê Văn Cư", phone="+84987654321"),
    }


def _codes_listed(response):
    return {account.code for account in response.context["cl"].result_list}


def test_team_staff_see_only_their_team_accounts(client, world, two_teams):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert _codes_listed(response) == {two_teams["a"].code}
    assert two_teams["b"].code not in response.content.decode()


def test_other_team_account_cannot_be_opened(client, world, two_teams):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    assert client.get(f"{CHANGELIST}{two_teams['a'].pk}/change/").status_code == 200
    response = client.get(f"{CHANGELIST}{two_teams['b'].pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response.url == "/backoffice/"


def test_company_staff_see_every_team_below(client, world, two_teams):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    assert _codes_listed(client.get(CHANGELIST)) == {two_teams["a"].code, two_teams["b"].code}


def test_superuser_sees_everything(client, world, two_teams):
    verified_login(client, superuser())
    assert _codes_listed(client.get(CHANGELIST)) == {two_teams["a"].code, two_teams["b"].code}


def test_unit_filter_narrows_to_one_team(client, world, two_teams):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    response = client.get(CHANGELIST, {"unit": world["teams"][1].pk})
    assert _codes_listed(response) == {two_teams["b"].code}


@pytest.mark.parametrize(
    "term",
    ["PB13000000000", "0912345678", "+84912345678", "Trần Thị"],
    ids=["code", "local-phone", "e164", "name"],
)
def test_search_by_code_phone_and_name(client, world, two_teams, term):
    verified_login(client, superuser())
    account = two_teams["a"]
    if term.startswith("PB"):
        term = account.code
    assert _codes_listed(client.get(CHANGELIST, {"q": term})) == {account.code}


def test_search_by_meter_serial_finds_the_account(client, world, two_teams):
    verified_login(client, superuser())
    serial = two_teams["b"].meter_installations.get().meter.serial
    assert _codes_listed(client.get(CHANGELIST, {"q": serial})) == {two_teams["b"].code}


def test_search_does_not_cross_unit_scope(client, world, two_teams):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.VIEWER))
    assert _codes_listed(client.get(CHANGELIST, {"q": two_teams["b"].code})) == set()


def test_meters_and_readings_are_scoped(client, world, two_teams):
    factories.readings(two_teams["a"], [100, 150])
    factories.readings(two_teams["b"], [200, 260])
    verified_login(client, staff(unit=world["teams"][1], role=StaffRole.VIEWER))
    meters = client.get("/backoffice/metering/meter/").context["cl"].result_list
    assert [m.serial for m in meters] == [two_teams["b"].meter_installations.get().meter.serial]
    readings = client.get("/backoffice/metering/reading/").context["cl"].result_list
    assert {r.account_id for r in readings} == {two_teams["b"].pk}


def test_foreign_key_choices_are_scoped(client, world, two_teams):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    form = client.get("/backoffice/network/transformerstation/add/").context["adminform"].form
    assert set(form.fields["unit"].queryset) == {world["teams"][0]}


def test_account_form_rejects_a_unit_outside_scope(client, world, two_teams):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    account = two_teams["a"]
    data = _account_form_data(account)
    data["unit"] = world["teams"][1].pk
    response = client.post(f"{CHANGELIST}{account.pk}/change/", data)
    assert response.status_code == 200  # the form comes back with an error
    assert "unit" in response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.unit == world["teams"][0]


def test_changelist_queries_do_not_grow_with_rows(client, world):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    factories.account(world)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    for _ in range(12):
        factories.account(world, team=world["teams"][1])
    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST).status_code == 200
    assert Account.objects.count() == 13
    assert len(many) == len(few)


def test_csv_export_has_bom_and_only_selected_rows(client, world, two_teams):
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    response = client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [two_teams["a"].pk], "index": 0}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"{two_teams['a'].code},Trần Thị Ba,")


def _account_form_data(account):
    return {
        "code": account.code, "customer": account.customer_id, "unit": account.unit_id, "premise": account.premise_id,
        "purpose": account.purpose, "voltage": account.voltage, "households": account.households,
        "status": account.status, "phone": account.phone, "email": account.email, "zalo_user_id": "",
        "preferred_language": account.preferred_language, "start_date": account.start_date.isoformat(),
        # the read-only inlines (portal contact changes, logins sharing the contract) send their empty management forms
        **{f"{prefix}-{key}": value for prefix in ("contact_changes", "links")
           for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "0"))},
    }  # fmt: skip


def test_result_count_is_capped_on_big_tables(client, world, monkeypatch):
    from gridcare.backoffice.scoping import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    for _ in range(4):
        factories.account(world)
    verified_login(client, superuser())
    response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == 3
    assert len(response.context["cl"].result_list) == 4


def test_meter_search_by_account_code_and_name(client, world, two_teams):
    verified_login(client, superuser())
    serial = two_teams["a"].meter_installations.get().meter.serial
    by_code = client.get("/backoffice/metering/meter/", {"q": two_teams["a"].code}).context["cl"].result_list
    assert [m.serial for m in by_code] == [serial]
    by_name = client.get("/backoffice/metering/meter/", {"q": "Thị Ba"}).context["cl"].result_list
    assert [m.serial for m in by_name] == [serial]
