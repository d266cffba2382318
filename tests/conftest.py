import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests import factories

# Child processes (`gridcare` commands the tests start) are not a test run themselves: they get this run's key.
os.environ.setdefault("SECRET_KEY", settings.SECRET_KEY)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Unhashed static files (tests never run collectstatic, whatever var/ holds), fast password hashing,
    an empty cache (sign-in throttles and rate limits start afresh)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the default language; a request or test that switched language cannot leak."""
    with translation.override("vi"):
        yield


@pytest.fixture
def world(db):
    """A small utility: corporation → company → two teams, grid, routes."""
    return factories.utility()
