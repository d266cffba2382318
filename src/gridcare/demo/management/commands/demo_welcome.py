"""`gridcare demo-welcome`: print where to open the demo and how to sign in, in Vietnamese and English."""

import time
from base64 import b32encode

from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_otp.oath import TOTP

from gridcare.demo import selectors, services
from gridcare.demo import selfservice as demo_selfservice


def current_totp_code(device, *, at: float) -> str:
    """The code an authenticator app shows at unix time `at` for this TOTP device."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = at
    return f"{generator.token():0{device.digits}d}"


def totp_secret(device) -> str:
    """The device's secret in base32, as authenticator apps ask for it."""
    return b32encode(device.bin_key).decode()


class Command(BaseCommand):
    help = gettext_lazy("In địa chỉ và tài khoản đăng nhập của bản demo (tiếng Việt và tiếng Anh).")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        try:
            logins = services.demo_logins_ensure()
        except services.DemoNotLoaded:
            # Not an error for `make demo`: the server should still start on a database of one's own.
            self.stderr.write(
                "Chưa có dữ liệu mẫu (cơ sở dữ liệu trống hoặc dữ liệu riêng): chạy `gridcare demo-data` để tạo. / "
                "No demo data here (empty or your own database): run `gridcare demo-data` to create it."
            )
            return
        base = f"http://{host}:{port}"
        now = time.time()
        out = self.stdout.write
        out("")
        out("=" * 78)
        out("gridcare — Công ty Điện lực Cần Thơ (dữ liệu mẫu / demo data)")
        out("=" * 78)
        out(f"Văn phòng (nhân viên) / Back office (staff):   {base}/backoffice/")
        roles = {
            "admin": "quản trị toàn hệ thống / superuser",
            "vanhanh.ninhkieu": "nghiệp vụ, Đội Quản lý điện Ninh Kiều / operator, Ninh Kieu team",
            "danhmuc.tongcongty": "quản lý danh mục (biểu giá, VAT, giờ cao điểm, đơn vị, mẫu tin), tổng công ty / "
            "catalogue (tariffs, VAT, time-of-use hours, units, message templates), corporation",
        }
        for username, role in roles.items():
            login = logins[username]
            device = login.totp_device
            out(f"  - {login.username}  /  {login.password}   ({role})")
            out("      Mã xác thực hai lớp (TOTP) / two-factor secret (TOTP): " + totp_secret(device))
            out(f"      otpauth URI: {device.config_url}")
            out(
                f"      Mã hiện tại / current code: {current_totp_code(device, at=now)} (đổi sau 30 giây / changes every 30 s)"
            )
        out("")
        out(f"Cổng khách hàng / Customer portal:              {base}/")
        out("  Đăng nhập bằng mã khách hàng và mật khẩu / sign in with the customer code and password:")
        for key, label in (
            ("household", "hộ gia đình, sinh hoạt / household, residential"),
            ("business", "kinh doanh, công tơ ba giá / business, time-of-use meter"),
        ):
            login = logins[key]
            out(f"  - {login.username}  /  {login.password}   ({label}: {login.account.customer.name})")
        landlord = demo_selfservice.demo_landlord()
        if landlord is not None:
            own, tenant = landlord
            out(
                f"  - {own.code}  /  {services.CUSTOMER_PASSWORD}   (chủ nhà, hai hợp đồng / landlord, two contracts: "
                f"{own.code} + {tenant.code}; {base}/profile/)"
            )
        out("")
        self._messages(out=out, base=base)
        out("=" * 78)
        out("")

    def _messages(self, *, out, base: str) -> None:
        """Say which providers are not connected, and where their messages (one-time codes too) can be read."""
        missing = selectors.unconnected_providers()
        outbox = f"{base}{reverse('admin:notifications_outboxmessage_changelist')}"
        held = selectors.held_bills_count()
        if missing:
            vi = ", ".join(label_vi for label_vi, _en in missing)
            en = ", ".join(label_en for _vi, label_en in missing)
            out(f"Chưa kết nối nhà cung cấp {vi}: không tin nào được gửi đi qua các kênh này.")
            out(f"No {en} provider is connected: nothing is sent on these channels.")
        out(
            "Mã xác thực (OTP) và mọi tin gửi khách hàng nằm trong Văn phòng › Thông báo › Tin trong hàng đợi:"
        )
        out("One-time codes and every message to customers are in Back office › Thông báo (Notifications) ›")
        out(f"Tin trong hàng đợi (queued messages): {outbox}")
        out(
            "  (mã OTP chỉ hiện ở đó khi chạy `make demo`, GRIDCARE_OTP_SHOWN_TO_STAFF=1 / codes show there only"
        )
        out("   under `make demo`, GRIDCARE_OTP_SHOWN_TO_STAFF=1; never in production)")
        if held:
            bills = f"{base}{reverse('admin:billing_bill_changelist')}?status__exact=held"
            out(f"Hoá đơn chờ kiểm tra / bills held for review: {held} — {bills}")
