"""Customers' "no power" reports through the API: the portal's app, or a hotline system with a staff token.

A customer reports for their own accounts; staff (operators and above) for the accounts of their units (the
hotline answering a call). An account outside the caller's reach is a 404 exactly like one that does not
exist. When the account's area already has a known outage, nothing is filed: the answer names the outage and
its expected restoration, and the caller may ask to be told when the power is back. The public schedule is
elsewhere (no login).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.serializers import error_responses
from gridcare.org import policy
from gridcare.outages import selectors, services
from gridcare.outages.models import OutageKind, OutageReport, ReportChannel

ERRORS = error_responses(400, 401, 403, 404, 429)


class ReportThrottle(UserRateThrottle):
    scope = "outage_report"
    rate = "30/min"


class CanReportForAccounts(permissions.BasePermission):
    """Customers report for themselves; staff need the right to add reports (operators and above)."""

    message = _("Cần quyền ghi nhận báo mất điện (vai trò nghiệp vụ trở lên).")

    def has_permission(self, request, view):
        return not is_staff(request.user) or policy.may_record(
            user=request.user, model=OutageReport, verb="add"
        )


def _account(request, code: str):
    account = accounts_visible_to(user=request.user).filter(code=code.strip().upper()).first()
    if account is None:
        raise ApiError(
            code="not_found", message=_("Không có hợp đồng này trong phạm vi của bạn."), status_code=404
        )
    return account


class KnownOutageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=OutageKind.choices, help_text=_("planned (có kế hoạch) hoặc incident (sự cố).")
    )
    status = serializers.CharField()
    place = serializers.CharField()
    reason = serializers.CharField()
    started_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Giờ bắt đầu (dự kiến, hoặc thực tế của sự cố).")
    )
    expected_restoration = serializers.DateTimeField(allow_null=True, source="scheduled_end",
                                                     help_text=_("Dự kiến có điện lại; null khi chưa xác định."))  # fmt: skip


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reported_at = serializers.DateTimeField()
    channel = serializers.CharField()
    transformer_station = serializers.CharField(source="transformer_station.code")
    incident_id = serializers.IntegerField(source="outage_id", allow_null=True)


class ReportInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ReportOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("filed", "filed"), ("known_outage", "known_outage")],
        help_text=_(
            "filed: đã ghi nhận báo mất điện; known_outage: khu vực đã có lịch hoặc sự cố, không ghi thêm."
        ),
    )
    report = ReportSerializer(allow_null=True)
    known_outage = KnownOutageSerializer(allow_null=True)


def _started(outage):
    return (
        outage.started_at
        if outage.kind == OutageKind.INCIDENT and outage.started_at
        else outage.scheduled_start
    )


def _outage_data(outage):
    if outage is None:
        return None
    data = KnownOutageSerializer(outage).data
    data["started_at"] = (
        serializers.DateTimeField().to_representation(_started(outage)) if _started(outage) else None
    )
    return data


class OutageReportView(APIView):
    """Report that the power is off at an account (or learn of the known outage there)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanReportForAccounts]
    throttle_classes = [ReportThrottle]

    @extend_schema(
        operation_id="account_outage_report_create", request=ReportInputSerializer,
        responses={201: ReportOutcomeSerializer, 200: ReportOutcomeSerializer, **ERRORS}, tags=["outages"],
        description=str(_("201 khi đã ghi nhận báo mất điện (một báo mỗi hợp đồng trong khoảng thời gian gom); "
                          "200 khi khu vực đã có lịch ngừng cấp điện hoặc sự cố: không ghi thêm.")),
    )  # fmt: skip
    def post(self, request, code: str):
        account = _account(request, code)
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = ReportChannel.HOTLINE if is_staff(request.user) else ReportChannel.API
        try:
            outcome = services.outage_report_file(
                account=account, now=timezone.now(), note=data.validated_data["note"], channel=channel
            )
        except services.OutageError as exc:
            raise ApiError(code=exc.code, message=exc.message) from exc
        if outcome.known_outage is not None:
            return Response(
                {
                    "outcome": "known_outage",
                    "report": None,
                    "known_outage": _outage_data(outcome.known_outage),
                }
            )
        return Response({"outcome": "filed", "report": ReportSerializer(outcome.report).data, "known_outage": None},
                        status=status.HTTP_201_CREATED)  # fmt: skip


class RestorationRequestOutSerializer(serializers.Serializer):
    outage_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    notified_at = serializers.DateTimeField(allow_null=True)


class NotifyWhenBackView(APIView):
    """Ask to be told (once) when the power is back, for an outage that covers the account."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanReportForAccounts]
    throttle_classes = [ReportThrottle]

    @extend_schema(operation_id="account_outage_notify_me", request=None,
                   responses={200: RestorationRequestOutSerializer, **ERRORS}, tags=["outages"])  # fmt: skip
    def post(self, request, code: str, outage_id: int):
        account = _account(request, code)
        outage = selectors.published_outages(account_ids=[account.pk]).filter(pk=outage_id).first()
        if outage is None:
            raise ApiError(
                code="not_found", message=_("Không có lịch hay sự cố này tại hợp đồng."), status_code=404
            )
        try:
            made = services.restoration_request_add(account=account, outage=outage, now=timezone.now())
        except services.OutageError as exc:
            raise ApiError(code=exc.code, message=exc.message) from exc
        return Response(RestorationRequestOutSerializer(made).data)
