"""Bills and bill runs in the API.

A customer sees the issued and cancelled bills and credit notes of their own accounts (never a bill held for
review); staff see every bill of their units' accounts and, with billing permissions, start and follow bill
runs of their units' routes and release held bills. A bill or run outside the caller's reach is a 404
exactly like one that does not exist.
"""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.pagination import BoundedLimitOffsetPagination, PageQuerySerializer
from gridcare.api.serializers import ErrorSerializer, PeriodField, error_responses
from gridcare.api.views import AccountDetailView
from gridcare.billing import services, tasks
from gridcare.billing.documents import bill_pdf
from gridcare.billing.models import Bill, BillRun, BillRunSkip
from gridcare.billing.selectors import (
    bill_lines,
    bill_runs,
    bills_for_account,
    bills_visible_to_customer,
    held_bills,
)
from gridcare.metering.models import ReadingRoute
from gridcare.org import policy

READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]
ERRORS = error_responses(400, 401, 403, 404, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 413, 429)


class PdfThrottle(UserRateThrottle):
    """Rendering a PDF takes a moment of CPU: fewer a minute than plain reads."""

    scope = "bill_pdf"
    rate = "30/min"


# --- who may do what --------------------------------------------------------------------------------------


class CanViewBills(permissions.BasePermission):
    """Customers read their own bills; staff need the permission to view bills (every staff role has it)."""

    message = _("Cần quyền xem hoá đơn.")

    def has_permission(self, request, view):
        user = request.user
        return not is_staff(user) or policy.may_record(user=user, model=Bill, verb="view")


class IsVerifiedStaff(IsCustomerOrVerifiedStaff):
    """Staff only (by token, or by a session that passed two-factor sign-in)."""

    message = _("Chỉ nhân viên đã xác thực hai bước mới dùng được địa chỉ này.")

    def has_permission(self, request, view):
        return is_staff(request.user) and super().has_permission(request, view)


class CanRunBills(permissions.BasePermission):
    """Reading runs needs the permission to view them, starting one the permission to add them."""

    message = _("Cần quyền lập hoá đơn (vai trò nghiệp vụ trở lên để bắt đầu một đợt).")

    def has_permission(self, request, view):
        verb = "view" if request.method in permissions.SAFE_METHODS else "add"
        return policy.may_record(user=request.user, model=BillRun, verb=verb)


class CanReleaseBills(permissions.BasePermission):
    message = _("Cần quyền sửa hoá đơn (vai trò nghiệp vụ trở lên) để phát hành hoá đơn chờ kiểm tra.")

    def has_permission(self, request, view):
        return policy.may_record(user=request.user, model=Bill, verb="change")


def _bill_not_found() -> ApiError:
    return ApiError(
        code="not_found", message=_("Không có hoá đơn này trong phạm vi của bạn."), status_code=404
    )


def bill_for_user(*, user, number: str) -> Bill:
    """The bill `number` if the caller may see it (held bills only for staff), else a 404 ApiError."""
    bill = (
        Bill.objects.filter(number=number.strip().upper(), account__in=accounts_visible_to(user=user))
        .select_related("account", "refers_to", "replaces")
        .first()
    )
    if bill is None or not (
        is_staff(user) or bills_visible_to_customer(account=bill.account).filter(pk=bill.pk).exists()
    ):
        raise _bill_not_found()
    return bill


def bill_runs_for_user(*, user) -> QuerySet[BillRun]:
    """Runs of the routes of the caller's units; runs over every route only for those who see every unit."""
    return policy.records(bill_runs(), user=user)


# --- serializers ------------------------------------------------------------------------------------------


class BillSerializer(serializers.Serializer):
    number = serializers.CharField(help_text=_("Số hoá đơn."))
    # Plain strings, not enums: "kind" and "status" name other choice sets of the schema too.
    kind = serializers.CharField(help_text=_("invoice, hoặc credit_note (điều chỉnh giảm)."))
    status = serializers.CharField(
        help_text=_("issued (đã phát hành), cancelled (đã huỷ), held (chờ kiểm tra, chỉ nhân viên thấy).")
    )
    account_code = serializers.CharField(source="account.code")
    period = PeriodField(help_text=_("Kỳ hoá đơn, YYYY-MM."))
    start_date = serializers.DateField(help_text=_("Ngày ghi chỉ số kỳ trước."))
    end_date = serializers.DateField(help_text=_("Ngày ghi chỉ số kỳ này (kỳ là [start_date, end_date))."))
    days = serializers.IntegerField()
    start_index = serializers.IntegerField()
    end_index = serializers.IntegerField()
    households = serializers.IntegerField()
    kwh = serializers.IntegerField()
    subtotal = serializers.IntegerField(help_text=_("Tiền điện chưa thuế (đồng)."))
    vat = serializers.IntegerField(help_text=_("Thuế GTGT (đồng)."))
    total = serializers.IntegerField(help_text=_("Tổng cộng (đồng); âm với hoá đơn điều chỉnh giảm."))
    issued_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    refers_to = serializers.CharField(
        source="refers_to.number", allow_null=True, help_text=_("Hoá đơn bị điều chỉnh.")
    )
    replaces = serializers.CharField(
        source="replaces.number", allow_null=True, help_text=_("Hoá đơn được thay thế.")
    )
    hold_reason = serializers.SerializerMethodField(
        help_text=_("Lý do chờ kiểm tra hoặc huỷ (chỉ nhân viên thấy).")
    )
    pdf = serializers.SerializerMethodField(help_text=_("Địa chỉ tải bản PDF."))

    def get_hold_reason(self, bill) -> str:
        # Internal notes of the back office are not for customers.
        return bill.hold_reason if self.context.get("staff") else ""

    def get_pdf(self, bill) -> str:
        return reverse("api:bill-pdf", kwargs={"number": bill.number})


