"""The callback part of `payments.py`: N gateway callbacks settled over HTTP against a running server, and a naive
per-row ORM baseline (run by `payments.py`, which adds the statement import; runs alone too).

    .venv/bin/python benchmarks/payments.py --payments 2000 [--database-url postgres://postgres@127.0.0.1:5432/gc_bench]

The server is gunicorn (2 workers × 8 threads) on a throw-away database; 16 client threads (kept-alive connections,
the standard library's HTTP client: the load generator shares the cores) send one signed VNPAY IPN per order (each
settles its order: payment, allocations, receipt notice, callback log; the first 32 are sent before the clock
starts). The naive baseline records `--naive-sample` payments (default 1,000) row by row through the ORM
(get-or-create, then one allocation), as a first import would.
The statement-row figure is the statement import's (`_statement_rows_per_s`, the bank-statement work); 0 until
that import exists. Last line:

    RESULT payments callbacks_per_s=<n> statement_rows_per_s=<n> naive_rows_per_s=<n> ratio=<n>

(ratio = statement_rows_per_s / naive_rows_per_s.)
"""

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from benchdb import ROOT, drop_database, use_database


def _setup(n: int):
    """N accounts, each with one issued bill and one pending VNPAY order for all of it but 1.000 ₫ (set-based)."""
    from django.utils import timezone

    from gridcare.billing.models import Bill
    from gridcare.customers.models import Account, Customer, Premise
    from gridcare.org.models import Commune, Province, Unit
    from gridcare.org.services import unit_create
    from gridcare.payments.models import PaymentOrder, PaymentOrderBill

    now = timezone.now()
    province = Province.objects.create(code="92", name="Cần Thơ")
    commune = Commune.objects.create(
        province=province, code="92-001", name="Ninh Kiều", kind=Commune.Kind.WARD
    )
    corp = unit_create(kind=Unit.Kind.CORPORATION, code="EVNSPC", name="EVNSPC")
    company = unit_create(
        kind=Unit.Kind.COMPANY, code="PCCT", name="PCCT", parent=corp, customer_code_prefix="PB"
    )
    team = unit_create(kind=Unit.Kind.TEAM, code="PCCT-NK", name="Ninh Kiều", parent=company)
    customers = Customer.objects.bulk_create([Customer(name=f"Khách {i}") for i in range(n)], batch_size=5000)
    premises = Premise.objects.bulk_create([Premise(province=province, commune=commune, street=f"{i} đường 30/4")
                                            for i in range(n)], batch_size=5000)  # fmt: skip
    accounts = Account.objects.bulk_create([
        Account(code=f"PB13{i:09d}", customer=c, unit=team, premise=p, start_date=dt.date(2020, 1, 1))
        for i, (c, p) in enumerate(zip(customers, premises, strict=True))
    ], batch_size=5000)  # fmt: skip
    period = dt.date(2025, 7, 1)
    bills = Bill.objects.bulk_create([
        Bill(number=f"HD{i:09d}", account=a, period=period, status=Bill.Status.ISSUED, start_date=period,
             end_date=dt.date(2025, 8, 1), days=31, start_index=0, end_index=100, kwh=100, subtotal=200_000 + i,
             vat=16_000, total=216_000 + i, created_at=now, issued_at=now, due_date=dt.date(2025, 8, 10))
        for i, a in enumerate(accounts)
    ], batch_size=5000)  # fmt: skip
    orders = PaymentOrder.objects.bulk_create([
        PaymentOrder(reference=f"GCB{i:09d}", gateway="vnpay", account=a, amount=b.total - 1_000, created_at=now,
                     expires_at=now + dt.timedelta(minutes=15))
        for i, (a, b) in enumerate(zip(accounts, bills, strict=True))
    ], batch_size=5000)  # fmt: skip
    PaymentOrderBill.objects.bulk_create([PaymentOrderBill(order=o, bill=b, amount=o.amount)
                                          for o, b in zip(orders, bills, strict=True)], batch_size=5000)  # fmt: skip
    return [(o.reference, o.amount) for o in orders], accounts, bills


