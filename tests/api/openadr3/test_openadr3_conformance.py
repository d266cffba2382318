"""Schemathesis against the OpenADR 3.0.1 specification's own OpenAPI definition, served by the VTN, in process.

Every operation of the specification gets generated requests as a VEN with a valid bearer token (and with real
ids of its own objects); every answer must be no server error, a status the specification documents, and a body
that matches the specification's schema.
"""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

from gridcare.flexibility import services
from gridcare.flexibility.models import VenResource
from tests.api.test_schema_conformance import CHECKS, wsgi_app  # noqa: F401 (fixture)
from tests.backoffice.builders import superuser
from tests.flexibility.builders import EVENT_DAY, call, enrol, large_account, local, programme

EXAMPLES = 3


@pytest.fixture
def ven_world(world):
    prog = programme(world, code="DR-SPEC")
    factory = large_account(world)
    enrol(prog, factory)
    event = call(prog)
    now = local(EVENT_DAY, 9)
    ven, client_id, secret = services.ven_register(
        user=superuser("root-spec"), account=factory, ven_name="EMS-SPEC", now=now
    )
    token, _ttl = services.ven_token_issue(
        client_id=client_id, client_secret=secret, now=dt.datetime.now(dt.UTC)
    )
    resource = services.ven_resource_save(ven=ven, resource_name="BOILER", attributes=[], targets=[], now=now)
    subscription = services.ven_subscription_save(
        ven=ven, client_name="EMS-SPEC", programme=prog, now=now, targets=[],
        object_operations=[{"objects": ["EVENT"], "operations": ["CREATE"], "callbackUrl": "https://ems.example.vn/cb"}],
    )  # fmt: skip
    report = services.ven_report_save(ven=ven, event=event, client_name="EMS-SPEC", report_name="", payload_descriptors=[],
                                      resources=[{"resourceName": "BOILER", "intervals": []}], now=now)  # fmt: skip
    known = {"programID": str(prog.pk), "eventID": str(event.pk), "venID": str(ven.pk), "resourceID": str(resource.pk),
             "subscriptionID": str(subscription.pk), "reportID": str(report.pk)}  # fmt: skip
    return {"headers": {"Authorization": f"Bearer {token}"}, "known": known}


def test_the_vtn_answers_as_the_openadr_specification_says(wsgi_app, ven_world):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/openadr3/3.0.1/openapi.json", wsgi_app)
    failures, statuses, operations = [], [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = {parameter.name for parameter in operation.path_parameters}
        variants = [{name: ven_world["known"][name] for name in names}] if names else [None]
        for path_parameters in variants:

            @hypothesis_settings(
                max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            @given(
                case=operation.as_strategy(
                    generation_mode=GenerationMode.POSITIVE, path_parameters=path_parameters
                )
            )
            def run(case):
                statuses.append(
                    case.call_and_validate(headers=ven_world["headers"], checks=CHECKS).status_code
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} {path_parameters or ''}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert operations == 31 and statuses.count(200) >= 15, sorted(set(statuses))
    assert VenResource.objects.exists()
