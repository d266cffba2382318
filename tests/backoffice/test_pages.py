"""Every back-office page of the records renders, for a superuser and for a team's manager."""

import pytest

from gridcare.backoffice.site import admin_site
from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, superuser, verified_login

APPS = {"core", "org", "network", "customers", "metering", "otp_totp", "otp_static", "auth"}
MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin_site._registry
    if model._meta.app_label in APPS
)


@pytest.fixture
def populated(world):
    account = factories.account(world, phone="+84912345678")
    factories.readings(account, [100, 150])
    return account


@pytest.mark.parametrize("app_label, model_name", MODELS)
def test_changelist_and_add_pages_render_for_superuser(client, populated, app_label, model_name):
    verified_login(client, superuser())
    assert client.get(f"/backoffice/{app_label}/{model_name}/").status_code == 200
    assert client.get(f"/backoffice/{app_label}/{model_name}/", {"q": "PB13"}).status_code == 200
    add = client.get(f"/backoffice/{app_label}/{model_name}/add/")
    assert add.status_code in {200, 403}


@pytest.mark.parametrize("app_label, model_name", MODELS)
def test_pages_render_for_a_team_manager(client, world, populated, app_label, model_name):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.MANAGER))
    response = client.get(f"/backoffice/{app_label}/{model_name}/")
    assert response.status_code in {200, 403}


def test_index_and_login_pages(client, world):
    login = client.get("/backoffice/login/")
    assert login.status_code == 200
    assert "/backoffice/2fa/" in login.content.decode()
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    index = client.get("/backoffice/")
    assert index.status_code == 200
    assert "/backoffice/customers/account/" in index.content.decode()


def test_library_apps_are_named_in_the_staff_language(client, world):
    verified_login(client, superuser())
    html = client.get("/backoffice/").content.decode()
    for name in ("Khoá truy cập API", "Xác thực hai lớp", "Thiết bị tạo mã (TOTP)", "Bộ mã dự phòng"):
        assert name in html
    for english in ("Static devices", "TOTP devices", "Auth Token"):
        assert english not in html


def test_autocomplete_is_scoped(client, world):
    verified_login(client, staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    response = client.get(
        "/backoffice/autocomplete/",
        {
            "app_label": "customers",
            "model_name": "servicepoint",
            "field_name": "transformer_station",
            "term": "T-",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["T-NK-1 TBA Ninh Kiều 1"]
