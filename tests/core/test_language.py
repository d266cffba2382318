import pytest


@pytest.mark.django_db
def test_pages_are_vietnamese_even_when_the_browser_asks_for_english(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "vi"


@pytest.mark.django_db
def test_a_chosen_language_is_kept(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "fr"


@pytest.mark.django_db
def test_the_api_honours_accept_language(client):
    response = client.get("/api/v1/accounts", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
