"""Demand-response endpoints for customers' own systems: their events and their answer to each (acknowledge or opt out).

Energy-management systems that speak OpenADR 3 use `/openadr3/3.0.1/` instead; both record the same answer.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomer, accounts_visible_to
from gridcare.api.errors import ApiError
from gridcare.api.serializers import error_responses
from gridcare.flexibility import selectors, services
from gridcare.flexibility.models import Channel, EventParticipant

ERRORS = error_responses(400, 401, 403, 404, 429)


class ParticipationSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("Mã lần tham gia (dùng để trả lời)."))
    account = serializers.CharField(source="account.code", help_text=_("Mã khách hàng."))
    event = serializers.CharField(source="event.name")
    programme = serializers.CharField(source="event.programme.code")
    starts_at = serializers.DateTimeField(source="event.starts_at")
    ends_at = serializers.DateTimeField(source="event.ends_at")
    cancelled = serializers.SerializerMethodField()
    commitment_kw = serializers.IntegerField()
    response = serializers.ChoiceField(choices=EventParticipant.Response.choices)
    responded_at = serializers.DateTimeField(allow_null=True)
    response_channel = serializers.CharField(
        help_text=_("portal, api, openadr, staff; trống khi chưa trả lời.")
    )
    delivered_kwh = serializers.SerializerMethodField(
        help_text=_("Điện năng giảm được (kWh); null khi chưa có kết quả.")
    )
    shifted_kwh = serializers.SerializerMethodField(help_text=_("Điện năng chuyển sang giờ thấp điểm (kWh)."))
    saved_vnd = serializers.IntegerField(
        allow_null=True, help_text=_("Tiền điện tiết kiệm nhờ chuyển giờ (đồng, chưa VAT).")
    )

    def get_cancelled(self, obj) -> bool:
        return obj.event.status == "cancelled"

    def get_delivered_kwh(self, obj) -> float | None:
        return None if obj.delivered_wh is None else round(obj.delivered_wh / 1000, 3)

    def get_shifted_kwh(self, obj) -> float | None:
        return None if obj.shifted_wh is None else round(obj.shifted_wh / 1000, 3)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=[("acknowledged", _("xác nhận tham gia")), ("opted_out", _("không tham gia"))]
    )


def _participations(user):
    return selectors.participations_of(accounts=accounts_visible_to(user=user))


class MyParticipationsView(APIView):
    """The demand-response events the signed-in customer's accounts were called for, newest first."""

    permission_classes = [permissions.IsAuthenticated, IsCustomer]
    throttle_classes = [UserRateThrottle]

    @extend_schema(operation_id="me_demand_response_list", responses={200: ParticipationSerializer(many=True), **ERRORS},
                   tags=["demand-response"])  # fmt: skip
    def get(self, request):
        return Response(ParticipationSerializer(_participations(request.user)[:200], many=True).data)


class ParticipationAnswerView(APIView):
    """Acknowledge or opt out of an event, until it starts (the same answer again changes nothing)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomer]
    throttle_classes = [UserRateThrottle]

    @extend_schema(operation_id="me_demand_response_answer", request=AnswerSerializer,
                   responses={200: ParticipationSerializer, **ERRORS}, tags=["demand-response"])  # fmt: skip
    def post(self, request, participation_id: int):
        participant = _participations(request.user).filter(pk=participation_id).first()
        if participant is None:
            raise ApiError(code="not_found", message=_("Không tìm thấy."), status_code=404)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            participant = services.participant_respond(participant=participant, response=data.validated_data["answer"],
                                                       channel=Channel.API, now=timezone.now(), user=request.user)  # fmt: skip
        except services.FlexibilityError as error:
            raise ApiError(code=error.code, message=error.message) from error
        return Response(ParticipationSerializer(_participations(request.user).get(pk=participant.pk)).data)
