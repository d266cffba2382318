"""Production settings pass `check --deploy`: from the environment (as docs/deployment.md says) and in process."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

PRODUCTION_ENV = {
    "SECRET_KEY": "",  # filled per test with a long random key
    "DEBUG": "0",
    "ALLOWED_HOSTS": "cskh.example.vn",
    "CSRF_TRUSTED_ORIGINS": "https://cskh.example.vn",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "BEHIND_TLS_PROXY": "1",
    "GRIDCARE_STAFF_REQUIRE_2FA": "1",
}


def _check_deploy(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DATABASE_URL"}
    base.update(env, GRIDCARE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridcare.settings")
    code = "from django.core.management import execute_from_command_line as run; run(['gridcare', 'check', '--deploy', '--fail-level', 'WARNING'])"
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_production_environment_passes_check_deploy(tmp_path):
    result = _check_deploy(PRODUCTION_ENV | {"SECRET_KEY": secrets.token_urlsafe(50)}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _production_settings(settings):
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["cskh.example.vn"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def test_production_like_settings_pass_in_process(settings):
    _production_settings(settings)
    call_command("check", "--deploy", "--fail-level", "WARNING")


@pytest.mark.parametrize(
    "name, value, warning",
    [
        ("SECRET_KEY", "django-insecure-gridcare-development-key-change-me", "security.W009"),
        ("SESSION_COOKIE_SECURE", False, "security.W012"),
        ("SECURE_HSTS_SECONDS", 0, "security.W004"),
        ("DEBUG", True, "security.W018"),
    ],
    ids=["default-key", "insecure-cookie", "no-hsts", "debug"],
)
def test_a_missing_production_setting_fails_check_deploy(settings, name, value, warning):
    _production_settings(settings)
    setattr(settings, name, value)
    with pytest.raises(SystemCheckError, match=warning):
        call_command("check", "--deploy", "--fail-level", "WARNING")
