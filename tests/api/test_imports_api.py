"""POST /api/v1/readings/imports: uploads and JSON from head-end systems, staff with the operator role."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gridcare.core.models import User
from gridcare.metering.models import IntervalReading, Meter, Reading, ReadingImport
from gridcare.org.models import StaffRole
from gridcare.org.services import role_groups_sync, staff_membership_set
from tests import factories
from tests.backoffice.builders import api_token
from tests.metering.builders import meter_of

URL = "/api/v1/readings/imports"


def client_for(world, role):
    role_groups_sync()
    user = User.objects.create_user(username=f"headend-{role}", password="x-long-password-1")
    staff_membership_set(user=user, unit=world["company"], role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.fixture
def operator(world):
    return client_for(world, StaffRole.OPERATOR)


@pytest.fixture
def meter(world):
    acct = factories.account(world)
    factories.readings(acct, [100, 200])
    return meter_of(acct)


def test_an_uploaded_csv_imports_its_valid_rows_and_returns_the_rejected_ones(operator, meter):
    body = f"meter_serial,read_on,total_kwh\n{meter.serial},2025-03-05,300\n{meter.serial},2025-04-05,oops\nNOPE,2025-03-05,1\n"

    response = operator.post(
        URL, {"file": SimpleUploadedFile("route.csv", body.encode())}, format="multipart"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["inserted"], data["already_present"], data["rejected"], data["rows_total"]) == (1, 0, 2, 3)
    assert [(e["row"], e["column"], e["value"]) for e in data["errors"]] == [
        (3, "total_kwh", "oops"),
        (4, "meter_serial", "NOPE"),
    ]
    assert data["errors"][0]["reason_en"] == "Not a number."
    assert Reading.objects.get(meter=meter, read_on=dt.date(2025, 3, 5)).source == Reading.Source.HEAD_END
    assert ReadingImport.objects.get(pk=data["import_id"]).rows_rejected == 2

    again = operator.post(
        URL, {"file": SimpleUploadedFile("route.csv", body.encode())}, format="multipart"
    ).json()
    assert (again["inserted"], again["already_present"], again["rejected"]) == (0, 1, 2)
    assert Reading.objects.filter(meter=meter).count() == 3


def test_json_readings_and_interval_data(operator, world):
    smart = meter_of(factories.account(world, meter_kind=Meter.Kind.SMART))
    response = operator.post(URL, {"readings": [
        {"meter_serial": smart.serial, "start": "2025-11-05T10:00:00+07:00", "energy_kwh": 0.75},
        {"meter_serial": smart.serial, "start": "2025-11-05T10:30:00+07:00", "energy_kwh": "1.5"},
    ]}, format="json")  # fmt: skip

    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "interval" and response.json()["inserted"] == 2
    assert sorted(IntervalReading.objects.values_list("energy_wh", flat=True)) == [750, 1500]


@pytest.mark.parametrize(
    ("payload", "fmt", "code"),
    [
        ({"file": SimpleUploadedFile("x.csv", b"serial,value\nA,1\n")}, "multipart", "bad_header"),
        ({"file": SimpleUploadedFile("x.csv", b"")}, "multipart", "empty_file"),
        (
            {"readings": [{"meter_serial": "A", "read_on": "2025-03-05", "total_kwh": 1, "colour": "red"}]},
            "json",
            "bad_header",
        ),
        ({"something": 1}, "json", "missing_input"),
    ],
)
def test_an_unreadable_payload_is_a_400_with_code_and_message(operator, payload, fmt, code):
    response = operator.post(URL, payload, format=fmt)

    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]
    assert not Reading.objects.exists()


def test_only_staff_who_may_add_readings_can_import(world, meter):
    body = {"readings": [{"meter_serial": meter.serial, "read_on": "2025-03-05", "total_kwh": 300}]}
    assert APIClient().post(URL, body, format="json").status_code == 401
    assert client_for(world, StaffRole.VIEWER).post(URL, body, format="json").status_code == 403
    assert not Reading.objects.filter(read_on=dt.date(2025, 3, 5)).exists()


def test_a_superuser_imports_readings_of_every_unit(world, meter):
    admin = User.objects.create_superuser(username="root-headend", password="x-long-password-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(admin)}")
    body = f"meter_serial,read_on,total_kwh\n{meter.serial},2025-03-05,300\n"

    response = client.post(URL, {"file": SimpleUploadedFile("route.csv", body.encode())}, format="multipart")

    assert response.status_code == 201, response.content
    assert (response.json()["inserted"], response.json()["rejected"]) == (1, 0)
    assert Reading.objects.filter(meter=meter, read_on=dt.date(2025, 3, 5), total=300).exists()
