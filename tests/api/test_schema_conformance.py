"""Schemathesis against /api/v1/schema/, in process (the Django WSGI app), as staff and as a customer.

Every operation of the schema gets a bounded number of generated requests on a small world of data; every
answer must be no server error, a status the schema documents, and a body that matches the schema.
"""

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gridcare.billing import services
from gridcare.billing.models import Bill
from gridcare.org.models import StaffRole
from gridcare.outages import services as outage_services
from gridcare.payments.models import PaymentOrder
from tests import factories
from tests.backoffice.builders import api_token, customer_user, staff

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Generated requests per operation and variant: enough to find the bugs this test found (an overflowing
# `limit`, `period` typed as a date, an HTML 403), few enough to keep the six runs near a minute.
EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}


@pytest.fixture
def small_world(world):
    """Two billed accounts of the first team (one with a bill held for review), one of the second team."""
    mine = factories.account(world, name="Nguyễn Văn An")
    factories.readings(mine, [0, 100, 200, 400], start=dt.date(2025, 4, 5))
    other = factories.account(world, team=world["teams"][1], name="Lê Văn Cường")
    factories.readings(other, [0, 100, 200, 300], start=dt.date(2025, 4, 5))
    for period in (dt.date(2025, 6, 1), dt.date(2025, 7, 1)):
        run = services.bill_run_create(period=period, route=None, now=NOW)
        services.bill_run_execute(run=run, now=NOW)
    bill = Bill.objects.filter(account=mine).order_by("period", "pk").first()
    order = PaymentOrder.objects.create(reference="GC250720TEST01", gateway="vnpay", account=mine, amount=bill.total,
                                        created_at=NOW, expires_at=NOW)  # fmt: skip
    # Real path values, so that the answers with data (not only 404s) are checked against the schema too.
    incident = outage_services.incident_record(
        unit=world["company"],
        place="Ninh Kiều",
        reason="sự cố",
        started_at=NOW,
        feeders=[world["feeder"]],
        by=None,
        now=NOW,
    )
    from gridcare.insights.models import Advice

    advice = Advice.objects.create(unit=world["teams"][0], title_vi="Tiết kiệm điện", body_vi="Tắt thiết bị khi không dùng.",
                                   created_at=NOW)  # fmt: skip
    known = {
        "code": mine.code,
        "number": bill.number,
        "run_id": run.pk,
        "outage_id": incident.pk,
        "reference": order.reference,
        "participation_id": 1,
        "advice_id": advice.pk,
        "activity_id": 1,
        "record_id": 1,
        "year": 2025,
    }
    return {"world": world, "mine": mine, "other": other, "known": known}


@pytest.fixture(autouse=True)
def _receipt_secrets(settings):
    """Provider callbacks are configured, as in production (unconfigured, they answer 503 by design)."""
    settings.GRIDCARE_SMS_CALLBACK_SECRET = "sms-secret"
    settings.GRIDCARE_ZNS_WEBHOOK_SECRET = "zalo-secret"


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI app inside the test's transaction (as Django's test client runs it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def token_header(user) -> dict:
    return {"Authorization": f"Token {api_token(user)}"}


def session_header(user) -> dict:
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


@pytest.fixture(params=["staff_token", "customer_session", "anonymous"])
def auth_headers(request, small_world):
    world = small_world["world"]
    if request.param == "staff_token":
        return token_header(staff(unit=world["teams"][0], role=StaffRole.OPERATOR))
    if request.param == "customer_session":
        return session_header(customer_user(small_world["mine"]))
    return {}


def run_operation(
    operation, *, headers: dict, mode, path_parameters: dict | None = None, statuses: list
) -> None:
    """Up to EXAMPLES_PER_OPERATION generated requests to one operation; raises at the first failed check."""

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION[mode], deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case):
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_schema_says(wsgi_app, small_world, auth_headers, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    failures, statuses, operations = [], [], 0
    for result in schema.get_all_operations():
        operations += 1
        operation = result.ok()
        names = {parameter.name for parameter in operation.path_parameters}
        variants = [None]
        if names and mode == GenerationMode.POSITIVE:
            variants.append({name: small_world["known"][name] for name in names})
        for path_parameters in variants:
            try:
                run_operation(
                    operation,
                    headers=auth_headers,
                    mode=mode,
                    path_parameters=path_parameters,
                    statuses=statuses,
                )
            except Unsatisfiable:
                assert (
                    mode == GenerationMode.NEGATIVE
                )  # an operation without constraints has no invalid input
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported together
                failures.append(f"{operation.label} {path_parameters or ''}: {exc}")
    assert not failures, "\n\n".join(failures)
    # The run did reach the API: every operation was called, and (signed in) some calls found data.
    assert operations >= 18 and len(statuses) >= operations
    if auth_headers and mode == GenerationMode.POSITIVE:
        assert statuses.count(200) >= 10, sorted(set(statuses))
