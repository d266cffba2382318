import pytest
from django.urls import reverse

from tests.portal.conftest import TOTALS

pytestmark = pytest.mark.django_db
LOGIN = reverse("portal:login")


@pytest.mark.parametrize(
    ("language", "sign_in_words"),
    [("en", "Customer code"), ("fr", "Code client"), ("vi", "Mã khách hàng")],
)
def test_language_switch_persists_in_a_cookie(client, language, sign_in_words):
    response = client.post(reverse("set_language"), {"language": language, "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    assert client.cookies["django_language"].value == language
    page = client.get(LOGIN)
    assert f'<html lang="{language}"' in page.text
    assert sign_in_words in page.text


def test_account_page_is_translated(signed_in, customer_account):
    signed_in.post(reverse("set_language"), {"language": "en"})
    page = signed_in.get(reverse("portal:account", kwargs={"code": customer_account.code})).text
    assert "Show numbers" in page and "Xem số liệu" not in page
    # The portal's own words win over other apps' catalogues (here: "Customers", the app's title).
    assert "<dt>Customer</dt>" in page
    # English groups thousands with a comma.
    assert f"{TOTALS[-1]:,} kWh" in page


def test_larger_text_switch_persists_without_javascript(client):
    assert 'class="text-large"' not in client.get(LOGIN).text
    response = client.post(reverse("portal:text_size"), {"size": "large", "next": LOGIN})
    assert response.status_code == 302 and response.url == LOGIN
    assert client.cookies["gc_text"].value == "large"
    assert 'class="text-large"' in client.get(LOGIN).text
    client.post(reverse("portal:text_size"), {"size": "normal"})
    assert 'class="text-large"' not in client.get(LOGIN).text


def test_text_size_ignores_foreign_redirects_and_unknown_sizes(client):
    response = client.post(reverse("portal:text_size"), {"size": "huge", "next": "https://evil.example/"})
    assert response.url == reverse("portal:home")
    assert "gc_text" not in response.cookies
