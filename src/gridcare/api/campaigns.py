"""The appreciation month in the API, for staff (by token, or a two-factor session): the campaigns, a unit's
activities (list, plan), their moves and records, a record's photos (multipart upload), and the roll-up up the unit
tree.

Scope is the access policy's: an activity or unit outside the caller's units is a 404 like one that does not exist.
Beneficiaries are not in the API (personal, restricted): the back office shows them, audited.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.serializers import ErrorSerializer, error_responses
from gridcare.campaigns import selectors, services
from gridcare.campaigns.models import (
    MEASURES,
    Activity,
    ActivityKind,
    ActivityRecord,
    ActivityState,
    Campaign,
    Photo,
)
from gridcare.org import policy

ERRORS = error_responses(400, 401, 403, 404, 429)


class IsStaff(IsCustomerOrVerifiedStaff):
    """A staff member (by token, or a session that passed two-factor sign-in)."""

    message = _("Địa chỉ này dành cho nhân viên.")

    def has_permission(self, request, view):
        return is_staff(request.user) and super().has_permission(request, view)


def _refused(error: services.CampaignError) -> ApiError:
    status = {"bad_move": 409, "already_linked": 409, "exists": 409, "file_too_large": 413}.get(
        error.code, 400
    )
    return ApiError(code=error.code, message=error.message, status_code=status, details=error.details)


def _denied(error: policy.AccessDenied) -> ApiError:
    return ApiError(code="permission_denied", message=str(error.message), status_code=403)


def _campaign_or_404(year: int) -> Campaign:
    campaign = selectors.campaign_for_year(year=year)
    if campaign is None:
        raise ApiError(
            code="not_found", message=_("Không có chương trình tri ân của năm này."), status_code=404
        )
    return campaign


def _activity_or_404(user, pk: int) -> Activity:
    activity = selectors.activity_visible(user=user, pk=pk)
    if activity is None:
        raise ApiError(
            code="not_found", message=_("Không có hoạt động này trong phạm vi của bạn."), status_code=404
        )
    return activity


class CampaignSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    name = serializers.CharField()
    theme = serializers.CharField()
    active_from = serializers.DateField()
    active_to = serializers.DateField(help_text=_("Ngày đầu tiên sau chương trình (không gồm)."))
    latest_end = serializers.DateField(help_text=_("Các đơn vị kéo dài tối đa đến trước ngày này."))
    anniversary_on = serializers.DateField()


class CampaignTargetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**9)
    households = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**9)
    budget_vnd = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**15,
                                          help_text=_("Kinh phí (chỉ tiêu) hoặc chi phí (kết quả), đồng."))  # fmt: skip
    kwh_saved = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**12)
    blood_units = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**6)
    road_km = serializers.DecimalField(
        min_value=Decimal(0), max_digits=8, decimal_places=2, required=False, default=Decimal(0)
    )
    lamps = serializers.IntegerField(min_value=0, required=False, default=0, max_value=10**9)


class CampaignActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign.year")
    unit = serializers.CharField(source="unit.code")
    kind = serializers.CharField(source="kind.code")
    title = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    state = serializers.ChoiceField(choices=ActivityState.choices)
    targets = serializers.SerializerMethodField()

    def get_targets(self, obj) -> dict:
        return {m: (str(obj.road_km) if m == "road_km" else int(getattr(obj, "budget_vnd" if m == "budget_vnd" else m)))
                for m in MEASURES}  # fmt: skip


class CampaignPlanSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=20, help_text=_("Mã đơn vị thực hiện."))
    kind = serializers.SlugRelatedField(slug_field="code", queryset=ActivityKind.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    targets = CampaignTargetsSerializer(required=False)


class CampaignMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=[s for s in ActivityState.values if s != ActivityState.PLANNED])
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class CampaignRecordSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    note = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    quantities = CampaignTargetsSerializer(required=False)


class CampaignRecordOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")
    done_on = serializers.DateField()
    state = serializers.CharField(source="activity.state")


class CampaignPhotoSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("JPEG, PNG, WEBP (thu nhỏ, bỏ EXIF) hoặc PDF; giới hạn dung lượng như yêu cầu dịch vụ.")
    )


class CampaignPhotoOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record = serializers.IntegerField(source="record_id")
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class CampaignRollupRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    depth = serializers.IntegerField()
    activities = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    targets = serializers.DictField(child=serializers.DecimalField(max_digits=20, decimal_places=2))
    results = serializers.DictField(child=serializers.DecimalField(max_digits=20, decimal_places=2))


class CampaignListView(APIView):
    """Every year's campaign, newest first."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]

    @extend_schema(
        operation_id="campaigns_list",
        responses={200: CampaignSerializer(many=True), **ERRORS},
        tags=["campaigns"],
    )
    def get(self, request):
        return Response(CampaignSerializer(selectors.campaigns_all()[:50], many=True).data)


