"""A real gridcare web server (gunicorn, several workers and threads) in child processes, on a database of its own."""

import contextlib
import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.processes import ROOT, child_database, gridcare, wait_for

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SETUP = """
import datetime as dt, json
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from gridcare.payments.models import PaymentOrder, PaymentOrderBill
from tests import factories
from tests.payments.builders import bill
world = factories.utility()
orders = []
now = timezone.now()
for i in range(%(accounts)d):
    acct = factories.account(world)
    first = bill(acct, total=100_000 + 1_000 * i, due_date=dt.date(2025, 7, 10))
    second = bill(acct, total=50_000 + 7 * i, due_date=dt.date(2025, 8, 10))
    gateway = "vnpay" if i %% 2 == 0 else "zalopay"
    reference = f"GC250801T{i:05d}" if gateway == "vnpay" else f"250801_T{i:05d}"
    order = PaymentOrder.objects.create(reference=reference, gateway=gateway, account=acct,
        amount=first.total + second.total, created_at=now, expires_at=now + dt.timedelta(minutes=15))
    PaymentOrderBill.objects.bulk_create([PaymentOrderBill(order=order, bill=first, amount=first.total),
                                          PaymentOrderBill(order=order, bill=second, amount=second.total)])
    orders.append({"reference": reference, "gateway": gateway, "amount": order.amount, "account_id": acct.pk})
print("ORDERS " + json.dumps(orders))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def payment_server(tmp_path: Path, *, accounts: int):
    """(base url, connect, env, orders): gunicorn serving gridcare on a child database with `accounts` orders."""
    with child_database(tmp_path, PYTHONUNBUFFERED="1") as (env, connect):
        out = gridcare(env, "shell", "-c", SETUP % {"accounts": accounts}, timeout=300).stdout
        orders = json.loads(out.split("ORDERS ", 1)[1])
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own server
            [GUNICORN, "gridcare.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8",
             "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"

        def up():
            try:
                return httpx.get(f"{base}/offline/", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            assert wait_for(up, timeout=60), "the server did not start"
            yield base, connect, env, orders
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
