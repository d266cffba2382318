"""`gridcare consumption-alerts`: alert customers whose latest reading period crossed their threshold.

Run it after each readings import (or from cron): every reading alerts at most once, so a wide
`--since` window is safe to repeat.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from gridcare.notifications.services import consumption_alerts_evaluate


class Command(BaseCommand):
    help = "Gửi cảnh báo sản lượng cho khách hàng có kỳ ghi mới vượt ngưỡng (send consumption alerts)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=dt.date.fromisoformat, default=None,
            help="Chỉ xét các kỳ ghi từ ngày này (YYYY-MM-DD); mặc định 40 ngày trước.",
        )  # fmt: skip

    def handle(self, *args, since: dt.date | None, **options):
        now = timezone.now()
        since = since or timezone.localdate(now) - dt.timedelta(days=40)
        notice = consumption_alerts_evaluate(since=since, now=now)
        count = notice.recipients if notice is not None else 0
        self.stdout.write(
            f"Đã gửi cảnh báo sản lượng cho {count} hợp đồng / consumption alerts for {count} account(s)."
        )
