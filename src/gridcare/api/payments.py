"""Payments in the API, and the gateways' server-to-server callbacks.

- `POST /api/v1/payments/` starts paying an account's bills through VNPAY or ZaloPay (the signed-in customer's
  session with CSRF, or a staff token of the account's unit with `payments.initiate`) → 201
  `{"reference", "amount", "redirect_url", "status"}`; `GET /api/v1/payments/<reference>/` follows it.
- `GET /api/v1/accounts/<code>/balance/` → `{"due", "overdue", "credit", "bills": [...]}`;
  `GET /api/v1/accounts/<code>/payments/` the account's payments with their receipts.
- `GET /payments/vnpay/ipn/` (VNPAY's IPN) and `POST /payments/zalopay/callback/` (ZaloPay's callback): the only
  way money is recorded. Each callback is kept (`GatewayCallback`) with what we answered; forged signatures
  and wrong amounts are refused and logged.

Another customer's account or order is a 404, exactly like one that does not exist.
"""

import json

from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.serializers import error_responses
from gridcare.api.views import AccountDetailView
from gridcare.billing.models import Bill
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import local_date
from gridcare.org import policy
from gridcare.payments import selectors, services
from gridcare.payments.models import GatewayCallback, Payment, PaymentOrder

READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]
ERRORS = error_responses(400, 401, 403, 404, 429)


class PaymentStartThrottle(UserRateThrottle):
    scope = "payment_start"
    rate = "20/min"


class CanViewPayments(permissions.BasePermission):
    message = _("Cần quyền xem thanh toán.")

    def has_permission(self, request, view):
        return not is_staff(request.user) or policy.may_record(user=request.user, model=Payment, verb="view")


# --- serializers ------------------------------------------------------------------------------------------


class PaymentStartSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=32, help_text=_("Mã khách hàng."))
    bills = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=50,
                                  help_text=_("Số các hoá đơn cần thanh toán; bỏ trống: mọi khoản còn nợ."))  # fmt: skip
    gateway = serializers.ChoiceField(choices=["vnpay", "zalopay"], help_text=_("Cổng thanh toán."))


class PaymentStartedSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text=_("Mã giao dịch (của lệnh thanh toán)."))
    amount = serializers.IntegerField(help_text=_("Số tiền (đồng)."))
    redirect_url = serializers.CharField(help_text=_("Địa chỉ cổng thanh toán để khách hàng trả tiền."))
    status = serializers.CharField(help_text=_("pending, paid, failed hoặc expired."))


class PaymentOrderSerializer(serializers.Serializer):
    reference = serializers.CharField()
    gateway = serializers.CharField()
    account = serializers.CharField(source="account.code")
    amount = serializers.IntegerField()
    status = serializers.CharField(help_text=_("pending, paid, failed hoặc expired."))
    created_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(allow_null=True)
    receipt = serializers.SerializerMethodField()

    def get_receipt(self, order) -> str | None:
        payment = selectors.payment_for_order(order=order)
        return payment.receipt_number if payment else None


class BalanceBillSerializer(serializers.Serializer):
    number = serializers.CharField(source="bill.number")
    period = serializers.SerializerMethodField()
    total = serializers.IntegerField(source="bill.total")
    outstanding = serializers.IntegerField(help_text=_("Số tiền còn phải trả (đồng)."))
    due_date = serializers.DateField(source="bill.due_date", allow_null=True)
    overdue = serializers.BooleanField()

    def get_period(self, row) -> str:
        return f"{row.bill.period:%Y-%m}"


class BalanceSerializer(serializers.Serializer):
    due = serializers.IntegerField(help_text=_("Tổng số tiền còn phải trả (đồng)."))
    overdue = serializers.IntegerField(help_text=_("Phần đã quá hạn thanh toán (đồng)."))
    credit = serializers.IntegerField(help_text=_("Tiền trả thừa, dùng cho hoá đơn sau (đồng)."))
    bills = BalanceBillSerializer(many=True)


class AllocationSerializer(serializers.Serializer):
    bill = serializers.CharField(source="bill.number")
    amount = serializers.IntegerField()


class PaymentSerializer(serializers.Serializer):
    receipt = serializers.CharField(source="receipt_number", help_text=_("Số biên lai."))
    channel = serializers.CharField(help_text=_("vnpay, zalopay, bank_transfer hoặc counter."))
    reference = serializers.CharField()
    amount = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    refunded = serializers.SerializerMethodField()
    allocations = serializers.SerializerMethodField()

    def get_refunded(self, payment) -> int:
        return selectors.payment_reversed_amount(payment=payment)

    def get_allocations(self, payment) -> list[dict]:
        return AllocationSerializer(selectors.payment_allocations(payment=payment), many=True).data


# --- views ------------------------------------------------------------------------------------------------


def _account(request, code: str):
    return AccountDetailView(request=request, kwargs={"code": code}).get_object()


