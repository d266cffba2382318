"""The OpenADR 3.0.1 VTN, driven by the published `openadr3-client` package (ElaadNL) as a real third-party VEN.

The client needs Python ≥ 3.12 (gridcare runs on 3.11): the test builds a virtual environment with
`PYENV_VERSION=3.12.1 python3.12 -m venv`, installs the pinned client from PyPI once (cached under the
gitignored `var/openadr3-client-venv-<version>`), and runs `ven_client.py` as a separate process against a live
test server. CI runs it; elsewhere it is skipped only when python3.12 is missing.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility import services
from gridcare.flexibility.models import EventParticipant, EventResponse, VenReport, VenSubscription
from tests.backoffice.builders import superuser
from tests.flexibility.builders import large_account, programme
from tests.processes import once_in_ci
from tests.tasks import run_queued_tasks

# The client speaks HTTP to the VTN; the database behind it changes nothing the client sees.
pytestmark = [once_in_ci("sqlite")]

CLIENT_VERSION = "2.4.2"
ROOT = Path(__file__).resolve().parents[3]
VENV = ROOT / "var" / f"openadr3-client-venv-{CLIENT_VERSION}"
SCRIPT = Path(__file__).with_name("ven_client.py")


def _client_python() -> Path:
    python = VENV / "bin" / "python"
    if python.exists() and (VENV / ".installed").exists():
        return python
    if shutil.which("python3.12") is None:
        if os.environ.get("CI"):
            pytest.fail("python3.12 is needed to run the openadr3-client test in CI")
        pytest.skip("python3.12 is not installed (PYENV_VERSION=3.12.1 python3.12)")
    env = {**os.environ, "PYENV_VERSION": "3.12.1"}
    shutil.rmtree(VENV, ignore_errors=True)
    python312 = shutil.which("python3.12")
    subprocess.run([python312, "-m", "venv", str(VENV)], check=True, env=env, timeout=120)  # noqa: S603 (fixed arguments)
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        f"openadr3-client=={CLIENT_VERSION}",
    ]
    subprocess.run(pip, check=True, timeout=600)  # noqa: S603 (fixed arguments)
    (VENV / ".installed").write_text(CLIENT_VERSION)
    return python


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        return None


@pytest.fixture
def webhook_receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/openadr-callback", _Receiver.received
    server.shutdown()


def _slot(days: int, hour: int) -> dt.datetime:
    today = timezone.now().astimezone(BUSINESS_TZ).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tzinfo=BUSINESS_TZ)


@pytest.mark.django_db(transaction=True)
def test_a_third_party_ven_reads_events_answers_them_and_hears_of_new_ones(
    live_server, world, settings, webhook_receiver
):
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = True  # the receiver listens on 127.0.0.1
    python = _client_python()
    callback_url, received = webhook_receiver
    root = superuser("root-oadr")
    prog = programme(world, code="DR-OADR", min_annual_kwh=0, requires_interval_meter=False)
    factory = large_account(world, name="Nhà máy Giấy Sông Hậu")
    today = timezone.now().astimezone(BUSINESS_TZ).date()
    services.enrolment_create(
        user=root, programme=prog, account=factory, commitment_kw=800, today=today - dt.timedelta(days=60)
    )
    now = timezone.now()
    first = services.event_call(user=root, programme=prog, name="Sự kiện 1", starts_at=_slot(1, 17), ends_at=_slot(1, 19),
                                target_kw=5000, now=now)  # fmt: skip
    second = services.event_call(user=root, programme=prog, name="Sự kiện 2", starts_at=_slot(2, 10), ends_at=_slot(2, 11),
                                 target_kw=5000, now=now)  # fmt: skip
    run_queued_tasks()  # their webhooks go nowhere: nobody has subscribed yet
    ven, client_id, secret = services.ven_register(
        user=root, account=factory, ven_name="EMS-SONG-HAU", now=now
    )

    run = subprocess.run(  # noqa: S603 (our script, the test's own arguments)
        [str(python), str(SCRIPT), f"{live_server.url}/openadr3/3.0.1", client_id, secret, callback_url,
         str(first.pk), str(second.pk)],
        capture_output=True, text=True, timeout=120, env={"PATH": os.environ.get("PATH", "")},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["vens"] == ["EMS-SONG-HAU"]
    assert seen["programs"] == ["DR-OADR"]
    assert seen["events"] == sorted([str(first.pk), str(second.pk)])
    assert seen["event_payloads"][str(first.pk)] == [["SIMPLE", [1]], ["DISPATCH_SETPOINT_RELATIVE", [-800]]]
    assert seen["event_durations"] == {str(first.pk): 7200.0, str(second.pk): 3600.0}
    # The answers, as the customer's system gave them, are the participants' responses (channel OpenADR).
    answered = {p.event_id: p for p in EventParticipant.objects.filter(account=factory)}
    assert answered[first.pk].response == EventParticipant.Response.OPTED_OUT
    assert answered[second.pk].response == EventParticipant.Response.ACKNOWLEDGED
    assert {p.response_channel for p in answered.values()} == {"openadr"}
    assert EventResponse.objects.filter(by_ven=ven).count() == 2
    assert VenReport.objects.filter(ven=ven).count() == 2 and len(seen["reports"]) == 2
    assert VenSubscription.objects.get(pk=int(seen["subscription"])).ven_id == ven.pk

    # A new event reaches the subscribed VEN's webhook, with the bearer token it gave.
    third = services.event_call(user=root, programme=prog, name="Sự kiện 3", starts_at=_slot(3, 18), ends_at=_slot(3, 20),
                                target_kw=5000, now=timezone.now())  # fmt: skip
    run_queued_tasks()
    assert [(auth, body["operation"], body["object"]["id"]) for auth, body in received] == [
        ("Bearer ven-callback-secret", "POST", str(third.pk))
    ]
