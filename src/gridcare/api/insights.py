"""Safety and savings advice, household comparison and digital adoption in the API.

Staff list the advice of their units, preview a segment's size and publish a draft (once); a customer lists the
advice they received and reads their household comparison. The adoption figures per unit are for staff who may
see them. Anything outside the caller's reach is a 404, exactly like something that does not exist.
"""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.parsers import BoundedJSONParser
from gridcare.api.serializers import error_responses
from gridcare.core.formatting import BUSINESS_TZ, local_date
from gridcare.customers.models import Purpose
from gridcare.customers.selectors import accounts_for_user
from gridcare.insights import selectors, services
from gridcare.insights.models import Advice, AdviceRecipient
from gridcare.org import policy
from gridcare.org.models import Commune
from gridcare.org.selectors import units_for_user

READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]
ERRORS = error_responses(400, 401, 403, 404, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 429)


def _not_found(message) -> ApiError:
    return ApiError(code="not_found", message=message, status_code=404)


def _staff_only(user) -> None:
    if not is_staff(user):
        raise ApiError(code="staff_only", message=_("Chỉ nhân viên dùng được địa chỉ này."), status_code=403)


class AdviceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    status = serializers.CharField(help_text=_("draft hoặc sent."))
    status_label = serializers.CharField(source="get_status_display")
    unit = serializers.CharField(source="unit.name")
    recipients = serializers.IntegerField()
    sent_at = serializers.DateTimeField(allow_null=True)

    def get_title(self, advice) -> str:
        return advice.text(translation.get_language())[0]

    def get_body(self, advice) -> str:
        return advice.text(translation.get_language())[1]


class AdviceListView(APIView):
    """Staff: the advice of their units, newest first. Customers: the advice sent to their contracts."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="advice_list", responses={200: AdviceSerializer(many=True), **ERRORS}, tags=["advice"]
    )
    def get(self, request):
        if is_staff(request.user):
            rows = policy.records(Advice.objects.all(), user=request.user)
        else:
            received = AdviceRecipient.objects.filter(
                account__in=accounts_for_user(user=request.user).values("pk")
            )
            rows = Advice.objects.filter(status=Advice.Status.SENT, pk__in=received.values("advice_id"))
        rows = rows.select_related("unit").order_by("-created_at", "-pk")[:200]
        return Response(AdviceSerializer(rows, many=True).data)


class SegmentSerializer(serializers.Serializer):
    unit = serializers.CharField(
        max_length=30, help_text=_("Mã đơn vị gửi (các khách hàng của đơn vị và đơn vị trực thuộc).")
    )
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), required=False, default=list, max_length=5
    )
    commune = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text=_("Mã phường/xã.")
    )
    high_users_percent = serializers.IntegerField(
        min_value=1, max_value=100, required=False, allow_null=True, default=None
    )
    high_users_months = serializers.IntegerField(min_value=1, max_value=24, required=False, default=3)
    bill_shock_days = serializers.IntegerField(
        min_value=1, max_value=730, required=False, allow_null=True, default=None
    )


class SegmentPreviewSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    with_phone = serializers.IntegerField()
    with_email = serializers.IntegerField()
    with_zalo = serializers.IntegerField()


class SegmentPreviewView(APIView):
    """How many customers a segment holds now (staff who may publish advice for the unit)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    parser_classes = [BoundedJSONParser]

    @extend_schema(operation_id="advice_segment_preview", request=SegmentSerializer,
                   responses={200: SegmentPreviewSerializer, **WRITE_ERRORS}, tags=["advice"])  # fmt: skip
    def post(self, request):
        _staff_only(request.user)
        data = SegmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = units_for_user(user=request.user).filter(code=values["unit"].strip()).first()
        if unit is None or not policy.may(
            user=request.user, action="insights.publish_advice", unit_id=unit.pk
        ):
            raise _not_found(_("Không có đơn vị này trong phạm vi của bạn."))
        commune_id = None
        if values["commune"]:
            commune = Commune.objects.filter(code=values["commune"].strip()).first()
            if commune is None:
                raise ApiError(
                    code="unknown_commune",
                    message=_("Không có phường/xã mã này."),
                    details={"commune": values["commune"]},
                )
            commune_id = commune.pk
        segment = selectors.Segment(
            unit_id=unit.pk, purposes=tuple(values["purposes"]), commune_id=commune_id,
            high_users_percent=values["high_users_percent"], high_users_months=values["high_users_months"],
            bill_shock_days=values["bill_shock_days"],
        )  # fmt: skip
        return Response(selectors.segment_preview(segment=segment, now=timezone.now()))


