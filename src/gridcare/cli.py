"""The `gridcare` console script: Django's management entry point with gridcare's settings.

Commands are written with hyphens on the command line (`gridcare import-readings`, `gridcare demo-data`);
Django's command modules use underscores, so the first argument's hyphens are mapped to underscores.
"""

import os
import sys


def main() -> None:
    """Run a management command (`gridcare <command>`) from any folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
        if argv[1] == "help" and len(argv) > 2 and not argv[2].startswith("-"):  # gridcare help import-readings
            argv[2] = argv[2].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
