"""Plain output and input serializers of the API (one per operation, no model magic on input)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN, "example": "2025-06"})
class PeriodField(serializers.DateField):
    """A billing period, the month of a date, written YYYY-MM (not a date: there is no day)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Mã lỗi ổn định, ví dụ not_found, invalid, throttled."))
    message = serializers.CharField(help_text=_("Thông báo cho người đọc, theo ngôn ngữ của yêu cầu."))
    details = serializers.DictField(help_text=_("Chi tiết: lỗi từng trường, số giây phải chờ…"))


ERROR_DESCRIPTIONS = {
    400: _("Dữ liệu gửi lên không hợp lệ (invalid, parse_error, json_too_deep…): xem details."),
    401: _("Chưa đăng nhập, hoặc thông tin đăng nhập sai."),
    403: _("Không có quyền."),
    404: _("Không tìm thấy (hoặc không phải của bạn)."),
    409: _("Xung đột với trạng thái hiện tại."),
    413: _("Nội dung gửi lên quá lớn (request_too_large)."),
    429: _("Quá nhiều yêu cầu (throttled, locked): details.wait là số giây phải chờ."),
    503: _("Dịch vụ chưa được cấu hình."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error answers of an operation: each one `{"code", "message", "details"}`."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


class AddressSerializer(serializers.Serializer):
    street = serializers.CharField()
    commune = serializers.CharField(source="commune.name")
    commune_code = serializers.CharField(source="commune.code")
    province = serializers.CharField(source="province.name")


class AccountSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Mã khách hàng, 13 ký tự."))
    customer_name = serializers.CharField(source="customer.name")
    status = serializers.CharField()
    purpose = serializers.CharField()
    voltage = serializers.CharField()
    households = serializers.IntegerField()
    phone = serializers.CharField()
    email = serializers.CharField()
    preferred_language = serializers.CharField()
    start_date = serializers.DateField()
    unit_code = serializers.CharField(source="unit.code")
    address = AddressSerializer(source="premise")


class ReadingSerializer(serializers.Serializer):
    read_on = serializers.DateField()
    meter_serial = serializers.CharField(source="meter.serial")
    total = serializers.IntegerField(help_text=_("Chỉ số tổng (kWh)."))
    peak = serializers.IntegerField(allow_null=True)
    normal = serializers.IntegerField(allow_null=True)
    offpeak = serializers.IntegerField(allow_null=True)
    rollover = serializers.BooleanField()
    source = serializers.CharField()


class ReadingsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text=_("Từ ngày (gồm), YYYY-MM-DD."))
    date_to = serializers.DateField(required=False, help_text=_("Đến ngày (không gồm), YYYY-MM-DD."))

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_to"] <= attrs["date_from"]:
            raise serializers.ValidationError({"date_to": _("Phải sau ngày bắt đầu.")})
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.RegexField(
        r"^\d{6}$", required=False, allow_blank=True,
        help_text=_("Mã 6 chữ số của ứng dụng xác thực (bắt buộc khi văn phòng yêu cầu xác thực hai bước)."),
    )  # fmt: skip


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("Khoá truy cập, chỉ hiện một lần: gửi trong tiêu đề `Authorization: Token <khoá>`.")
    )
    expires_at = serializers.DateTimeField(help_text=_("Khoá hết hạn lúc này; sau đó hãy lấy khoá mới."))
