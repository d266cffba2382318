"""Plain output and input serializers of the API (one per operation, no model magic on input)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Mã lỗi ổn định, ví dụ not_found, invalid, throttled."))
    message = serializers.CharField(help_text=_("Thông báo cho người đọc, theo ngôn ngữ của yêu cầu."))
    details = serializers.DictField(help_text=_("Chi tiết: lỗi từng trường, số giây phải chờ…"))


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
    token = serializers.CharField(help_text=_("Khoá truy cập, chỉ hiện một lần: gửi trong tiêu đề `Authorization: Token <khoá>`."))
    expires_at = serializers.DateTimeField(help_text=_("Khoá hết hạn lúc này; sau đó hãy lấy khoá mới."))