def _line_period(self, line) -> str | None:
    return line.period or None


# Built with type(): the fields "from" and "to" match the quote's lines, and `from` is a Python keyword.
BillLineSerializer = type(
    "BillLineSerializer",
    (serializers.Serializer,),
    {
        "position": serializers.IntegerField(),
        "from": serializers.DateField(source="part_from"),
        "to": serializers.DateField(source="part_to", help_text=_("Không gồm.")),
        "tier": serializers.IntegerField(allow_null=True, help_text=_("Bậc (dòng bậc thang).")),
        "period": serializers.SerializerMethodField(
            help_text=_("Khung giờ: peak, normal, offpeak (dòng theo thời gian sử dụng).")
        ),
        "limit_kwh": serializers.IntegerField(allow_null=True),
        "kwh": serializers.IntegerField(),
        "unit_price": serializers.IntegerField(),
        "amount": serializers.IntegerField(),
        "get_period": _line_period,
        "__doc__": "One priced line of a bill: a tier, or a time-of-use period, of one part of the bill's days.",
    },
)


class BillDetailSerializer(BillSerializer):
    lines = BillLineSerializer(source="lines_ordered", many=True)


class BillRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = PeriodField(help_text=_("Kỳ, YYYY-MM."))
    route = serializers.CharField(
        source="route.code", allow_null=True, help_text=_("Mã lộ trình; null: mọi lộ trình.")
    )
    status = serializers.CharField(help_text=_("pending, running, done, failed."))
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    accounts_total = serializers.IntegerField()
    accounts_done = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    bills_created = serializers.IntegerField()
    bills_held = serializers.IntegerField()
    accounts_skipped = serializers.IntegerField()
    error = serializers.CharField()


class BillRunSkipSerializer(serializers.Serializer):
    account_code = serializers.CharField(source="account.code")
    reason = serializers.ChoiceField(choices=BillRunSkip.Reason.choices)
    reason_label = serializers.CharField(source="get_reason_display")
    detail = serializers.CharField()


class BillRunDetailSerializer(BillRunSerializer):
    skipped = inline_serializer(
        "BillRunSkipPage",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": BillRunSkipSerializer(many=True),
        },
        help_text=_("Khách hàng chưa lập được hoá đơn, phân trang (limit, offset)."),
    )


class BillRunRequestSerializer(serializers.Serializer):
    period = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text=_("Kỳ, YYYY-MM."))
    route = serializers.CharField(required=False, allow_blank=False, help_text=_("Mã lộ trình ghi chỉ số."))
    all_routes = serializers.BooleanField(
        required=False, default=False, help_text=_("Mọi lộ trình (thay cho route).")
    )

    def validate(self, attrs):
        if bool(attrs.get("route")) == attrs["all_routes"]:
            raise serializers.ValidationError(
                {"route": [_("Gửi route, hoặc all_routes: true (một trong hai).")]}
            )
        return attrs


# --- bills ------------------------------------------------------------------------------------------------


