"""`POST /api/v1/readings/imports`: head-end systems send readings as a CSV/XLSX upload or as JSON.

The same service as `gridcare import-readings`: every row validated, valid rows inserted, re-sending the
same rows changes nothing. 201 with the counts and the rejected rows; 400 when the file as a whole
cannot be read (bad header, not UTF-8, empty). A caller imports only for meters installed at accounts of
their units: a row for another unit's meter is a rejected row that says so (the rest of the file is taken).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from gridcare.api.parsers import BoundedJSONParser
from gridcare.api.serializers import ErrorSerializer, error_responses
from gridcare.metering.importing import ImportFileError
from gridcare.metering.services import reading_import_records, reading_import_upload
from gridcare.org import policy


class CanImportReadings(permissions.BasePermission):
    """Staff whose role may add readings (operator and above): `org.policy`'s "metering.import_readings"."""

    message = _("Cần tài khoản nhân viên có quyền nhập chỉ số (vai trò nghiệp vụ trở lên).")

    def has_permission(self, request, view):
        return policy.may(user=request.user, action="metering.import_readings")


_ROW_ERROR = inline_serializer(
    "ReadingImportRowError",
    {
        "row": serializers.IntegerField(),
        "column": serializers.CharField(),
        "value": serializers.CharField(),
        "reason": serializers.CharField(),
        "reason_en": serializers.CharField(),
    },
)
_OUTCOME = inline_serializer(
    "ReadingImportOutcome",
    {
        "import_id": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=["register", "interval"]),
        "status": serializers.CharField(),
        "rows_total": serializers.IntegerField(),
        "inserted": serializers.IntegerField(),
        "already_present": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "rollovers": serializers.IntegerField(),
        "summary": serializers.CharField(),
        "errors": _ROW_ERROR,
    },
)


class ReadingImportView(APIView):
    """Import register readings or 30-minute interval data (columns as in docs/readings-import.md)."""

    parser_classes = [MultiPartParser, BoundedJSONParser]
    permission_classes = [permissions.IsAuthenticated, CanImportReadings]

    @extend_schema(
        operation_id="readings_imports_create",
        request={
            "multipart/form-data": inline_serializer(
                "ReadingImportUpload", {"file": serializers.FileField()}
            ),
            "application/json": inline_serializer(
                "ReadingImportRecords", {"readings": serializers.ListField(child=serializers.DictField())}
            ),
        },
        responses={
            201: _OUTCOME,
            400: OpenApiResponse(
                ErrorSerializer, description=_("Tệp không đọc được, tiêu đề sai, quá lớn hoặc là ZIP bomb.")
            ),
            **error_responses(401, 403, 413, 429),
        },
        tags=["readings"],
    )
    def post(self, request):
        now = timezone.now()
        label = f"api:{request.user.get_username()}"
        try:
            upload = request.FILES.get("file")
            if upload is not None:
                outcome = reading_import_upload(
                    content=upload.read(),
                    filename=upload.name,
                    now=now,
                    label=f"{label}:{upload.name}",
                    user=request.user,
                )
            elif isinstance(request.data, dict) and "readings" in request.data:
                outcome = reading_import_records(
                    records=request.data["readings"], now=now, label=label, user=request.user
                )
            else:
                raise ImportFileError(
                    _('Gửi tệp CSV/XLSX ở trường `file`, hoặc JSON {"readings": [...]}.'),
                    code="missing_input",
                )
        except ImportFileError as exc:
            return Response(
                {"code": exc.code, "message": str(exc.message), "details": exc.details},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(outcome.as_dict(), status=status.HTTP_201_CREATED)
