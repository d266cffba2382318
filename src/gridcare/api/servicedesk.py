"""Service requests in the API: open (a customer's session, or staff / a system by token), list, detail, moves.

A customer opens and reads requests on their own contracts; staff those of accounts and teams of their units
(`org.policy`), and move them (assign: the team lead; start, close, cancel: staff who may work on the team's
jobs). A request outside the caller's reach is a 404 exactly like one that does not exist.
"""

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.parsers import BoundedJSONParser
from gridcare.api.serializers import ErrorSerializer, error_responses
from gridcare.org import selectors as org_selectors
from gridcare.org.policy import AccessDenied
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import FIELD_NAMES, RequestState, ServiceRequest

READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]
ERRORS = error_responses(400, 401, 403, 404, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 429)


def _requests_for(user):
    if is_staff(user):
        return (
            selectors.requests_visible_to(user=user)
            .select_related("request_type", "account", "team")
            .order_by("-opened_at", "-pk")
        )
    return selectors.requests_for_customer(user=user).select_related("team")


def _request_or_404(user, number: str) -> ServiceRequest:
    found = _requests_for(user).filter(number=number.strip().upper()).first()
    if found is None:
        raise ApiError(
            code="not_found", message=_("Không có yêu cầu này trong phạm vi của bạn."), status_code=404
        )
    return found


def _refused(error: services.ServiceDeskError, status_code: int = 400) -> ApiError:
    code_status = {"already_open": 409, "bad_move": 409, "file_too_large": 413}
    return ApiError(
        code=error.code,
        message=error.message,
        status_code=code_status.get(error.code, status_code),
        details=error.details,
    )


class RequestTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField()
    promise_amount = serializers.IntegerField()
    promise_unit = serializers.CharField(help_text=_("working_days hoặc working_hours."))
    extended_promise_amount = serializers.IntegerField(allow_null=True)
    required_fields = serializers.ListField(child=serializers.CharField())
    campaign = serializers.BooleanField()

    def get_name(self, kind) -> str:
        return kind.name(translation.get_language())


class ServiceRequestSerializer(serializers.Serializer):
    number = serializers.CharField()
    account_code = serializers.CharField(source="account.code")
    request_type = serializers.CharField(source="request_type.code")
    state = serializers.CharField(help_text=_("new, assigned, in_progress, closed, cancelled."))
    state_label = serializers.CharField(source="get_state_display")
    description = serializers.CharField()
    fields = serializers.DictField(child=serializers.CharField())
    extra_works = serializers.BooleanField()
    team = serializers.CharField(source="team.name")
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()


class StatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()


class ServiceRequestDetailSerializer(ServiceRequestSerializer):
    history = StatusChangeSerializer(many=True, source="history_rows")


