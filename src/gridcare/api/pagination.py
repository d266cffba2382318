"""Pages of lists: `?limit=` (1 to MAX_LIMIT) and `?offset=` (0 to MAX_OFFSET), or a 400 that says why.

DRF's own LimitOffsetPagination ignores a value it cannot read and passes any size to the database,
so `?limit=10**30` overflowed SQLite's integers (a 500). Here a value out of range is the client's
error, answered like every other one: `{"code": "invalid", "details": {"limit": [...]}}`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, help_text=_("Số mục mỗi trang, từ 1 đến 500.")
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_OFFSET, help_text=_("Bỏ qua bao nhiêu mục đầu danh sách.")
    )


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """Limit/offset pages whose bounds are checked, and documented as such in the schema."""

    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        query = PageQuerySerializer(
            data={k: request.query_params[k] for k in ("limit", "offset") if k in request.query_params}
        )
        query.is_valid(raise_exception=True)
        self._checked = query.validated_data
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request):
        return self._checked.get("limit", self.default_limit)

    def get_offset(self, request):
        return self._checked.get("offset", 0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            "limit": {"minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"] |= bounds.get(parameter["name"], {})
        return parameters

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        return response
