"""The 404, 403 and 500 pages of portal addresses speak the portal's language and say what to do next; the back
office and the API keep their own answers; the 500 page needs no database and no request context."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import path
from django.utils import translation

from gridcare import urls as root_urls
from gridcare.portal import errors


def _boom(request):
    raise RuntimeError("broken on purpose")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("forbidden/", _forbidden),
    path("backoffice/boom/", _boom),
    *root_urls.urlpatterns,
]
handler404, handler403, handler500 = root_urls.handler404, root_urls.handler403, root_urls.handler500


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "next_step"),
    [("vi", "Không tìm thấy trang này", "Về trang tài khoản của tôi"),
     ("en", "This page cannot be found", "Back to my accounts"),
     ("fr", "Cette page est introuvable", "Retour à mes comptes")],
)  # fmt: skip
def test_a_missing_portal_page_is_the_portals_404_in_the_persons_language(
    client, language, heading, next_step
):
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}"' in page and heading in page and next_step in page
    assert 'href="tel:19001006"' in page


@pytest.mark.django_db
def test_the_back_office_and_the_api_keep_their_own_404(client):
    assert "Không tìm thấy trang này" not in client.get("/backoffice/no-such-page/").content.decode()
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and "Không tìm thấy trang này" not in api.content.decode()


@pytest.mark.django_db
def test_a_refusal_is_the_portals_403(client, test_urls):
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "Bạn không xem được trang này" in response.content.decode()


@pytest.mark.django_db
def test_an_unexpected_error_is_the_portals_500_and_the_back_offices_stays_djangos(client, test_urls):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Xin lỗi, trang này đang gặp lỗi" in page and "portal.css" in page
    assert "Xin lỗi" not in client.get("/backoffice/boom/").content.decode()


def test_the_500_page_needs_no_database_and_no_context_processor(settings):
    # No database mark: any query here raises. A request with no session and no user still gets its page, in French.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"],
                                                                 "context_processors": ["tests.portal.test_error_pages.broken"]}}]  # fmt: skip
    request = RequestFactory().get("/accounts/PB13/")
    with translation.override("fr"):
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "Désolés" in response.content.decode()


def broken(request):
    raise AssertionError("the 500 page must not run context processors")