class OpenRequestSerializer(serializers.Serializer):
    account_code = serializers.CharField(max_length=13)
    request_type = serializers.CharField(max_length=40)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    fields = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False, default=dict
    )
    extra_works = serializers.BooleanField(required=False, default=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=3)

    def validate_fields(self, value):
        unknown = sorted(set(value) - set(FIELD_NAMES))
        if unknown:
            raise serializers.ValidationError(
                _("Trường không biết: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return value


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[RequestState.ASSIGNED, RequestState.IN_PROGRESS, RequestState.CLOSED, RequestState.CANCELLED]
    )
    assignee = serializers.CharField(
        required=False, help_text=_("Tên đăng nhập của nhân viên được giao (khi to = assigned).")
    )
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class RequestTypeListView(generics.ListAPIView):
    """The kinds of request that may be opened now, with their promised time and required fields."""

    serializer_class = RequestTypeSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES
    pagination_class = None

    @extend_schema(
        operation_id="service_request_types_list",
        responses={200: RequestTypeSerializer(many=True), **ERRORS},
        tags=["service-requests"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.request_types_open()


class ServiceRequestListView(generics.ListAPIView):
    """Requests the caller may see, newest first (GET); open one (POST, JSON or multipart with photos)."""

    serializer_class = ServiceRequestSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="service_requests_list",
        responses={200: ServiceRequestSerializer(many=True), **ERRORS},
        tags=["service-requests"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _requests_for(self.request.user)

    @extend_schema(
        operation_id="service_requests_create",
        request={"application/json": OpenRequestSerializer, "multipart/form-data": OpenRequestSerializer},
        responses={
            201: ServiceRequestSerializer,
            409: OpenApiResponse(ErrorSerializer, description=_("Đã có yêu cầu cùng loại đang mở (already_open).")),
            **WRITE_ERRORS,
        },
        tags=["service-requests"],
    )  # fmt: skip
    def post(self, request):
        data = OpenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        account = (
            accounts_visible_to(user=request.user).filter(code=values["account_code"].strip().upper()).first()
        )
        if account is None:
            raise ApiError(
                code="not_found", message=_("Không có hợp đồng này trong phạm vi của bạn."), status_code=404
            )
        kind = selectors.request_types_open().filter(code=values["request_type"].strip()).first()
        if kind is None:
            raise ApiError(code="invalid", message=_("Loại yêu cầu không tồn tại hoặc không nhận yêu cầu mới."),
                           details={"request_type": [values["request_type"]]})  # fmt: skip
        staff = is_staff(request.user)
        try:
            opened = services.request_open(
                account=account, request_type=kind, now=timezone.now(), by=request.user, description=values["description"],
                fields=values["fields"], extra_works=values["extra_works"], channel="api" if staff else "portal",
                uploads=values["photos"],
            )  # fmt: skip
        except services.ServiceDeskError as refused:
            raise _refused(refused) from None
        except AccessDenied as denied:
            raise ApiError(code="permission_denied", message=str(denied.message), status_code=403) from None
        return Response(ServiceRequestSerializer(opened).data, status=status.HTTP_201_CREATED)


class ServiceRequestDetailView(APIView):
    """One request with its history."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="service_request_retrieve",
        responses={200: ServiceRequestDetailSerializer, **ERRORS},
        tags=["service-requests"],
    )
    def get(self, request, number):
        item = _request_or_404(request.user, number)
        item.history_rows = list(selectors.request_history(request=item))
        return Response(ServiceRequestDetailSerializer(item).data)


class ServiceRequestMoveView(APIView):
    """Move a request: assign (the team lead), start, close (staff of the team), cancel (staff, or its customer)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]

    @extend_schema(
        operation_id="service_request_move",
        request=MoveSerializer,
        responses={200: ServiceRequestSerializer, 409: OpenApiResponse(ErrorSerializer, description=_("Không chuyển được từ trạng thái hiện tại (bad_move).")), **WRITE_ERRORS},
        tags=["service-requests"],
    )  # fmt: skip
    def post(self, request, number):
        item = _request_or_404(request.user, number)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user, now, target = request.user, timezone.now(), values["to"]
        if not is_staff(user) and target != RequestState.CANCELLED:
            raise ApiError(
                code="permission_denied",
                message=_("Khách hàng chỉ huỷ được yêu cầu của mình."),
                status_code=403,
            )
        try:
            if target == RequestState.ASSIGNED:
                assignee = org_selectors.active_user_named(username=values.get("assignee", ""))
                if assignee is None:
                    raise ApiError(
                        code="invalid",
                        message=_("Không có nhân viên này."),
                        details={"assignee": [values.get("assignee", "")]},
                    )
                services.request_assign(request=item, assignee=assignee, by=user, now=now)
            elif target == RequestState.IN_PROGRESS:
                order = selectors.planned_work_order(request=item)
                if order is None:
                    raise services.ServiceDeskError(
                        "bad_move", _("Yêu cầu chưa được phân công nên chưa bắt đầu được.")
                    )
                services.work_order_start(work_order=order, by=user, now=now)
            elif target == RequestState.CLOSED:
                services.request_close(request=item, by=user, now=now, resolution=values["resolution"])
            else:
                if item.state not in (RequestState.NEW, RequestState.ASSIGNED, RequestState.IN_PROGRESS):
                    raise services.ServiceDeskError("bad_move", _("Yêu cầu đã kết thúc, không huỷ được."))
                services.request_cancel(request=item, by=user, now=now, note=values["resolution"])
        except services.ServiceDeskError as refused:
            raise _refused(refused) from None
        except AccessDenied as denied:
            raise ApiError(code="permission_denied", message=str(denied.message), status_code=403) from None
        return Response(ServiceRequestSerializer(_request_or_404(user, item.number)).data)
