"""The `gridcare` console script: Django's management entry point with gridcare's settings.

Commands are written with hyphens on the command line (`gridcare import-readings`, `gridcare demo-data`);
Django's command modules use underscores, so the first argument's hyphens are mapped to underscores.

A command that fails because the database has no tables yet (never migrated, or migrated by older code) says
so in one line, and how to fix it, instead of a traceback.
"""

import os
import sys


def _unmigrated(error: BaseException) -> int:
    """How many migrations are pending when `error` came from a missing table or column (0 otherwise)."""
    from django.db import DatabaseError

    if not isinstance(error, DatabaseError):
        return 0
    try:
        from gridcare.core.health import pending_migrations

        return pending_migrations()
    except Exception:  # the database itself is unreachable: let the original error speak
        return 0


def main() -> None:
    """Run a management command (`gridcare <command>`) from any folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    # One BLAS thread per process (before numpy loads): workers already run one per core, and the engines' small
    # matrix products were slower with two threads waiting for each other (docs/demand-response.md).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if (
            argv[1] == "help" and len(argv) > 2 and not argv[2].startswith("-")
        ):  # gridcare help import-readings
            argv[2] = argv[2].replace("-", "_")
    try:
        execute_from_command_line(argv)
    except Exception as error:
        pending = _unmigrated(error)
        if not pending:
            raise
        from gridcare.core.health import unmigrated_message

        sys.stderr.write(unmigrated_message(pending) + "\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
