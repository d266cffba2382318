"""Background entry points of metering (Django Tasks API): thin, they call services."""

from pathlib import Path

from django.utils import timezone
from django_tasks import task

from gridcare.metering.services import reading_import_file


@task()
def reading_import_file_task(path: str) -> dict:
    """Import a readings file dropped by a reading device or the head-end; returns the counts."""
    outcome = reading_import_file(path=Path(path), now=timezone.now())
    result = outcome.as_dict()
    result.pop("errors")  # they are in the report next to the file and on the ReadingImport row
    return result