class ActivityListView(APIView):
    """The activities of the year's campaign in the caller's units (GET), or plan one (POST)."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]

    @extend_schema(
        operation_id="campaign_activities_list",
        responses={200: CampaignActivitySerializer(many=True), **ERRORS},
        tags=["campaigns"],
    )
    def get(self, request, year: int):
        campaign = _campaign_or_404(year)
        return Response(
            CampaignActivitySerializer(
                selectors.activities_visible(user=request.user, campaign=campaign)[:500], many=True
            ).data
        )

    @extend_schema(operation_id="campaign_activities_plan", request=CampaignPlanSerializer, responses={201: CampaignActivitySerializer, **ERRORS},
                   tags=["campaigns"])  # fmt: skip
    def post(self, request, year: int):
        campaign = _campaign_or_404(year)
        data = CampaignPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = selectors.units_for_reports(user=request.user).filter(code=values["unit"]).first()
        if unit is None:
            raise ApiError(
                code="not_found", message=_("Không có đơn vị này trong phạm vi của bạn."), status_code=404
            )
        targets = dict(values.get("targets") or {})
        try:
            activity = services.activity_plan(user=request.user, campaign=campaign, unit=unit, kind=values["kind"], title=values["title"],
                                              starts_on=values["starts_on"], ends_on=values["ends_on"], now=timezone.now(),
                                              targets=targets, description=values["description"])  # fmt: skip
        except services.CampaignError as error:
            raise _refused(error) from None
        except policy.AccessDenied as error:
            raise _denied(error) from None
        return Response(CampaignActivitySerializer(activity).data, status=201)


class ActivityMoveView(APIView):
    """Start, finish or cancel (with a reason) an activity of the caller's units."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]

    @extend_schema(operation_id="campaign_activity_move", request=CampaignMoveSerializer, responses={200: CampaignActivitySerializer, **ERRORS},
                   tags=["campaigns"])  # fmt: skip
    def post(self, request, activity_id: int):
        activity = _activity_or_404(request.user, activity_id)
        data = CampaignMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moved = services.activity_move(user=request.user, activity=activity, to_state=data.validated_data["to"], now=timezone.now(),
                                           reason=data.validated_data["reason"])  # fmt: skip
        except services.CampaignError as error:
            raise _refused(error) from None
        except policy.AccessDenied as error:
            raise _denied(error) from None
        return Response(CampaignActivitySerializer(_activity_or_404(request.user, moved.pk)).data)


class ActivityRecordView(APIView):
    """Record what was done on a day of an activity (the kind's measures and the cost)."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]

    @extend_schema(operation_id="campaign_activity_record", request=CampaignRecordSerializer, responses={201: CampaignRecordOutSerializer, **ERRORS},
                   tags=["campaigns"])  # fmt: skip
    def post(self, request, activity_id: int):
        activity = _activity_or_404(request.user, activity_id)
        data = CampaignRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            record = services.activity_record_add(user=request.user, activity=activity, done_on=values["done_on"], now=timezone.now(),
                                                  quantities=dict(values.get("quantities") or {}), note=values["note"])  # fmt: skip
        except services.CampaignError as error:
            raise _refused(error) from None
        except policy.AccessDenied as error:
            raise _denied(error) from None
        return Response(CampaignRecordOutSerializer(record).data, status=201)


def _record_or_404(user, pk: int) -> ActivityRecord:
    record = selectors.record_visible(user=user, pk=pk)
    if record is None:
        raise ApiError(
            code="not_found", message=_("Không có kết quả này trong phạm vi của bạn."), status_code=404
        )
    return record


class RecordPhotoView(APIView):
    """Add a photo to a record of the caller's units (multipart, field `file`): the back office's checks and scaling."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="campaign_record_photo_add", request={"multipart/form-data": CampaignPhotoSerializer},
        responses={201: CampaignPhotoOutSerializer, 413: OpenApiResponse(ErrorSerializer, description=_("Tệp quá giới hạn (file_too_large).")),
                   **ERRORS},
        tags=["campaigns"],
    )  # fmt: skip
    def post(self, request, record_id: int):
        record = _record_or_404(request.user, record_id)
        data = CampaignPhotoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            photo: Photo = services.photo_add(
                user=request.user, upload=data.validated_data["file"], now=timezone.now(), record=record
            )
        except services.CampaignError as error:
            raise _refused(error) from None
        except policy.AccessDenied as error:
            raise _denied(error) from None
        return Response(CampaignPhotoOutSerializer(photo).data, status=201)


class RollupView(APIView):
    """Targets and results of a unit of the caller's (default: their own) and every unit below it."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]
    throttle_classes = [UserRateThrottle]

    @extend_schema(operation_id="campaign_rollup", parameters=[OpenApiParameter("unit", str, description=_("Mã đơn vị."))],
                   responses={200: CampaignRollupRowSerializer(many=True), **ERRORS}, tags=["campaigns"])  # fmt: skip
    def get(self, request, year: int):
        campaign = _campaign_or_404(year)
        if not policy.may(user=request.user, action="campaigns.report"):
            raise ApiError(
                code="permission_denied",
                message=_("Chỉ lãnh đạo đơn vị xem được báo cáo tổng hợp."),
                status_code=403,
            )
        units = selectors.units_for_reports(user=request.user)
        code = request.query_params.get("unit", "")
        unit = units.filter(code=code).first() if code else units.first()
        if unit is None:
            raise ApiError(
                code="not_found", message=_("Không có đơn vị này trong phạm vi của bạn."), status_code=404
            )
        rows = selectors.rollup(campaign=campaign, root=unit, user=request.user)
        return Response(CampaignRollupRowSerializer(rows, many=True).data)
