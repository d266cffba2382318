"""`gridcare outage_autostart`: start the planned outages whose planned time has come (for cron; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.outages import services


class Command(BaseCommand):
    help = "Chuyển các lịch ngừng cấp điện đã đến giờ sang “đang mất điện” (chạy lại nhiều lần không sao)."

    def handle(self, *args, **options):
        started = services.outages_start_due(now=timezone.now())
        self.stdout.write(_("Đã bắt đầu %(n)s lịch ngừng cấp điện.") % {"n": started})
