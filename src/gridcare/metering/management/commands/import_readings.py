"""`gridcare import-readings FILE`: import a CSV/XLSX file of register readings or interval data.

Exit status: 0 when every row was imported or already present, 1 when some rows were rejected (their
reasons are in `FILE.errors.csv`), 2 when the file could not be read at all. The last line printed is a
one-line summary.
"""

import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.metering.importing import ImportFileError
from gridcare.metering.services import reading_import_file


class Command(BaseCommand):
    help = "Nhập chỉ số công tơ hoặc dữ liệu 30 phút từ tệp CSV/XLSX (xem docs/readings-import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--now", type=dt.datetime.fromisoformat, default=None,
            help="Thời điểm coi là hiện tại (ISO), để kiểm tra ngày tương lai; mặc định là bây giờ.",
        )  # fmt: skip

    def handle(self, *args, file: Path, now: dt.datetime | None, **options):
        now = now or timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        try:
            outcome = reading_import_file(path=file, now=now, progress=self._progress(options["verbosity"]))
        except ImportFileError as exc:
            self.stdout.write(
                _("Không nhập được tệp %(file)s: %(reason)s") % {"file": file, "reason": exc.message}
            )
            raise SystemExit(2) from exc
        self.stdout.write(outcome.summary())
        if outcome.exit_code:
            raise SystemExit(outcome.exit_code)

    def _progress(self, verbosity: int):
        """Progress lines on stderr at a terminal (or with -v 2), so the summary stays the last line of stdout."""
        if verbosity >= 2 or (verbosity >= 1 and sys.stderr.isatty()):
            return self.stderr.write
        return None
