"""Throw-away databases for the benchmarks: a fresh PostgreSQL database named in a URL, or a temporary SQLite file.

Import this module before Django is set up: `use_database(url)` points DATABASE_URL at the database and
creates it; `drop_database(url)` removes it at the end.
"""

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def use_database(url: str) -> str:
    """Create the throw-away database (PostgreSQL URL, or empty for SQLite), set up Django, migrate; returns the URL."""
    if url:
        import psycopg

        name = urlparse(url).path.lstrip("/")
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='gridcare-bench-')}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
    os.environ.setdefault("GRIDCARE_DEV", "1")  # a throw-away database: the development key will do
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database (SQLite files live in a temporary folder and are left to the system)."""
    from django.db import connections

    connections.close_all()
    if url.startswith("postgres"):
        import psycopg

        name = urlparse(url).path.lstrip("/")
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_load(**kwargs) -> None:
    """`demo_data_load(**kwargs)` (the demo refreshes the planner's statistics itself: demo.writer.statistics_refresh)."""
    from gridcare.demo import services

    services.demo_data_load(**kwargs)
