"""The `gridcare` console script: Django's management entry point with gridcare's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`gridcare <command>`) from any folder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
