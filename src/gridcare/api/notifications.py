"""Provider callbacks: delivery receipts of SMS and Zalo ZNS messages, and the Zalo OA's follower events.

`POST /api/v1/notifications/receipts/sms` and `POST /api/v1/notifications/receipts/zalo` are called by
the providers' servers, not by people: they carry no session or token but a signature over the raw
body (see gridcare.notifications.receipts for both protocols). A forged or stale callback gets 401
and changes nothing; a replayed one changes nothing either.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gridcare.api.errors import error_body
from gridcare.api.serializers import ErrorSerializer
from gridcare.notifications import zalo_oa
from gridcare.notifications.models import Channel
from gridcare.notifications.receipts import (
    CallbackError,
    receipts_record,
    sms_callback_parse,
    zalo_callback_parse,
)


class RawJsonParser(BaseParser):
    """Leaves the body untouched: the signature is computed over its exact bytes."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


_RESULT = inline_serializer(
    "DeliveryReceiptResult",
    {
        "received": serializers.IntegerField(help_text="receipts read from this callback"),
        "applied": serializers.IntegerField(help_text="messages whose status changed"),
        "waiting": serializers.IntegerField(help_text="receipts kept until their message is marked sent"),
        "ignored": serializers.IntegerField(help_text="intermediate statuses or other events"),
        "rejected": serializers.ListField(child=serializers.DictField()),
        "outcome": serializers.CharField(
            required=False, help_text="Zalo OA follower events: followed, linked, unlinked:<n>, duplicate, …"
        ),
    },
)
_RESPONSES = {
    200: _RESULT,
    400: OpenApiResponse(ErrorSerializer, description="not JSON"),
    401: OpenApiResponse(ErrorSerializer, description="invalid_signature / stale_callback"),
    413: OpenApiResponse(ErrorSerializer, description="request_too_large"),
    503: OpenApiResponse(ErrorSerializer, description="not_configured: no shared secret in the settings"),
}


class _ReceiptView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawJsonParser]
    channel = ""

    def parse(self, request, body: bytes, now):
        raise NotImplementedError

    def post(self, request):
        now = timezone.now()
        body = request.body
        try:
            parsed = self.parse(request, body, now)
        except CallbackError as exc:
            return Response(error_body(code=exc.code, message=str(exc)), status=exc.status)
        outcome = (
            receipts_record(channel=self.channel, receipts=parsed.receipts, now=now)
            if parsed.receipts
            else {}
        )
        answer = {
            "received": outcome.get("received", 0),
            "applied": outcome.get("applied", 0),
            "waiting": outcome.get("waiting", 0),
            "ignored": parsed.ignored,
            "rejected": parsed.rejected,
        }
        if parsed.oa_event is not None:
            # A replay is answered 200 too (Zalo re-sends a webhook it saw fail): it is recognised and changes nothing.
            event_outcome = zalo_oa.event_apply(
                data=parsed.oa_event, body=body, occurred_at=parsed.occurred_at or now, now=now
            )
            answer["outcome"] = event_outcome
            if event_outcome in ("ignored", "duplicate", "out_of_order"):
                answer["ignored"] += 1
        return Response(answer)


def _header(name: str, description: str) -> OpenApiParameter:
    """A required request header of a provider's callback, for the API docs."""
    return OpenApiParameter(name, str, OpenApiParameter.HEADER, required=True, description=description)


class SmsReceiptView(_ReceiptView):
    """Delivery reports of the SMS provider, signed with the shared callback secret."""

    channel = Channel.SMS

    @extend_schema(
        operation_id="notifications_receipts_sms",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            _header("X-Gridcare-Timestamp", "Unix seconds"),
            _header("X-Gridcare-Signature", '"sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)'),
        ],
        responses=_RESPONSES,
        tags=["notifications"],
        auth=[],
    )
    def post(self, request):
        return super().post(request)

    def parse(self, request, body, now):
        return sms_callback_parse(
            body=body, timestamp=request.headers.get("X-Gridcare-Timestamp", ""),
            signature=request.headers.get("X-Gridcare-Signature", ""), now=now,
        )  # fmt: skip


class ZaloReceiptView(_ReceiptView):
    """Zalo OA webhook: `user_received_message` marks a ZNS message delivered; `follow`, `unfollow` and
    `user_send_text` link or unlink the follower's Zalo (`notifications.zalo_oa`); other events are ignored."""

    channel = Channel.ZALO

    @extend_schema(
        operation_id="notifications_receipts_zalo",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            _header("X-ZEvent-Signature", '"mac=" + hex SHA-256(app_id + body + timestamp + OA secret key)')
        ],
        responses=_RESPONSES,
        tags=["notifications"],
        auth=[],
    )
    def post(self, request):
        return super().post(request)

    def parse(self, request, body, now):
        return zalo_callback_parse(
            body=body, signature=request.headers.get("X-ZEvent-Signature", ""), now=now
        )
