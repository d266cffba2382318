"""`gridcare bill-run --route R --period 2025-11` (or `--all-routes`): bill a route's accounts for a month."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gridcare.billing.models import BillRun
from gridcare.billing.services import bill_run_create, bill_run_execute
from gridcare.metering.models import ReadingRoute


class Command(BaseCommand):
    help = "Lập hoá đơn tiền điện cho một lộ trình (hoặc mọi lộ trình) trong một tháng."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Tháng của kỳ hoá đơn, dạng YYYY-MM.")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--route", help="Mã lộ trình ghi chỉ số.")
        scope.add_argument("--all-routes", action="store_true", help="Mọi lộ trình.")
        parser.add_argument(
            "--resume", type=int, metavar="RUN_ID", help="Tiếp tục một đợt đã dừng giữa chừng."
        )
        parser.add_argument("--chunk-size", type=int, default=20_000)
        parser.add_argument(
            "--cutover", action="store_true",
            help="Chuyển từ hệ thống cũ: hoá đơn đầu tiên tính từ chỉ số cuối cùng trước kỳ (đã lập hoá đơn ở hệ thống cũ).",
        )  # fmt: skip

    def handle(self, *args, **options):
        try:
            period = dt.datetime.strptime(options["period"], "%Y-%m").date()
        except ValueError as exc:
            raise CommandError(
                f"Kỳ không hợp lệ: {options['period']!r} (cần dạng YYYY-MM, ví dụ 2025-11)."
            ) from exc
        route = None
        if options["route"]:
            route = ReadingRoute.objects.filter(code=options["route"]).first()
            if route is None:
                raise CommandError(f"Không có lộ trình {options['route']!r}.")
        if options["resume"]:
            run = BillRun.objects.filter(pk=options["resume"], period=period, route=route).first()
            if run is None:
                raise CommandError(f"Không có đợt lập hoá đơn #{options['resume']} cho kỳ và lộ trình này.")
        else:
            run = bill_run_create(period=period, route=route, now=timezone.now(), cutover=options["cutover"])
        self.stdout.write(f"Đợt #{run.pk}: {run.accounts_total} khách hàng, kỳ {period:%m/%Y}.")

        def progress(r):
            self.stdout.write(
                f"  {r.accounts_done}/{r.accounts_total} ({r.progress_percent}%) — {r.bills_created} hoá đơn"
            )

        run = bill_run_execute(
            run=run, now=timezone.now(), chunk_size=options["chunk_size"], progress=progress
        )
        self.stdout.write(
            f"Xong đợt #{run.pk}: {run.bills_created} hoá đơn, {run.bills_held} chờ kiểm tra (tăng ≥ 30%), "
            f"{run.accounts_skipped} khách hàng chưa lập được (xem danh sách trong văn phòng)."
        )
