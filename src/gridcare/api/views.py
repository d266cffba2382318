"""API views: one per operation, thin; reads through selectors, errors as `{"code", "message", "details"}`."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from gridcare.api.access import IsCustomer, IsCustomerOrVerifiedStaff, accounts_visible_to, is_staff
from gridcare.api.errors import ApiError
from gridcare.api.serializers import (
    AccountSerializer,
    ErrorSerializer,
    ReadingSerializer,
    ReadingsQuerySerializer,
    TokenRequestSerializer,
    TokenSerializer,
    error_responses,
)
from gridcare.core import credentials
from gridcare.core.clientaddress import address_group, client_address
from gridcare.customers.signin import (
    signin_failure_record,
    signin_locked_until,
    signin_success_record,
    staff_identifier,
)
from gridcare.metering.models import Reading

# Every read endpoint may answer: bad query (400), not signed in (401), not allowed (403), not found or not
# yours (404), throttled (429).
ERRORS = error_responses(400, 401, 403, 404, 429)


class TokenThrottle(AnonRateThrottle):
    """Few password guesses per address: the token endpoint is the API's front door."""

    scope = "auth_token"
    rate = "10/min"

    def get_ident(self, request):
        return address_group(client_address(request)) or "-"


TOKEN_FAILED = _(
    "Tên đăng nhập, mật khẩu hoặc mã xác thực hai bước (otp_token) không đúng. Nhân viên cần cả ba khi văn phòng "
    "yêu cầu xác thực hai bước."
)


class TokenView(APIView):
    """Staff (or a system's service user) obtain an expiring API token with password and, if required, a TOTP code.

    Every failure (wrong password, missing or wrong code, not staff) counts as a failed sign-in and gets the
    same answer, so the endpoint never tells a right password from a wrong one. The token is shown once:
    only its hash is stored, and it expires after `GRIDCARE_API_TOKEN_TTL_HOURS`.
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description=_("Thiếu trường hoặc sai định dạng.")),
            401: OpenApiResponse(
                ErrorSerializer, description=_("Sai tên đăng nhập, mật khẩu hoặc mã (authentication_failed).")
            ),
            429: OpenApiResponse(ErrorSerializer, description=_("Quá nhiều lần thử (throttled, locked).")),
        },
        tags=["auth"],
        auth=[],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        # The same per-(username, address) and per-address lock as the back-office sign-in (shared counters).
        identifier = staff_identifier(data.validated_data["username"])
        address = client_address(request)
        if signin_locked_until(identifier=identifier, address=address, now=now) is not None:
            raise ApiError(
                code="locked",
                message=_("Quá nhiều lần đăng nhập sai. Hãy thử lại sau ít phút."),
                status_code=429,
            )
        user = authenticate(
            request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if (
            user is None
            or not is_staff(user)
            or not _second_factor_ok(user, data.validated_data.get("otp_token") or "")
        ):
            signin_failure_record(identifier=identifier, address=address, now=now)
            raise ApiError(code="authentication_failed", message=TOKEN_FAILED, status_code=401)
        signin_success_record(identifier=identifier, address=address, now=now)
        token, key = credentials.api_token_issue(user=user, now=now)
        return Response(
            TokenSerializer({"token": key, "expires_at": token.expires_at}).data, status=status.HTTP_200_OK
        )


def _second_factor_ok(user, code: str) -> bool:
    """True when two-factor is off, or `code` is the current code of one of the user's confirmed devices."""
    if not settings.GRIDCARE_STAFF_REQUIRE_2FA:
        return True
    return bool(code) and any(device.verify_token(code) for device in devices_for_user(user, confirmed=True))


# Every read endpoint: per-user and per-address rates of settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
READ_THROTTLES = [UserRateThrottle, AnonRateThrottle]


class MyAccountsView(generics.ListAPIView):
    """The signed-in customer's own accounts (contracts). Staff get 403 `not_a_customer`: they use /accounts."""

    serializer_class = AccountSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomer]
    throttle_classes = READ_THROTTLES
    pagination_class = None

    @extend_schema(
        operation_id="me_accounts_list",
        responses={200: AccountSerializer(many=True), **ERRORS},
        tags=["accounts"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return accounts_visible_to(user=self.request.user)


class AccountListView(generics.ListAPIView):
    """Accounts the caller may see: a customer's own, or those of the staff member's units (paginated)."""

    serializer_class = AccountSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="accounts_list",
        parameters=[
            OpenApiParameter("phone", OpenApiTypes.STR, description=_("Số điện thoại E.164, khớp đúng."))
        ],
        responses={200: AccountSerializer(many=True), **ERRORS},
        tags=["accounts"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        accounts = accounts_visible_to(user=self.request.user)
        phone = self.request.query_params.get("phone", "").strip()
        return accounts.filter(phone=phone) if phone else accounts


class AccountDetailView(generics.RetrieveAPIView):
    """One account by customer code; someone else's account is 404, exactly like a code that does not exist."""

    serializer_class = AccountSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES
    lookup_field = "code"

    @extend_schema(
        operation_id="account_retrieve", responses={200: AccountSerializer, **ERRORS}, tags=["accounts"]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        account = (
            accounts_visible_to(user=self.request.user)
            .filter(code=self.kwargs["code"].strip().upper())
            .first()
        )
        if account is None:
            raise ApiError(
                code="not_found", message=_("Không có hợp đồng này trong phạm vi của bạn."), status_code=404
            )
        return account


class AccountReadingsView(generics.ListAPIView):
    """Register readings of one account, newest first (paginated, optional date range)."""

    serializer_class = ReadingSerializer
    permission_classes = [permissions.IsAuthenticated, IsCustomerOrVerifiedStaff]
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="account_readings_list",
        parameters=[ReadingsQuerySerializer],
        responses={200: ReadingSerializer(many=True), **ERRORS},
        tags=["readings"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ReadingsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        account = AccountDetailView(request=self.request, kwargs=self.kwargs).get_object()
        readings = Reading.objects.filter(account=account).select_related("meter")
        if query.validated_data.get("date_from"):
            readings = readings.filter(read_on__gte=query.validated_data["date_from"])
        if query.validated_data.get("date_to"):
            readings = readings.filter(read_on__lt=query.validated_data["date_to"])
        return readings.order_by("-read_on", "-pk")
