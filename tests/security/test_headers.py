"""Every response carries the Content-Security-Policy and the Permissions-Policy: pages, API, error pages."""

import re

import pytest
from django.conf import settings
from django.urls import include, path


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("gridcare.urls"))]

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/login/", "/offline/", "/backoffice/login/", "/backoffice/2fa/", "/api/v1/docs/",
                                 "/api/v1/schema/", "/accounts/X/", "/no-such-page/"])  # fmt: skip
def test_pages_and_error_pages_have_a_strict_policy(client, url):
    response = client.get(url)
    directives = _directives(response)
    assert directives["script-src"][0] == "'self'" and directives["style-src"][0] == "'self'"
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in policy
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"] and directives["form-action"] == [
        "'self'",
        *settings.GRIDCARE_PAYMENT_FORM_ORIGINS,
    ]
    assert (
        "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    )


def test_a_server_error_page_has_the_policy_too(client, settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Permissions-Policy" in response


def test_the_bill_page_of_the_back_office_styles_itself_with_the_responses_nonce(client, world):
    import datetime as dt

    from gridcare.billing import services
    from gridcare.billing.models import Bill
    from tests import factories
    from tests.backoffice.builders import superuser, verified_login

    acct = factories.account(world)
    factories.readings(acct, [0, 100, 200], start=dt.date(2025, 4, 5))
    now = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
    services.bill_run_execute(
        run=services.bill_run_create(period=dt.date(2025, 6, 1), route=None, now=now), now=now
    )
    bill = Bill.objects.get(account=acct)
    verified_login(client, superuser())
    response = client.get(f"/backoffice/billing/bill/{bill.pk}/document/")
    assert response.status_code == 200
    page = response.content.decode()
    (nonce,) = re.findall(r'<style nonce="([^"]+)">', page)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert 'style="' not in page


def test_a_browser_asking_the_api_for_html_gets_json_not_the_browsable_pages_and_their_inline_styles(client):
    # DRF's browsable API renders HTML with inline style attributes, which the policy refuses: the API speaks JSON.
    response = client.get("/api/v1/tariffs", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert b"<html" not in response.content and b"style=" not in response.content
