"""The production shape: health and readiness endpoints, request ids in structured logs, the gunicorn server,
the data folder independent of the current folder, and a one-line answer on an unmigrated database."""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path

from gridcare.core import health
from gridcare.core.observability import JsonFormatter, RequestContextFilter
from tests.processes import GRIDCARE, ROOT, child_database, gridcare, once_in_ci, wait_for

pytestmark = pytest.mark.django_db


def _boom(request):
    raise ZeroDivisionError("the tariff divided by zero")


urlpatterns = [path("boom/", _boom)]


def test_healthz_and_readyz_answer_ok_on_a_migrated_database(client):
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "database": "ok", "tasks": "ok"}
    assert "no-cache" in healthy["Cache-Control"]
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migrations"] == "ok"


def test_healthz_says_503_and_what_is_unreachable_when_the_database_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert answer.json()["database"] == "unreachable"


def test_a_request_id_is_returned_and_a_sane_one_from_the_proxy_is_kept(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz")["X-Request-ID"]
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")["X-Request-ID"] == "lb-7f3a.42"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="a b\r\nSet-Cookie: x")["X-Request-ID"]
    assert forged != "a b\r\nSet-Cookie: x" and len(forged) == 32


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestContextFilter())

    def emit(self, record):
        self.lines.append(self.format(record))


@override_settings(ROOT_URLCONF=__name__, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_an_error_is_logged_as_one_json_line_with_its_request_id_and_stack_trace(client):
    client.raise_request_exception = False
    lines = _Lines()
    logger = logging.getLogger("django.request")
    logger.addHandler(lines)
    try:
        answer = client.get("/boom/", REMOTE_ADDR="203.0.113.9")
    finally:
        logger.removeHandler(lines)
    assert answer.status_code == 500
    entries = [json.loads(line) for line in lines.lines]
    error = next(entry for entry in entries if entry["level"] == "ERROR")
    assert error["request_id"] == answer["X-Request-ID"]
    assert error["client"] == "203.0.113.9"
    assert error["exc_type"] == "ZeroDivisionError"
    assert "Traceback" in error["exc_info"] and "the tariff divided by zero" in error["exc_info"]


def test_a_command_on_an_unmigrated_database_says_so_in_one_line(tmp_path):
    with child_database(tmp_path, GRIDCARE_DEV="1") as (env, _connect):
        done = subprocess.run(  # noqa: S603
            [GRIDCARE, "quote", "--purpose", "residential", "--start", "2025-01-01", "--end", "2025-02-01", "--kwh", "100"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "gridcare migrate" in lines[0]


def test_the_data_folder_does_not_depend_on_the_current_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"GRIDCARE_DATA_DIR", "DATABASE_URL"}}
    env.update(GRIDCARE_DEV="1", PYTHONPATH=str(ROOT))
    script = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    seen = set()
    for folder in (tmp_path, ROOT):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gridcare.settings'); django.setup(); {script}"],
            env=env, cwd=folder, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        seen.add(done.stdout.strip())
    assert seen == {str(ROOT / "var" / "gridcare.sqlite3")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@once_in_ci("sqlite")
def test_gridcare_serve_runs_gunicorn_workers_that_log_json_and_stop_on_sigterm(tmp_path):
    port = _free_port()
    with child_database(
        tmp_path, SECRET_KEY="x" * 50, ALLOWED_HOSTS="127.0.0.1", GRIDCARE_MANIFEST_STATIC="1"
    ) as (env, _connect):
        gridcare(env, "migrate", "--noinput", "-v0", timeout=300)
        gridcare(env, "collectstatic", "--noinput", "-v0", timeout=300)
        env.update(GRIDCARE_WEB_WORKERS="2", GRIDCARE_WEB_THREADS="2", DEBUG="0", GRIDCARE_LOG_FORMAT="json")
        server = subprocess.Popen(  # noqa: S603
            [GRIDCARE, "serve", "--bind", f"127.0.0.1:{port}"], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:

            def up():
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            assert wait_for(up, timeout=60), "gunicorn did not answer"
            answer = httpx.get(
                f"http://127.0.0.1:{port}/readyz", headers={"X-Request-ID": "probe-1"}, timeout=5
            )
            assert answer.status_code == 200 and answer.json()["migrations"] == "ok"
            assert answer.headers["X-Request-ID"] == "probe-1"
            assert httpx.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=5).status_code == 404
            time.sleep(0.5)
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=40)
    assert server.returncode == 0, output
    assert output.count("Booting worker") == 2, output
    access = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    probe = [entry for entry in access if entry.get("request_id") == "probe-1"]
    assert (
        probe
        and probe[0]["path"] == "/readyz"
        and probe[0]["status"] == 200
        and probe[0]["logger"] == "gridcare.request"
    )
    assert any(entry.get("status") == 404 for entry in access)


def test_the_worker_count_comes_from_the_environment(monkeypatch):
    from gridcare.core.management.commands.serve import gunicorn_arguments

    monkeypatch.setenv("GRIDCARE_WEB_WORKERS", "7")
    monkeypatch.setenv("GRIDCARE_WEB_THREADS", "3")
    arguments = gunicorn_arguments(bind="127.0.0.1:9")
    assert arguments[arguments.index("--workers") + 1] == "7"
    assert arguments[arguments.index("--threads") + 1] == "3"
    assert arguments[arguments.index("--bind") + 1] == "127.0.0.1:9"
    assert Path(arguments[0]) == Path(sys.executable)
