"""`gridcare demo-data`: build the demo power company (Can Tho Power Company) with N customers."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.core.formatting import local_date
from gridcare.demo import outages as demo_outages
from gridcare.demo import payments as demo_payments
from gridcare.demo import reliability as demo_reliability
from gridcare.demo import selectors, services, workday
from gridcare.demo import selfservice as demo_selfservice
from gridcare.demo.campaigns import demo_campaigns_load
from gridcare.demo.flexibility import demo_demand_response_load
from gridcare.demo.insights import demo_insights_load
from gridcare.demo.operations import demo_operations_load
from gridcare.demo.payments_files import demo_statements_load
from gridcare.demo.servicedesk import demo_service_requests_load
from gridcare.demo.usage import demo_interval_usage_load

STAGES = {
    "plan": gettext_lazy("kế hoạch dữ liệu (numpy)"),
    "org: units": gettext_lazy("đơn vị, phường/xã"),
    "grid: substations, feeders, stations": gettext_lazy("lưới điện: trạm nguồn, xuất tuyến, TBA"),
    "customers, premises, accounts, service points": gettext_lazy("khách hàng, địa điểm, hợp đồng, điểm đo"),
    "meters, installations": gettext_lazy("công tơ, lắp đặt"),
    "reading routes, route stops": gettext_lazy("lộ trình ghi chỉ số"),
    "monthly readings": gettext_lazy("chỉ số hằng tháng"),
    "interval readings (30 min)": gettext_lazy("dữ liệu 30 phút"),
    "social categories": gettext_lazy("đối tượng chính sách"),
    "logins": gettext_lazy("tài khoản đăng nhập mẫu"),
    "statements": gettext_lazy("sao kê ngân hàng (khớp và chờ khớp)"),
    "payments": gettext_lazy("thanh toán (đã trả, trả một phần, quá hạn, tiền thừa)"),
    "service requests": gettext_lazy("yêu cầu dịch vụ"),
    "advice, digital adoption": gettext_lazy("tư vấn tiết kiệm điện, chuyển đổi số"),
    "campaigns": gettext_lazy("Tháng tri ân khách hàng (hoạt động, hiến máu, thắp sáng đường quê)"),
    "operations": gettext_lazy("lịch tự bắt đầu, yêu cầu qua tổng đài, hoàn tiền, đối soát"),
    "portal: 30-minute data of the demo logins": gettext_lazy(
        "cổng khách hàng: dữ liệu 30 phút của tài khoản mẫu"
    ),
    "bill delivery choices": gettext_lazy("cách nhận hoá đơn, chủ nhà hai hợp đồng"),
}


class Command(BaseCommand):
    help = gettext_lazy("Tạo dữ liệu mẫu của Công ty Điện lực Cần Thơ (tất định theo --seed).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=5000, help=gettext_lazy("số khách hàng (mặc định 5000)")
        )
        parser.add_argument("--seed", type=int, default=2025, help=gettext_lazy("hạt giống ngẫu nhiên"))
        parser.add_argument(
            "--today", type=dt.date.fromisoformat, default=None,
            help=gettext_lazy("ngày hiện tại YYYY-MM-DD (mặc định: hôm nay, giờ Việt Nam); 24 tháng tính lùi từ đây"),
        )  # fmt: skip
        parser.add_argument(
            "--interval-days",
            type=int,
            default=60,
            help=gettext_lazy("số ngày dữ liệu 30 phút của khách hàng lớn"),
        )
        parser.add_argument(
            "--bill-months", type=int, default=12,
            help=gettext_lazy("số tháng lập hoá đơn bằng đợt lập hoá đơn thật (0: không lập)"),
        )  # fmt: skip
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=gettext_lazy("chỉ tạo khi cơ sở dữ liệu chưa có đơn vị nào"),
        )

    def handle(self, *args, customers, seed, today, interval_days, bill_months, if_empty, **options):
        if if_empty and selectors.database_has_units():
            self.stdout.write(_("Cơ sở dữ liệu đã có dữ liệu, bỏ qua tạo dữ liệu mẫu."))
            return
        today = today or local_date(timezone.now())
        started = time.perf_counter()
        quiet = options["verbosity"] == 0

        def progress(stage: str, rows: int) -> None:
            if not quiet:
                label = STAGES.get(stage, stage)
                if stage.startswith("bills "):  # one line per billed month, "bills MM/YYYY"
                    label = _("hoá đơn tháng %(month)s") % {"month": stage.removeprefix("bills ")}
                self.stdout.write(f"{time.perf_counter() - started:8.1f} s  {label:<45} {rows:>12,}")

        try:
            summary = services.demo_data_load(
                customers=customers, seed=seed, today=today, interval_days=interval_days, progress=progress
            )
        except services.DemoAlreadyLoaded as error:
            raise CommandError(
                _("Dữ liệu mẫu đã có trong cơ sở dữ liệu (đơn vị %(code)s).") % {"code": error}
            ) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        bills = services.demo_bills_load(
            today=today, months=bill_months, now=timezone.now(), progress=progress
        )
        progress("payments", demo_payments.demo_payments_load(today=today, now=timezone.now()))
        if bills:  # the queues go with the bill runs (held bills, their notices)
            workday.demo_workday_load(today=today, now=timezone.now())
        demo_outages.demo_outages_load(now=timezone.now())
        progress("service requests", demo_service_requests_load(now=timezone.now()))
        progress("statements", demo_statements_load(today=today, now=timezone.now()))
        progress("portal: 30-minute data of the demo logins",
                 demo_interval_usage_load(today=today, seed=seed, days=interval_days))  # fmt: skip
        demo_demand_response_load(today=today, now=timezone.now(), seed=seed, interval_days=interval_days)
        demo_reliability.demo_reliability_history_load(now=timezone.now())
        progress("advice, digital adoption", demo_insights_load(today=today, now=timezone.now()))
        progress("campaigns", demo_campaigns_load(today=today, now=timezone.now()))
        progress("operations", demo_operations_load(now=timezone.now()))
        progress("bill delivery choices", demo_selfservice.demo_selfservice_load(now=timezone.now()))
        self.stdout.write(
            _(
                "Xong trong %(seconds).1f s: %(customers)s khách hàng, %(teams)s đội, %(stations)s TBA, "
                "%(readings)s chỉ số, %(intervals)s giá trị 30 phút, %(bills)s hoá đơn."
            )
            % {
                "seconds": time.perf_counter() - started,
                "customers": f"{summary.customers:,}",
                "teams": summary.teams,
                "stations": f"{summary.transformer_stations:,}",
                "readings": f"{summary.readings:,}",
                "intervals": f"{summary.interval_readings:,}",
                "bills": f"{bills:,}",
            }  # fmt: skip
        )
