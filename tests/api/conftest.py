import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def interface_settings(settings):
    """Unhashed static files (the manifest storage needs `collectstatic`), Vietnamese, fast hashing, empty cache."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "vi"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