class PaymentStartView(APIView):
    """Start paying an account's bills (default: all due) through a gateway; the customer goes to `redirect_url`."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = [PaymentStartThrottle, AnonRateThrottle]

    @extend_schema(operation_id="payment_start", request=PaymentStartSerializer,
                   responses={201: PaymentStartedSerializer, **error_responses(400, 401, 403, 404, 409, 429, 503)},
                   tags=["payments"])  # fmt: skip
    def post(self, request):
        data = PaymentStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = _account(request, data.validated_data["account"])
        if is_staff(request.user) and not policy.may(user=request.user, action="payments.initiate",
                                                     unit_id=account.unit_id):  # fmt: skip
            raise ApiError(
                code="permission_denied", message=_("Cần quyền tạo lệnh thanh toán."), status_code=403
            )
        numbers = [n.strip().upper() for n in data.validated_data.get("bills") or []]
        bills = list(Bill.objects.filter(account=account, number__in=numbers))
        if len(bills) != len(set(numbers)):
            missing = sorted(set(numbers) - {b.number for b in bills})
            raise ApiError(code="not_found", message=_("Không có hoá đơn này trong phạm vi của bạn."), status_code=404,
                           details={"bills": missing})  # fmt: skip
        order, url = start_payment(
            request=request, account=account, bills=bills, gateway=data.validated_data["gateway"]
        )
        body = {
            "reference": order.reference,
            "amount": order.amount,
            "redirect_url": url,
            "status": order.status,
        }
        return Response(PaymentStartedSerializer(body).data, status=status.HTTP_201_CREATED)


def start_payment(*, request, account, bills, gateway):
    """Create the order (shared with the portal); domain refusals become API errors."""
    try:
        return services.payment_order_create(
            account=account, gateway=gateway, bills=bills or None, now=timezone.now(), user=request.user,
            return_url=lambda ref: request.build_absolute_uri(reverse("portal:payment-return", args=[ref])),
            client_ip=client_address(request) or "", language=translation.get_language() or "vi",
        )  # fmt: skip
    except services.PaymentError as exc:
        code = {"nothing_due": 409, "bill_not_due": 409}.get(exc.code, 503)
        raise ApiError(code=exc.code, message=exc.message, status_code=code) from exc


class PaymentOrderView(APIView):
    """One payment order and its status (pending until the gateway's callback or a status query settles it)."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewPayments]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="payment_retrieve", responses={200: PaymentOrderSerializer, **ERRORS}, tags=["payments"]
    )
    def get(self, request, reference):
        order = (
            PaymentOrder.objects.filter(reference=reference.strip(), account__in=accounts_visible_to(user=request.user))
            .select_related("account").first()
        )  # fmt: skip
        if order is None:
            raise ApiError(code="not_found", message=_("Không có lệnh thanh toán này trong phạm vi của bạn."),
                           status_code=404)  # fmt: skip
        return Response(PaymentOrderSerializer(order).data)


class AccountBalanceView(APIView):
    """What an account owes (due, overdue), its credit, and the bills left to pay, oldest due first."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewPayments]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="account_balance", responses={200: BalanceSerializer, **ERRORS}, tags=["payments"]
    )
    def get(self, request, code):
        account = _account(request, code)
        balance = selectors.account_balance(account=account, today=local_date(timezone.now()))
        return Response(BalanceSerializer(balance).data)


class AccountPaymentsView(APIView):
    """The account's payments, newest first, each with its receipt number and the bills it paid."""

    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff, CanViewPayments]
    throttle_classes = READ_THROTTLES

    @extend_schema(operation_id="account_payments", responses={200: PaymentSerializer(many=True), **ERRORS},
                   tags=["payments"])  # fmt: skip
    def get(self, request, code):
        account = _account(request, code)
        payments = selectors.payments_for_account(account=account)[:100]
        return Response(PaymentSerializer(payments, many=True).data)


# --- gateway callbacks (server to server; no session, no CSRF: the signature is the authentication) ---------

VNPAY_REPLIES = {
    services.Outcome.CONFIRMED: ("00", "Confirm Success"),
    services.Outcome.FAILED: ("00", "Confirm Success"),
    services.Outcome.NOT_FOUND: ("01", "Order not found"),
    services.Outcome.ALREADY_CONFIRMED: ("02", "Order already confirmed"),
    services.Outcome.INVALID_AMOUNT: ("04", "invalid amount"),
    services.Outcome.INVALID_SIGNATURE: ("97", "Invalid signature"),
    services.Outcome.ERROR: ("99", "Unknow error"),
}
ZALOPAY_REPLIES = {
    services.Outcome.CONFIRMED: (1, "success"),
    services.Outcome.ALREADY_CONFIRMED: (2, "already confirmed"),
    services.Outcome.FAILED: (1, "success"),
    services.Outcome.NOT_FOUND: (-1, "order not found"),
    services.Outcome.INVALID_AMOUNT: (-1, "invalid amount"),
    services.Outcome.INVALID_SIGNATURE: (-1, "mac not equal"),
    services.Outcome.ERROR: (0, "error, retry"),  # ZaloPay calls again (up to 3 times)
}


def _settle(*, channel: str, request, data: dict):
    """Verify, settle and log one callback (one transaction with its log); returns the outcome."""
    return services.gateway_callback_settle(channel=channel, data=data, address=client_address(request),
                                            now=timezone.now())  # fmt: skip


@csrf_exempt
@require_GET
def vnpay_ipn(request):
    """VNPAY's IPN: query string `vnp_*` → `{"RspCode", "Message"}`."""
    outcome = _settle(channel="vnpay", request=request, data=request.GET.dict())
    code, message = VNPAY_REPLIES[outcome]
    return JsonResponse({"RspCode": code, "Message": message})


@csrf_exempt
@require_POST
def zalopay_callback(request):
    """ZaloPay's callback: JSON `{"data", "mac", "type"}` → `{"return_code", "return_message"}`."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        services.gateway_callback_log(channel="zalopay", outcome=GatewayCallback.Outcome.INVALID_SIGNATURE,
                                      address=client_address(request), now=timezone.now())  # fmt: skip
        return JsonResponse({"return_code": -1, "return_message": "invalid body"})
    outcome = _settle(channel="zalopay", request=request, data=data)
    code, message = ZALOPAY_REPLIES[outcome]
    return JsonResponse({"return_code": code, "return_message": message})
