"""Run the background tasks a test has queued, as `gridcare db_worker` would (same database connection)."""

from unittest import mock

from django.core.management import call_command


def run_queued_tasks() -> None:
    # The worker drops "old" connections between tasks; inside a test's transaction (autocommit off)
    # Django counts the connection as unusable and closes it, which PostgreSQL tests cannot survive.
    # Django's test client switches the same check off for requests in the same way.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
