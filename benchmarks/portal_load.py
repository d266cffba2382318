"""Load test of the production server: many signed-in customers read their account page, a bill and the API's
bill list, against the same server answering a view that does nothing.

    python benchmarks/portal_load.py [--customers N] [--database-url URL] [--users U] [--seconds S]

Builds the demo utility with N customers (3 months billed) in a throw-away database, gives a sample of them a
signed-in session (written straight to the session store: the password hash is not what is measured), starts
`gridcare serve` (gunicorn, `GRIDCARE_WEB_WORKERS`, default 2 × cores + 1) and drives it with locust (headless,
U concurrent users, no think time) for S seconds twice: once on the three customer pages, once on the no-op view.
Prints locust's summary and last

    RESULT portal_load rps=<n> p95_ms=<n> trivial_rps=<n> ratio=<n>

`ratio` = rps / trivial_rps: how much of what the server and the harness can do at all the real pages keep.
Locust runs on the same machine as the server and takes its share of the cores in both runs alike.
"""

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdb import ROOT, drop_database, use_database

HERE = Path(__file__).resolve().parent

LOCUSTFILE = """
import json, random
from locust import FastHttpUser, constant, task

SESSIONS = json.load(open({sessions!r}))


class Customer(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.me = random.choice(SESSIONS)
        self.headers = {{"Cookie": "sessionid=" + self.me["session"], "Accept-Language": "vi"}}

    @task(2)
    def account_page(self):
        self.client.get("/accounts/%s/" % self.me["code"], headers=self.headers, name="account page")

    @task(2)
    def bill_page(self):
        self.client.get("/accounts/%s/bills/%s/" % (self.me["code"], self.me["bill"]), headers=self.headers, name="bill page")

    @task(1)
    def api_bills(self):
        self.client.get("/api/v1/accounts/%s/bills" % self.me["code"], headers=self.headers, name="API bill list")


class Trivial(FastHttpUser):
    wait_time = constant(0)

    @task
    def noop(self):
        self.client.get("/bench/noop", name="no-op view")
"""


def signed_in_sample(size: int) -> list[dict]:
    """Sessions for `size` customers with an issued bill: (session key, customer code, latest bill number)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from gridcare.billing.models import Bill
    from gridcare.customers.models import Customer

    latest = {}
    for account_id, code, customer_id, number in (
        Bill.objects.filter(status="issued", kind="invoice", account__customer__user__isnull=True)
        .order_by("account_id", "-period")
        .values_list("account_id", "account__code", "account__customer_id", "number").iterator()
    ):  # fmt: skip
        if account_id not in latest and len(latest) < size:
            latest[account_id] = (code, customer_id, number)
    User = get_user_model()
    password = make_password("not-measured-here")
    users = User.objects.bulk_create(
        [User(username=code, password=password) for code, _c, _n in latest.values()]
    )
    by_code = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    customers = []
    for code, customer_id, _number in latest.values():
        customers.append(Customer(pk=customer_id, user=by_code[code]))
    Customer.objects.bulk_update(customers, ["user"], batch_size=2000)
    sample = []
    for code, _customer_id, number in latest.values():
        user = by_code[code]
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "gridcare.customers.auth.CustomerCodeBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sample.append({"session": store.session_key, "code": code, "bill": number})
    return sample


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_locust(*, locustfile: Path, user_class: str, host: str, users: int, seconds: int, out: Path) -> dict:
    prefix = out / user_class
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "locust", "-f", str(locustfile), user_class, "--headless", "--only-summary",
         "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix),
         "--loglevel", "WARNING", "--stop-timeout", "5"],
        check=False, timeout=seconds + 120,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    return {
        "rps": float(total["Requests/s"]), "p95_ms": float(total["95%"]), "failures": int(total["Failure Count"]),
        "requests": int(total["Request Count"]),
        "by_page": {name: (float(r["Requests/s"]), float(r["95%"])) for name, r in rows.items() if name != "Aggregated"},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL of a throw-away database (default: SQLite)"
    )
    parser.add_argument(
        "--sample", type=int, default=2_000, help="signed-in customers the load is spread over"
    )
    parser.add_argument("--users", type=int, default=32, help="concurrent locust users")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    url = use_database(args.database_url)
    from django.utils import timezone

    from gridcare.core.formatting import local_date
    from gridcare.demo.services import demo_bills_load, demo_data_load

    today = local_date(timezone.now())
    started = time.perf_counter()
    demo_data_load(customers=args.customers, seed=1, today=today, interval_days=1)
    demo_bills_load(today=today, months=3, now=timezone.now())
    sample = signed_in_sample(args.sample)
    print(
        f"data: {args.customers:,} customers, {len(sample):,} signed in, {time.perf_counter() - started:.1f} s"
    )

    work = Path(tempfile.mkdtemp(prefix="gridcare-load-"))
    (work / "sessions.json").write_text(json.dumps(sample))
    locustfile = work / "locustfile.py"
    locustfile.write_text(LOCUSTFILE.format(sessions=str(work / "sessions.json")))
    env = {**os.environ, "DATABASE_URL": url, "GRIDCARE_DATA_DIR": str(work), "GRIDCARE_DEV": "1", "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "portal_load_settings", "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT / 'src'}",
           "GRIDCARE_MANIFEST_STATIC": "1", "GRIDCARE_LOG_FORMAT": "json", "DB_CONN_MAX_AGE": "60"}  # fmt: skip
    gridcare = str(Path(sys.executable).with_name("gridcare"))
    subprocess.run([gridcare, "collectstatic", "--noinput", "-v0"], env=env, check=True)  # noqa: S603
    port = free_port()
    with open(work / "server.log", "w") as log:
        server = subprocess.Popen(
            [gridcare, "serve", "--bind", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=log
        )  # noqa: S603
        try:
            import httpx

            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            host = f"http://127.0.0.1:{port}"
            # Warm every worker (templates compiled, catalogues and translations loaded) before measuring.
            with httpx.Client(base_url=host, timeout=60) as warm:
                for me in sample[: 20 * max(1, os.cpu_count() or 1)]:
                    cookies = {"sessionid": me["session"]}
                    for path in (f"/accounts/{me['code']}/", f"/accounts/{me['code']}/bills/{me['bill']}/",
                                 f"/api/v1/accounts/{me['code']}/bills", "/bench/noop"):  # fmt: skip
                        warm.get(path, cookies=cookies)
            pages = run_locust(locustfile=locustfile, user_class="Customer", host=host, users=args.users,
                               seconds=args.seconds, out=work)  # fmt: skip
            trivial = run_locust(locustfile=locustfile, user_class="Trivial", host=host, users=args.users,
                                 seconds=args.seconds, out=work)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=60)
    workers = os.environ.get("GRIDCARE_WEB_WORKERS") or f"2 × {os.cpu_count()} + 1"
    print(
        f"server: gunicorn, {workers} workers; locust: {args.users} users, {args.seconds} s per run, same machine"
    )
    for name, (rps, p95) in pages["by_page"].items():
        print(f"  {name:<15} {rps:8.1f} req/s  p95 {p95:6.0f} ms")
    print(
        f"  failures: pages {pages['failures']} of {pages['requests']}, no-op {trivial['failures']} of {trivial['requests']}"
    )
    if not args.keep:
        drop_database(url)
    ratio = pages["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    print(
        f"RESULT portal_load rps={pages['rps']:.1f} p95_ms={pages['p95_ms']:.0f} trivial_rps={trivial['rps']:.1f} ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
