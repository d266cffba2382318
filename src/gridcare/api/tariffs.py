"""Public tariff endpoints: the catalogue (`/tariffs`, `/vat-rates`) and pricing a consumption (`/quotes`).

Electricity prices are published by the Ministry of Industry and Trade, so anyone may read them and
ask for a quote, without signing in; anonymous callers are throttled per address.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.errors import ApiError
from gridcare.api.serializers import ErrorSerializer, error_responses
from gridcare.customers.models import Purpose, Voltage
from gridcare.tariffs import engine
from gridcare.tariffs.models import TimeOfUsePeriod
from gridcare.tariffs.quotes import pricing_error_message, quote_as_dict
from gridcare.tariffs.selectors import consumption_quote, tariff_versions, vat_rates, with_prices

READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]


class QuoteAnonThrottle(AnonRateThrottle):
    """Pricing reads the whole catalogue: anonymous callers get fewer quotes a minute than plain reads."""

    scope = "quote_anon"
    rate = "20/min"


class TierSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text=_("Bậc, từ 1."))
    limit_kwh = serializers.IntegerField(
        allow_null=True, help_text=_("Định mức tháng mỗi hộ (kWh); null ở bậc cuối.")
    )
    unit_price = serializers.IntegerField(help_text=_("Đơn giá (đồng/kWh, chưa VAT)."))


class TimeOfUsePriceSerializer(serializers.Serializer):
    voltage = serializers.ChoiceField(choices=Voltage.choices)
    period = serializers.ChoiceField(choices=TimeOfUsePeriod.choices)
    unit_price = serializers.IntegerField(help_text=_("Đơn giá (đồng/kWh, chưa VAT)."))


class TariffVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    method = serializers.CharField(help_text=_("tiered (bậc thang) hoặc time_of_use (theo khung giờ)."))
    decision = serializers.CharField(help_text=_("Số quyết định, ví dụ 1279/QĐ-BCT."))
    decision_date = serializers.DateField(allow_null=True)
    active_from = serializers.DateField()
    active_to = serializers.DateField(
        allow_null=True, help_text=_("Đến ngày (không gồm); null: đang áp dụng.")
    )
    divisor = serializers.CharField(
        source="proration_divisor",
        help_text=_(
            "Số ngày chia định mức: 30, hoặc preceding_month (số ngày của tháng trước tháng ghi chỉ số)."
        ),
    )
    confidence = serializers.CharField(help_text=_("A chính thức, B một nguồn thứ cấp, C chưa kiểm chứng."))
    note = serializers.CharField()
    tiers = TierSerializer(many=True)
    time_of_use_prices = TimeOfUsePriceSerializer(many=True)


class VatRateSerializer(serializers.Serializer):
    active_from = serializers.DateField()
    active_to = serializers.DateField(allow_null=True)
    rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    basis = serializers.CharField()
    confidence = serializers.CharField()


class TariffListView(generics.ListAPIView):
    """Every tariff version (price decision) with its tiers or time-of-use prices, by purpose and start date."""

    serializer_class = TariffVersionSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = READ_THROTTLES
    pagination_class = None

    @extend_schema(
        operation_id="tariffs_list",
        parameters=[
            OpenApiParameter(
                "purpose", OpenApiTypes.STR, enum=Purpose.values, description=_("Chỉ một mục đích.")
            )
        ],
        responses={200: TariffVersionSerializer(many=True), **error_responses(400, 401, 429)},
        tags=["tariffs"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        purpose = self.request.query_params.get("purpose", "").strip()
        if purpose and purpose not in Purpose.values:
            raise serializers.ValidationError(
                {"purpose": [_("Chọn một trong: %(choices)s.") % {"choices": ", ".join(Purpose.values)}]}
            )
        return with_prices(tariff_versions(purpose=purpose or None))


class VatRateListView(generics.ListAPIView):
    """VAT rates on electricity by date range, oldest first."""

    serializer_class = VatRateSerializer
    permission_classes = [permissions.AllowAny]
    throttle_classes = READ_THROTTLES
    pagination_class = None

    @extend_schema(
        operation_id="vat_rates_list", responses={200: VatRateSerializer(many=True), **error_responses(400, 401, 429)},
        tags=["tariffs"],
    )  # fmt: skip
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return vat_rates()


# Bounds of a quote's inputs: far above any distribution customer's month (the largest use a few million
# kWh), low enough that a quote is a real bill, not an overflow (a bad size is a 400, never a 500).
MAX_QUOTE_KWH = 10**9
MAX_QUOTE_HOUSEHOLDS = 10_000


class QuoteRequestSerializer(serializers.Serializer):
    """The inputs of `gridcare quote`: one consumption over [start, end)."""

    purpose = serializers.ChoiceField(choices=Purpose.values)
    start = serializers.DateField(help_text=_("Ngày ghi chỉ số kỳ trước (YYYY-MM-DD)."))
    end = serializers.DateField(help_text=_("Ngày ghi chỉ số kỳ này (YYYY-MM-DD); kỳ là [start, end)."))
    kwh = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_QUOTE_KWH, help_text=_("Tổng điện năng (kWh).")
    )
    peak = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_QUOTE_KWH, help_text=_("Điện năng giờ cao điểm (kWh).")
    )
    normal = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_QUOTE_KWH, help_text=_("Điện năng giờ bình thường (kWh).")
    )
    offpeak = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_QUOTE_KWH, help_text=_("Điện năng giờ thấp điểm (kWh).")
    )
    households = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_QUOTE_HOUSEHOLDS,
                                          help_text=_("Số hộ dùng chung công tơ."))  # fmt: skip
    voltage = serializers.ChoiceField(choices=Voltage.values, required=False,
                                      help_text=_("Cấp điện áp (bắt buộc trừ mục đích sinh hoạt)."))  # fmt: skip

    def validate(self, attrs):
        errors = {}
        if attrs["end"] <= attrs["start"]:
            errors["end"] = [_("Ngày ghi chỉ số kỳ này phải sau ngày ghi chỉ số kỳ trước.")]
        registers = [attrs.get(name) for name in ("peak", "normal", "offpeak")]
        if any(r is not None for r in registers):
            if attrs.get("kwh") is not None:
                errors["kwh"] = [_("Gửi kwh hoặc peak/normal/offpeak, không gửi cả hai.")]
            elif attrs["purpose"] == Purpose.RESIDENTIAL:
                errors["kwh"] = [_("Giá điện sinh hoạt tính theo tổng điện năng: gửi kwh.")]
            attrs["registers"] = tuple(r or 0 for r in registers)
        elif attrs.get("kwh") is None:
            errors["kwh"] = [_("Cần kwh, hoặc peak, normal, offpeak cho công tơ nhiều biểu giá.")]
        if attrs["purpose"] != Purpose.RESIDENTIAL and not attrs.get("voltage"):
            errors["voltage"] = [_("Cần cấp điện áp cho mục đích này.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


_QUOTE_LINE = inline_serializer(
    "QuoteLine",
    {
        "from": serializers.DateField(),
        "to": serializers.DateField(help_text=_("Không gồm.")),
        "tier": serializers.IntegerField(required=False, help_text=_("Bậc (dòng bậc thang).")),
        "period": serializers.ChoiceField(
            choices=TimeOfUsePeriod.values,
            required=False,
            help_text=_("Khung giờ (dòng theo thời gian sử dụng)."),
        ),
        "limit_kwh": serializers.IntegerField(allow_null=True),
        "kwh": serializers.IntegerField(),
        "unit_price": serializers.IntegerField(),
        "amount": serializers.IntegerField(),
    },  # fmt: skip
    many=True,
)
_VAT_PART = inline_serializer(
    "QuoteVatPart",
    {"from": serializers.DateField(), "to": serializers.DateField(), "vat_rate": serializers.FloatField(),
     "subtotal": serializers.IntegerField()},
    many=True, required=False,
)  # fmt: skip
_QUOTE = inline_serializer(
    "Quote",
    {
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "days": serializers.IntegerField(),
        "lines": _QUOTE_LINE,
        "subtotal": serializers.IntegerField(),
        "vat_rate": serializers.FloatField(
            allow_null=True, help_text=_("null khi thuế suất đổi trong kỳ (xem vat_parts).")
        ),
        "vat": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "vat_parts": _VAT_PART,
    },
)


class QuoteView(APIView):
    """Price one consumption with the tariffs in force, exactly as a bill would (the same JSON as `gridcare quote --json`)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [UserRateThrottle, QuoteAnonThrottle]

    @extend_schema(
        operation_id="quotes_create",
        request=QuoteRequestSerializer,
        responses={
            200: _QUOTE,
            400: OpenApiResponse(ErrorSerializer, description=_("Dữ liệu sai (invalid) hoặc chưa có biểu giá/thuế suất cho kỳ (no_tariff, no_vat_rate).")),
            **error_responses(401, 413, 429),
        },
        tags=["tariffs"],
    )  # fmt: skip
    def post(self, request):
        data = QuoteRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            quote = consumption_quote(
                purpose=values["purpose"], start=values["start"], end=values["end"], kwh=values.get("kwh"),
                registers=values.get("registers"), households=values["households"], voltage=values.get("voltage"),
            )  # fmt: skip
        except (engine.NoTariff, engine.NoVatRate) as error:
            details = {"day": error.day.isoformat()}
            if isinstance(error, engine.NoTariff):
                details |= {"purpose": error.purpose, "voltage": error.voltage}
            raise ApiError(code=error.code, message=pricing_error_message(error), details=details) from None
        return Response(quote_as_dict(quote), status=status.HTTP_200_OK)
