import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests import factories

# Child processes (`gridcare` commands the tests start) are not a test run themselves: they get this run's key.
os.environ.setdefault("SECRET_KEY", settings.SECRET_KEY)


def pytest_collection_modifyitems(config, items):
    """In CI the browser flows run once, on SQLite (CI runs the suite on both databases, within its time budget);
    the database-specific rules under them are tested on both. Outside CI they run on whichever database."""
    if not os.environ.get("CI") or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="browser flows run once in CI, on SQLite")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


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
