"""`gridcare import-statement FILE --source VCB [--kind partner] [--unit CODE]`: import a bank or partner file.

Exit status: 0 when every row was imported (matched, queued or already present), 1 when some rows were rejected
(listed on stdout: row, column, value, why), 2 when the file could not be read at all. The last line is a summary.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.metering.importing import ImportFileError
from gridcare.org.models import Unit
from gridcare.payments.statements import statement_import


class Command(BaseCommand):
    help = "Nhập sao kê ngân hàng hoặc tệp đối tác thu hộ (CSV/XLSX, xem docs/payments-import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="Mã ngân hàng / đối tác, ví dụ VCB, VNPOST.")
        parser.add_argument("--kind", choices=["bank", "partner"], default="bank")
        parser.add_argument(
            "--unit", default=None, help="Mã đơn vị nhận các dòng chờ khớp (mặc định: chỉ quản trị viên)."
        )
        parser.add_argument("--now", type=dt.datetime.fromisoformat, default=None)

    def handle(
        self, *args, file: Path, source: str, kind: str, unit: str | None, now: dt.datetime | None, **options
    ):
        now = now or timezone.now()
        if timezone.is_naive(now):
            now = timezone.make_aware(now)
        owner = Unit.objects.filter(code=unit).first() if unit else None
        if unit and owner is None:
            raise CommandError(f"Không có đơn vị {unit}.")
        try:
            result = statement_import(content=file.read_bytes(), filename=file.name, kind=kind, source=source, now=now,
                                      unit=owner)  # fmt: skip
        except ImportFileError as exc:
            self.stdout.write(
                _("Không nhập được tệp %(file)s: %(reason)s") % {"file": file, "reason": exc.message}
            )
            raise SystemExit(2) from exc
        for error in result.errors:
            self.stdout.write(f"{error.row}\t{error.column}\t{error.value}\t{error.reason}")
        rejected = len({e.row for e in result.errors})
        self.stdout.write(
            f"{file.name}: {result.matched} matched, {result.unmatched} unmatched, {result.already_present} already present, "
            f"{rejected} rejected"
        )
        if rejected:
            raise SystemExit(1)