class AccountBillsView(generics.ListAPIView):
    """Bills and credit notes of one account, newest period first (customers: never a bill held for review)."""

    serializer_class = BillSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewBills]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="account_bills_list",
        responses={200: BillSerializer(many=True), **ERRORS},
        tags=["bills"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        return super().get_serializer_context() | {"staff": is_staff(self.request.user)}

    def get_queryset(self):
        account = AccountDetailView(request=self.request, kwargs=self.kwargs).get_object()
        user = self.request.user
        bills = (
            bills_for_account(account=account)
            if is_staff(user)
            else bills_visible_to_customer(account=account)
        )
        return bills.select_related("account", "refers_to", "replaces")


class BillDetailView(APIView):
    """One bill with its lines; someone else's bill is 404, exactly like a number that does not exist."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewBills]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="bill_retrieve", responses={200: BillDetailSerializer, **ERRORS}, tags=["bills"]
    )
    def get(self, request, number):
        bill = bill_for_user(user=request.user, number=number)
        bill.lines_ordered = list(bill_lines(bill=bill))
        return Response(BillDetailSerializer(bill, context={"staff": is_staff(request.user)}).data)


class BillPdfView(APIView):
    """The bill as a PDF (the same document as the portal's), in the request's language."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewBills]
    throttle_classes = [PdfThrottle, AnonRateThrottle]

    def perform_content_negotiation(self, request, force=False):
        # Clients ask for application/pdf; errors still answer in JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="bill_pdf_retrieve",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
        tags=["bills"],
    )
    def get(self, request, number):
        bill = bill_for_user(user=request.user, number=number)
        response = HttpResponse(
            bill_pdf(bill=bill, language=translation.get_language()), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="hoa-don-{bill.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class BillReleaseView(APIView):
    """Issue a bill held for review (staff who may change bills, within their units)."""

    permission_classes = [permissions.IsAuthenticated, IsVerifiedStaff, CanReleaseBills]

    @extend_schema(
        operation_id="bill_release",
        request=None,
        responses={200: BillSerializer, 409: OpenApiResponse(ErrorSerializer, description=_("Hoá đơn không ở trạng thái chờ kiểm tra (not_held).")), **WRITE_ERRORS},
        tags=["bills"],
    )  # fmt: skip
    def post(self, request, number):
        bill = bill_for_user(user=request.user, number=number)
        if bill.status != Bill.Status.HELD:
            raise ApiError(code="not_held", message=_("Chỉ phát hành được hoá đơn đang chờ kiểm tra."), status_code=409,
                           details={"status": bill.status})  # fmt: skip
        bill = services.bill_release(bill=bill, user=request.user, now=timezone.now())
        bill = bill_for_user(user=request.user, number=bill.number)
        return Response(BillSerializer(bill, context={"staff": True}).data)


# --- bill runs --------------------------------------------------------------------------------------------


class BillRunListView(generics.ListAPIView):
    """Bill runs of the caller's units, newest first (GET), or start one (POST: 202, queued)."""

    serializer_class = BillRunSerializer
    permission_classes = [permissions.IsAuthenticated, IsVerifiedStaff, CanRunBills]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="bill_runs_list",
        responses={200: BillRunSerializer(many=True), **ERRORS},
        tags=["bill-runs"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return bill_runs_for_user(user=self.request.user)

    @extend_schema(
        operation_id="bill_runs_create",
        request=BillRunRequestSerializer,
        responses={202: BillRunSerializer, **WRITE_ERRORS},
        tags=["bill-runs"],
    )
    def post(self, request):
        data = BillRunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        route = None
        if not values["all_routes"]:
            route = policy.records(
                ReadingRoute.objects.filter(code=values["route"].strip()), user=request.user
            ).first()
            if route is None:
                raise serializers.ValidationError(
                    {"route": [_("Không có lộ trình này trong phạm vi của bạn.")]}
                )
        year, month = (int(part) for part in values["period"].split("-"))
        try:
            with transaction.atomic():
                run = services.bill_run_create(
                    period=dt.date(year, month, 1), route=route, user=request.user, now=timezone.now()
                )
                transaction.on_commit(lambda: tasks.bill_run_execute_task.enqueue(run.pk))
        except policy.AccessDenied as exc:
            raise ApiError(code="permission_denied", message=exc.message, status_code=403) from exc
        run = bill_runs().get(pk=run.pk)
        response = Response(BillRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:bill-run", kwargs={"run_id": run.pk})
        return response


class BillRunDetailView(APIView):
    """One run: its progress counts and the accounts it could not bill, with the reason (paginated)."""

    permission_classes = [permissions.IsAuthenticated, IsVerifiedStaff, CanRunBills]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="bill_run_retrieve",
        parameters=[PageQuerySerializer],
        responses={200: BillRunDetailSerializer, **ERRORS},
        tags=["bill-runs"],
    )
    def get(self, request, run_id):
        run = bill_runs_for_user(user=request.user).filter(pk=run_id).first()
        if run is None:
            raise ApiError(
                code="not_found",
                message=_("Không có đợt lập hoá đơn này trong phạm vi của bạn."),
                status_code=404,
            )
        skips = BillRunSkip.objects.filter(run=run).select_related("account").order_by("account__code", "pk")
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(skips, request, view=self)
        skipped = paginator.get_paginated_response(BillRunSkipSerializer(page, many=True).data).data
        return Response(BillRunSerializer(run).data | {"skipped": skipped})


class BillRunReleaseView(APIView):
    """Issue every bill of a run held for review, within the caller's units, at once (one notice)."""

    permission_classes = [permissions.IsAuthenticated, IsVerifiedStaff, CanReleaseBills]

    @extend_schema(
        operation_id="bill_run_release",
        request=None,
        responses={
            200: inline_serializer("BillRunRelease", {"released": serializers.IntegerField(
                help_text=_("Số hoá đơn vừa phát hành (0 nếu không còn hoá đơn chờ kiểm tra)."))}),
            **WRITE_ERRORS,
        },
        tags=["bill-runs"],
    )  # fmt: skip
    def post(self, request, run_id):
        run = bill_runs_for_user(user=request.user).filter(pk=run_id).first()
        if run is None:
            raise ApiError(
                code="not_found",
                message=_("Không có đợt lập hoá đơn này trong phạm vi của bạn."),
                status_code=404,
            )
        held = held_bills(run=run).filter(account__in=accounts_visible_to(user=request.user))
        released = services.bills_release(bills=held, user=request.user, now=timezone.now())
        return Response({"released": released})
