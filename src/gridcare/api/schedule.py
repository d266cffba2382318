"""Public outage schedule endpoints (no sign-in): announced outages by province, commune/ward or customer code.

The same reads as the public page (`gridcare.outages.schedule`): nothing about a customer is returned — a
customer code only chooses the outages that reach its service points, and the answer does not repeat it.
Anonymous callers are throttled per address; the iCalendar feeds are linked from each answer.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.errors import ApiError
from gridcare.api.serializers import error_responses
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.outages import schedule
from gridcare.outages.models import OutageKind, OutageStatus


class ScheduleAnonThrottle(AnonRateThrottle):
    """Anyone may look up the schedule; an address gets 30 lookups a minute."""

    scope = "schedule_anon"
    rate = "30/min"


THROTTLES = [UserRateThrottle, ScheduleAnonThrottle]


class ScheduleOutageSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=gettext_lazy("Số của lần ngừng cấp điện; UID trong lịch iCalendar.")
    )
    kind = serializers.ChoiceField(
        choices=OutageKind.choices, help_text=gettext_lazy("planned (có kế hoạch) hoặc incident (sự cố).")
    )
    status = serializers.ChoiceField(choices=OutageStatus.choices)
    place = serializers.CharField(help_text=gettext_lazy("Khu vực mất điện, như trong thông báo."))
    reason = serializers.CharField()
    emergency = serializers.BooleanField()
    begins_at = serializers.DateTimeField(help_text=gettext_lazy("Bắt đầu (giờ Việt Nam, ISO 8601)."))
    ends_at = serializers.DateTimeField(
        allow_null=True, help_text=gettext_lazy("Dự kiến có điện lại; null: chưa xác định.")
    )
    revision = serializers.IntegerField(help_text=gettext_lazy("Tăng mỗi lần lịch thay đổi."))


class ScheduleSerializer(serializers.Serializer):
    area = serializers.CharField(
        help_text=gettext_lazy("Tên tỉnh/thành phố hoặc phường/xã; rỗng khi tra theo mã khách hàng.")
    )
    calendar_url = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy(
            "Địa chỉ lịch iCalendar của phường/xã; null khi tra theo tỉnh hoặc mã khách hàng (lịch của mã: /schedule/customers/{mã}.ics)."
        ),
    )
    outages = ScheduleOutageSerializer(many=True)


class ScheduleView(APIView):
    """Announced outages in progress or starting within 30 days, by exactly one of province, commune or customer code."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = THROTTLES

    @extend_schema(
        operation_id="schedule_outages",
        parameters=[
            OpenApiParameter(
                "province", OpenApiTypes.STR, description=gettext_lazy("Mã tỉnh/thành phố, ví dụ 92.")
            ),
            OpenApiParameter("commune", OpenApiTypes.STR, description=gettext_lazy("Mã phường/xã.")),
            OpenApiParameter(
                "customer_code",
                OpenApiTypes.STR,
                description=gettext_lazy("Mã khách hàng (in trên hóa đơn)."),
            ),
        ],
        responses={200: ScheduleSerializer, **error_responses(400, 404, 429)},
        tags=["schedule"],
    )
    def get(self, request):
        given = {
            name: request.query_params.get(name, "").strip()
            for name in ("province", "commune", "customer_code")
        }
        chosen = [name for name, value in given.items() if value]
        if len(chosen) != 1:
            raise ApiError(
                code="invalid", message=_("Cho đúng một trong các tham số province, commune, customer_code."),
                details={"parameters": ["province", "commune", "customer_code"]},
            )  # fmt: skip
        name, value = chosen[0], given[chosen[0]]
        now = timezone.now()
        calendar_url = None
        if name == "customer_code":
            code = schedule.normalised_customer_code(code=value)
            if len(code) > 20 or not schedule.customer_code_known(code=code):
                raise ApiError(
                    code="not_found", status_code=404, message=_("Không tìm thấy mã khách hàng này.")
                )
            # The answer does not repeat the code, not even in the feed's address (/schedule/customers/<code>.ics).
            entries, area = schedule.schedule_entries(now=now, customer_code=code), ""
        elif name == "commune":
            commune = schedule.commune_by_code(code=value)
            if commune is None:
                raise ApiError(code="not_found", status_code=404, message=_("Không tìm thấy phường/xã này."))
            entries, area = (
                schedule.schedule_entries(now=now, commune=commune),
                f"{commune}, {commune.province.name}",
            )
            calendar_url = reverse("portal:schedule_commune_feed", kwargs={"code": commune.code})
        else:
            province = schedule.province_by_code(code=value)
            if province is None:
                raise ApiError(
                    code="not_found", status_code=404, message=_("Không tìm thấy tỉnh/thành phố này.")
                )
            entries, area = schedule.schedule_entries(now=now, province=province), province.name
        body = {
            "area": area,
            "calendar_url": request.build_absolute_uri(calendar_url) if calendar_url else None,
            "outages": [dataclass_row(e) for e in entries],
        }
        response = Response(ScheduleSerializer(body).data)
        response["Cache-Control"] = "private, max-age=60" if name == "customer_code" else "public, max-age=60"
        return response


def dataclass_row(entry: schedule.ScheduleEntry) -> dict:
    return {
        "id": entry.id, "kind": entry.kind, "status": entry.status, "place": entry.place, "reason": entry.reason,
        "emergency": entry.emergency, "begins_at": entry.begins_at.astimezone(BUSINESS_TZ),
        "ends_at": entry.ends_at.astimezone(BUSINESS_TZ) if entry.ends_at else None, "revision": entry.revision,
    }  # fmt: skip


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class SchedulePlacesView(APIView):
    """Provinces/cities, or with `province` the communes/wards of one, whose codes the schedule takes."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = THROTTLES

    @extend_schema(
        operation_id="schedule_places",
        parameters=[
            OpenApiParameter(
                "province",
                OpenApiTypes.STR,
                description=gettext_lazy("Mã tỉnh/thành phố: liệt kê phường/xã của nó."),
            )
        ],
        responses={200: PlaceSerializer(many=True), **error_responses(404, 429)},
        tags=["schedule"],
    )
    def get(self, request):
        code = request.query_params.get("province", "").strip()
        if not code:
            rows = [{"code": p.code, "name": p.name} for p in schedule.schedule_provinces()]
        else:
            province = schedule.province_by_code(code=code)
            if province is None:
                raise ApiError(
                    code="not_found", status_code=404, message=_("Không tìm thấy tỉnh/thành phố này.")
                )
            rows = [{"code": c.code, "name": str(c)} for c in schedule.schedule_communes(province=province)]
        response = Response(PlaceSerializer(rows, many=True).data)
        response["Cache-Control"] = "public, max-age=3600"
        return response
