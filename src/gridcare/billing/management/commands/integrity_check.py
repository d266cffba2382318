"""`gridcare integrity-check`: readings, bills, bill lines and outbox rows whose owner is missing (exit 1 if any)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gridcare.billing.selectors import records_without_owner


class Command(BaseCommand):
    help = "Tìm chỉ số, hoá đơn, dòng hoá đơn và tin nhắn chờ gửi trỏ tới bản ghi không tồn tại."

    def handle(self, *args, **options):
        orphans = [o for o in records_without_owner() if o.count]
        for orphan in orphans:
            self.stdout.write(
                _("%(link)s: %(count)d dòng không có bản ghi gốc (ví dụ id %(ids)s)")
                % {"link": orphan.label, "count": orphan.count, "ids": ", ".join(map(str, orphan.sample_ids))}
            )
        if orphans:
            self.stdout.write(_("Có %(n)d loại liên kết hỏng.") % {"n": len(orphans)})
            raise SystemExit(1)
        self.stdout.write(_("Mọi chỉ số, hoá đơn, dòng hoá đơn và tin nhắn đều có bản ghi gốc."))