class AdvicePublishView(APIView):
    """Publish a draft advice to its segment; publishing a sent advice again sends nothing and answers the same."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]

    @extend_schema(
        operation_id="advice_publish",
        request=None,
        responses={200: AdviceSerializer, **ERRORS},
        tags=["advice"],
    )
    def post(self, request, advice_id: int):
        _staff_only(request.user)
        advice = (
            policy.records(Advice.objects.select_related("unit"), user=request.user)
            .filter(pk=advice_id)
            .first()
        )
        if advice is None:
            raise _not_found(_("Không có bản tư vấn này trong phạm vi của bạn."))
        try:
            sent = services.advice_publish(advice=advice, user=request.user, now=timezone.now())
        except policy.AccessDenied as error:
            raise ApiError(code="forbidden", message=error.message, status_code=403) from error
        return Response(AdviceSerializer(sent).data)


class ComparisonMonthSerializer(serializers.Serializer):
    period = serializers.DateField()
    households = serializers.IntegerField()
    kwh = serializers.IntegerField(allow_null=True)
    p25 = serializers.FloatField()
    median = serializers.FloatField()
    p75 = serializers.FloatField()
    position = serializers.IntegerField(allow_null=True, help_text=_("% số hộ tương tự dùng ít hơn."))


class ComparisonSerializer(serializers.Serializer):
    shown = serializers.BooleanField(help_text=_("false khi nhóm có dưới 10 hộ (giữ kín thông tin từng hộ)."))
    months = ComparisonMonthSerializer(many=True)
    tips = serializers.ListField(child=serializers.CharField())


class AccountComparisonView(APIView):
    """An account's monthly kWh against similar households, with tips (its customer, or staff of its units)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="account_comparison", responses={200: ComparisonSerializer, **ERRORS}, tags=["advice"]
    )
    def get(self, request, code: str):
        account = (
            accounts_visible_to(user=request.user)
            .select_related("premise")
            .filter(code=code.strip().upper())
            .first()
        )
        if account is None:
            raise _not_found(_("Không có hợp đồng này trong phạm vi của bạn."))
        result = selectors.household_comparison(account=account, today=local_date(timezone.now()))
        return Response({
            "shown": result.shown,
            "months": ComparisonMonthSerializer(result.months, many=True).data,
            "tips": [selectors.tip_text(c) for c in result.tips],
        })  # fmt: skip


class AdoptionQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=30, required=False, default="")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False, help_text=_("Ngày cuối (gồm cả ngày này)."))

    def validate(self, attrs):
        for name in ("since", "until"):
            if name in attrs and not 2000 <= attrs[name].year <= 2100:
                raise serializers.ValidationError({name: _("Ngày phải trong các năm 2000–2100.")})
        return attrs


class AdoptionRowSerializer(serializers.Serializer):
    unit_code = serializers.CharField(source="unit.code")
    unit = serializers.CharField(source="unit.name")
    accounts = serializers.IntegerField()
    paper_only = serializers.IntegerField()
    moved = serializers.DictField(child=serializers.IntegerField())
    targets = serializers.DictField(child=serializers.IntegerField(allow_null=True))


class AdoptionView(APIView):
    """Customers moved to the app, e-mail, Zalo, e-bills and online payment in a period, against targets, per unit."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(operation_id="adoption_by_unit", parameters=[AdoptionQuerySerializer],
                   responses={200: AdoptionRowSerializer(many=True), **ERRORS}, tags=["advice"])  # fmt: skip
    def get(self, request):
        _staff_only(request.user)
        if not policy.may(user=request.user, action="insights.view_adoption"):
            raise ApiError(
                code="forbidden", message=_("Bạn không có quyền xem kết quả chuyển đổi số."), status_code=403
            )
        query = AdoptionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        units = units_for_user(user=request.user).order_by("path", "pk")
        unit = units.filter(code=values["unit"].strip()).first() if values["unit"] else units.first()
        if unit is None:
            raise _not_found(_("Không có đơn vị này trong phạm vi của bạn."))
        year = values.get("year") or local_date(timezone.now()).year
        since = values.get("since") or dt.date(year, 11, 1)
        until = values.get("until") or dt.date(year, 12, 31)
        if until < since:
            raise ApiError(
                code="bad_period",
                message=_("Ngày cuối phải sau ngày đầu."),
                details={"since": str(since), "until": str(until)},
            )
        rows = selectors.adoption_by_unit(
            units=[unit], year=year, since=dt.datetime.combine(since, dt.time(0), tzinfo=BUSINESS_TZ),
            until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=BUSINESS_TZ),
        )  # fmt: skip
        return Response(AdoptionRowSerializer(rows, many=True).data)
