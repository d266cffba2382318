"""A real `gridcare bill-run` killed with SIGKILL mid-run, then resumed, bills every account exactly once."""

import os
import signal

from tests.processes import child_database, gridcare, gridcare_start

ACCOUNTS = 120
SETUP = """
import datetime as dt
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests import factories
world = factories.utility()
for i in range(%d):
    acct = factories.account(world)
    factories.readings(acct, [10 * i, 10 * i + 100 + i, 10 * i + 230 + 2 * i], start=dt.date(2025, 5, 5))
"""


def test_a_killed_run_resumes_and_bills_each_account_exactly_once(tmp_path):
    with child_database(tmp_path, PYTHONUNBUFFERED="1") as (env, connect):
        gridcare(env, "shell", "-c", SETUP % ACCOUNTS)
        run = gridcare_start(env, "bill-run", "--all-routes", "--period", "2025-07", "--chunk-size", "4")
        progress_lines = []
        try:
            # Kill it once a few chunks have committed (each chunk prints one progress line).
            while len(progress_lines) < 3:
                line = run.stdout.readline()
                assert line, "the run ended before it could be killed"
                if "%)" in line:
                    progress_lines.append(line)
            os.kill(run.pid, signal.SIGKILL)
            run.wait(timeout=10)
        finally:
            if run.poll() is None:
                run.kill()
        with connect() as conn:
            billed_at_kill = conn.execute("SELECT COUNT(*) FROM billing_bill").fetchone()[0]
            run_id, status = conn.execute("SELECT id, status FROM billing_billrun").fetchone()
        assert 0 < billed_at_kill < ACCOUNTS, "the kill must land mid-run"
        assert status == "running"

        finished = gridcare(env, "bill-run", "--all-routes", "--period", "2025-07", "--resume", str(run_id))
        assert "Xong" in finished.stdout
        with connect() as conn:
            per_account = conn.execute(
                "SELECT account_id, COUNT(*) FROM billing_bill WHERE period = '2025-07-01' GROUP BY account_id"
            ).fetchall()
            accounts = conn.execute("SELECT COUNT(*) FROM customers_account").fetchone()[0]
            unbalanced = conn.execute(
                "SELECT COUNT(*) FROM billing_bill b WHERE b.subtotal <> "
                "(SELECT COALESCE(SUM(l.amount), 0) FROM billing_billline l WHERE l.bill_id = b.id)"
            ).fetchone()[0]
            status = conn.execute("SELECT status FROM billing_billrun ORDER BY id").fetchone()[0]
        assert accounts == ACCOUNTS
        assert len(per_account) == ACCOUNTS and {n for _a, n in per_account} == {1}
        assert unbalanced == 0
        assert status == "done"
