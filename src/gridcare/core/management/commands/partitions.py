"""`gridcare partitions`: create the coming months' partitions (PostgreSQL); retention only when asked.

For cron (daily) or the task `gridcare.core.tasks.partitions_maintain`; idempotent. See docs/scaling.md.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.core import partitions


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a calendar month, no time
    except ValueError:
        raise CommandError(
            _("Tháng không hợp lệ: %(value)s (cần dạng YYYY-MM).") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Tạo trước các phân vùng theo tháng của các bảng lớn (PostgreSQL); xoá phân vùng cũ chỉ khi được yêu cầu."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ahead", type=int, default=3, help="Số tháng tạo trước, sau tháng này (mặc định 3)."
        )
        parser.add_argument(
            "--since",
            type=_month,
            help="Tạo cả các tháng từ tháng này (YYYY-MM), ví dụ trước khi nhập dữ liệu cũ.",
        )
        parser.add_argument(
            "--detach-expired", action="store_true", help="Tách các phân vùng cũ hơn thời hạn lưu giữ."
        )
        parser.add_argument(
            "--drop-expired",
            action="store_true",
            help="Tách và xoá hẳn các phân vùng cũ hơn thời hạn lưu giữ.",
        )

    def handle(self, *args, ahead, since, detach_expired, drop_expired, **options):
        if ahead < 0:
            raise CommandError(_("--ahead không được âm."))
        if connection.vendor != "postgresql":
            self.stdout.write(_("Cơ sở dữ liệu SQLite: các bảng không phân vùng, không có gì để làm."))
            return
        today = timezone.localdate()
        with transaction.atomic():
            created = partitions.ensure_partitions(
                connection=connection, today=today, ahead=ahead, since=since
            )
        self.stdout.write(_("Đã tạo %(n)s phân vùng.") % {"n": len(created)})
        for name in created:
            self.stdout.write(f"  + {name}")
        for table, count in partitions.default_rows(connection=connection).items():
            if count:
                self.stdout.write(
                    _("%(table)s: %(n)s dòng thuộc những tháng chưa có phân vùng (nằm trong phân vùng mặc định); "
                      "tạo các tháng đó bằng --since.") % {"table": table, "n": count}
                )  # fmt: skip
        if detach_expired or drop_expired:
            with transaction.atomic():
                removed = partitions.apply_retention(connection=connection, today=today, drop=drop_expired)
            message = _("Đã xoá %(n)s phân vùng cũ.") if drop_expired else _("Đã tách %(n)s phân vùng cũ.")
            self.stdout.write(message % {"n": len(removed)})
            for name in removed:
                self.stdout.write(f"  - {name}")
        else:
            expired = partitions.expired_months(connection=connection, today=today)
            waiting = sum(len(months) for months in expired.values())
            if waiting:
                self.stdout.write(
                    _(
                        "%(n)s phân vùng đã quá thời hạn lưu giữ; tách bằng --detach-expired hoặc xoá bằng --drop-expired."
                    )
                    % {"n": waiting}
                )
