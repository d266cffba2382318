"""`gridcare servicedesk-scan`: warn about open requests near their deadline and record breaches (idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from gridcare.servicedesk.services import clock_scan


class Command(BaseCommand):
    help = "Quét thời hạn các yêu cầu đang mở: cảnh báo sắp quá hạn và ghi nhận quá hạn (chạy lại nhiều lần vẫn đúng)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-teams", action="store_true", help="Không gửi e-mail cho các đội.")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="Tính lại thời hạn theo lịch làm việc hiện tại trước khi quét.",
        )

    def handle(self, *args, quiet_teams, recompute, **options):
        result = clock_scan(now=timezone.now(), tell_teams=not quiet_teams, recompute=recompute)
        self.stdout.write(
            f"warnings={result['warnings']} breaches={result['breaches']} moved={result['moved']}"
        )
