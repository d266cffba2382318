"""Run the background tasks a test has queued, as `gridcare db_worker` would (same database connection)."""

from django.core.management import call_command


def run_queued_tasks() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
