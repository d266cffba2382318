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
    "GRIDCARE_TRUSTED_PROXY_COUNT": "1",
}
# Variables that would let a child start without a key, or change what it checks.
UNSET = ("SECRET_KEY", "DEBUG", "GRIDCARE_DEV", "GRIDCARE_OTP_SHOWN_TO_STAFF", "DATABASE_URL")


def _check_deploy(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in UNSET}
    base.update(env, GRIDCARE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridcare.settings")
    code = "from django.core.management import execute_from_command_line as run; run(['gridcare', 'check', '--deploy', '--fail-level', 'WARNING'])"
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_production_environment_passes_check_deploy(tmp_path):
    result = _check_deploy(PRODUCTION_ENV | {"SECRET_KEY": secrets.token_urlsafe(50)}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    result = _check_deploy(env, tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr and "docs/deployment.md" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("switch", [{"GRIDCARE_DEV": "1"}, {"DEBUG": "1"}], ids=["GRIDCARE_DEV", "DEBUG"])
def test_a_developer_machine_starts_without_a_secret_key(tmp_path, switch):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in UNSET}
    base.update(switch, GRIDCARE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="gridcare.settings")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=60
    )  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("django-insecure-")


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
    settings.CSRF_TRUSTED_ORIGINS = ["https://cskh.example.vn"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 1
    settings.GRIDCARE_STAFF_REQUIRE_2FA = True
    settings.GRIDCARE_OTP_SHOWN_TO_STAFF = False


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


@pytest.mark.parametrize(
    "name, value, error",
    [
        ("GRIDCARE_OTP_SHOWN_TO_STAFF", True, "gridcare.E001"),
        ("GRIDCARE_OTP_SHOWN_TO_STAFF", "1", "gridcare.E001"),
        ("GRIDCARE_STAFF_REQUIRE_2FA", False, "gridcare.E002"),
        ("GRIDCARE_TRUSTED_PROXY_COUNT", 0, "gridcare.E003"),
        ("GRIDCARE_TRUSTED_PROXY_COUNT", None, "gridcare.E003"),
        ("ALLOWED_HOSTS", ["cskh.example.vn", "*"], "gridcare.E004"),
        ("CSRF_TRUSTED_ORIGINS", ["https://cskh.example.vn", "http://cskh.example.vn"], "gridcare.E005"),
    ],
    ids=[
        "otp-shown",
        "otp-shown-text",
        "no-2fa",
        "proxy-count-0",
        "proxy-count-unset",
        "any-host",
        "http-origin",
    ],
)
def test_an_unsafe_gridcare_setting_is_an_error_of_check_deploy(settings, name, value, error):
    _production_settings(settings)
    setattr(settings, name, value)
    # An Error, not a warning: the default fail level (ERROR) already refuses it.
    with pytest.raises(SystemCheckError, match=error):
        call_command("check", "--deploy")


def test_otp_shown_to_staff_from_the_environment_is_an_error(tmp_path):
    env = PRODUCTION_ENV | {"SECRET_KEY": secrets.token_urlsafe(50), "GRIDCARE_OTP_SHOWN_TO_STAFF": "1"}
    result = _check_deploy(env, tmp_path)
    assert result.returncode != 0 and "gridcare.E001" in result.stderr


def test_no_proxy_count_behind_the_proxy_fails_and_without_the_proxy_passes(settings):
    _production_settings(settings)
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = 0
    settings.SECURE_PROXY_SSL_HEADER = None
    call_command("check", "--deploy", "--fail-level", "ERROR")
