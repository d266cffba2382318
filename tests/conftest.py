import pytest
from django.utils import translation

from tests import factories


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Templates use {% static %}; tests never run collectstatic, so use unhashed names whatever var/ holds."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the default language; a request or test that switched language cannot leak."""
    with translation.override("vi"):
        yield


@pytest.fixture
def world(db):
    """A small utility: corporation → company → two teams, grid, routes."""
    return factories.utility()
