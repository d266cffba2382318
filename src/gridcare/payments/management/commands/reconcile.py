"""`gridcare reconcile [--day YYYY-MM-DD] [--channel vnpay ...]`: the daily reconciliation per channel.

Compares the gateways' daily lists, the bank statements and the partner files of the day (local date, default
yesterday) with the payments recorded, stores the result and prints one line per channel. Idempotent.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.core.formatting import format_vnd
from gridcare.payments import reconciliation
from gridcare.payments.models import Channel


class Command(BaseCommand):
    help = "Đối soát giao dịch trong ngày theo từng kênh (VNPAY, ZaloPay, chuyển khoản, quầy thu)."

    def add_arguments(self, parser):
        parser.add_argument("--day", default=None, help="Ngày đối soát YYYY-MM-DD (mặc định: hôm qua).")
        parser.add_argument("--channel", action="append", choices=Channel.values, default=None)

    def handle(self, *args, day: str | None, channel: list[str] | None, **options):
        now = timezone.now()
        try:
            chosen = dt.date.fromisoformat(day) if day else reconciliation.yesterday(now)
        except ValueError:
            raise CommandError(_("Ngày không hợp lệ: %(day)s (dạng YYYY-MM-DD).") % {"day": day}) from None
        runs = reconciliation.reconcile_day(day=chosen, now=now, channels=tuple(channel) if channel else None)
        for run in runs:
            self.stdout.write(_("%(channel)s %(day)s: bên kia %(their_n)s giao dịch %(their)s, sổ %(our_n)s giao dịch "
                                "%(our)s, khớp %(matched)s, chênh lệch %(diff)s") % {
                "channel": Channel(run.channel).label, "day": f"{run.day:%d/%m/%Y}", "their_n": run.their_count,
                "their": format_vnd(run.their_total), "our_n": run.our_count, "our": format_vnd(run.our_total),
                "matched": run.matched_count, "diff": run.difference_count})  # fmt: skip
        asked = len(channel) if channel else 4
        if len(runs) < asked:
            raise CommandError(_("Một số kênh không đối soát được (không kết nối được cổng): xem nhật ký."))
