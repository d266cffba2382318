"""`gridcare outage_reminders`: remind the customers of tomorrow's planned outages (for cron; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.outages import services


class Command(BaseCommand):
    help = "Nhắc lịch ngừng cấp điện ngày mai cho khách hàng bị ảnh hưởng (mỗi lịch một lần)."

    def handle(self, *args, **options):
        sent = services.outage_reminders_send(now=timezone.now())
        self.stdout.write(_("Đã nhắc %(n)s lịch ngừng cấp điện.") % {"n": sent})
