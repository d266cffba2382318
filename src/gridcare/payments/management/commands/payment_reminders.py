"""`gridcare payment-reminders [--today YYYY-MM-DD]`: send today's payment reminders (run it once a day).

Idempotent: a bill is reminded once per stage, so running it twice a day (or again after a crash) sends nothing new.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from gridcare.core.formatting import local_date
from gridcare.payments.reminders import payment_reminders_send


class Command(BaseCommand):
    help = "Gửi nhắc thanh toán trước hạn, thông báo nợ quá hạn và thông báo ngừng cấp điện do nợ (mỗi ngày một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, today: dt.date | None, **options):
        now = timezone.now()
        sent = payment_reminders_send(today=today or local_date(now), now=now)
        self.stdout.write(", ".join(f"{stage}: {count}" for stage, count in sent.items()))
