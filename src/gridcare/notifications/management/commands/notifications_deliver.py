"""Deliver queued notifications in the foreground (a dedicated worker, or a cron sweep with --once)."""

import time

from django.core.management.base import BaseCommand

from gridcare.notifications import delivery
from gridcare.notifications.models import Channel


class Command(BaseCommand):
    help = "Gửi các thông báo đang chờ (send queued notifications)."
    # A cron sweep every minute and each worker start would otherwise pay for Django's system checks
    # (loading every URLconf, DRF and the schema generator: about half of the start-up) and send nothing
    # meanwhile; `gridcare check` and the deployment's checks cover them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--channel", action="append", choices=[c for c in Channel.values if c != Channel.INBOX]
        )
        parser.add_argument("--once", action="store_true", help="stop when nothing is ready")
        parser.add_argument("--idle-sleep", type=float, default=1.0)

    def handle(self, *args, channel=None, once=False, idle_sleep=1.0, **options):
        channels = channel or [c for c in Channel.values if c != Channel.INBOX]
        while True:
            busy = False
            for name in channels:
                result = delivery.deliver_until_idle(channel=name, budget_seconds=10.0)
                busy = busy or result.claimed > 0
                if result.claimed and options["verbosity"] > 0:
                    self.stdout.write(
                        f"{name}: sent={result.sent} retried={result.retried} failed={result.failed}"
                    )
            if once and not busy:
                return
            if not busy:
                time.sleep(idle_sleep)