def _ipn(reference: str, amount: int, secret: str, tmn: str) -> dict:
    params = {"vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": f"Thanh toan {reference}",
              "vnp_PayDate": "20250801100000", "vnp_ResponseCode": "00", "vnp_TmnCode": tmn,
              "vnp_TransactionNo": reference[3:], "vnp_TransactionStatus": "00", "vnp_TxnRef": reference}  # fmt: skip
    text = "&".join(f"{k}={urllib.parse.quote_plus(v)}" for k, v in sorted(params.items()))
    return {**params, "vnp_SecureHash": hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()}


def _callbacks_per_s(orders, url: str, *, threads: int = 16, warm: int = 32) -> float:
    import httpx
    from django.conf import settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(  # noqa: S603 - our own server
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "gridcare.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/offline/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        paths = ["/payments/vnpay/ipn/?" + urllib.parse.urlencode(
            _ipn(r, a, settings.GRIDCARE_VNPAY_HASH_SECRET, settings.GRIDCARE_VNPAY_TMN_CODE)) for r, a in orders]  # fmt: skip
        local = threading.local()

        def send(path):
            # A kept-alive HTTP/1.1 connection per client thread, through the standard library's client: the
            # load generator shares the 2 cores with the server, so it should cost as little as it can.
            if not hasattr(local, "conn"):
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            local.conn.request("GET", path)
            answer = local.conn.getresponse()
            return json.loads(answer.read())["RspCode"]

        for path in paths[:warm]:  # each worker thread's connection and first queries, not timed
            send(path)
        load = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            codes = list(pool.map(send, paths[warm:]))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert codes.count("00") == len(codes), {c: codes.count(c) for c in set(codes)}
        print(f"callbacks: {len(codes)} over HTTP in {elapsed:.2f} s with {threads} client threads "
              f"(client CPU {cpu / len(codes) * 1000:.2f} ms per callback; DB_CONN_MAX_AGE="
              f"{env.get('DB_CONN_MAX_AGE', 'default')}; load average {load:.2f} → {os.getloadavg()[0]:.2f})")  # fmt: skip
        return len(codes) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def _naive_rows_per_s(accounts, bills) -> float:
    """A naive import: per row, look the payment up, create it, then allocate it (the bill's last 1.000 ₫)."""
    from django.db import transaction
    from django.utils import timezone

    from gridcare.payments.models import Allocation, Payment

    now = timezone.now()
    started = time.perf_counter()
    for i, (account, bill) in enumerate(zip(accounts, bills, strict=True)):
        with transaction.atomic():
            payment, created = Payment.objects.get_or_create(
                channel="bank_transfer", reference=f"FT{i:09d}",
                defaults={"account": account, "amount": 1_000, "received_at": now, "recorded_at": now},
            )  # fmt: skip
            if created:
                Allocation.objects.create(payment=payment, bill=bill, amount=1_000, created_at=now)
    return len(accounts) / (time.perf_counter() - started)


def _statement_rows_per_s(n: int) -> float:
    """Hook for the bank-statement import (not in this branch yet): rows imported per second, 0 until then."""
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--naive-sample", type=int, default=1000, help="payments recorded the naive way (0: none)"
    )
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    args = parser.parse_args()
    url = use_database(args.database_url)
    try:
        orders, accounts, bills = _setup(args.payments)
        callbacks = _callbacks_per_s(orders, url, threads=args.threads)
        statement = _statement_rows_per_s(args.payments)
        sample = min(args.naive_sample, len(accounts))
        naive = _naive_rows_per_s(accounts[:sample], bills[:sample]) if sample else 0.0
    finally:
        drop_database(url)
    ratio = statement / naive if naive else 0
    print(f"callbacks: {callbacks:.0f}/s over HTTP; naive per-row ORM: {naive:.0f} rows/s ({sample} rows)")
    print(f"RESULT payments callbacks_per_s={callbacks:.0f} statement_rows_per_s={statement:.0f} "
          f"naive_rows_per_s={naive:.0f} ratio={ratio:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
