import datetime as dt

import pytest
from django.core.cache import cache

from tests import factories
from tests.portal.builders import portal_login

# Register totals of the fixture account, one per month from 05/01/2023 to 05/01/2026.
TOTALS = [1000 + 150 * i + (i % 4) * 7 for i in range(37)]
FIRST_READING = dt.date(2023, 1, 5)


@pytest.fixture(autouse=True)
def portal_settings(settings):
    """Unhashed static files (the manifest storage needs `collectstatic`), Vietnamese default, fast hashing."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "vi"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def customer_account(world):
    """An account with a portal login and 37 monthly readings."""
    acct = factories.account(world, name="Trần Thị Bình")
    portal_login(acct)
    factories.readings(acct, TOTALS, start=FIRST_READING)
    return acct


@pytest.fixture
def signed_in(client, customer_account):
    client.force_login(customer_account.customer.user)
    return client
