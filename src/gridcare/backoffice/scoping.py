"""Unit scoping of the back office: a staff member sees only what their unit and its descendants serve.

`UnitScopedAdmin` filters the change list, the change views, the foreign-key choices (select, raw id
and autocomplete) and offers a "unit" list filter, all from `org.selectors.visible_unit_ids`.
Superusers see everything.
"""

import csv
import datetime as dt

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gridcare.core.spreadsheets import safe_row
from gridcare.org.models import Unit
from gridcare.org.selectors import unit_and_descendants, visible_commune_ids, visible_unit_ids

_UNIT_IDS_ATTR = "_gridcare_visible_unit_ids"
_COMMUNE_IDS_ATTR = "_gridcare_visible_commune_ids"


def request_unit_ids(request: HttpRequest) -> list[int] | None:
    """The unit ids the request's user may see (None: all), computed once per request."""
    if not hasattr(request, _UNIT_IDS_ATTR):
        setattr(request, _UNIT_IDS_ATTR, visible_unit_ids(user=request.user))
    return getattr(request, _UNIT_IDS_ATTR)


def request_commune_ids(request: HttpRequest) -> list[int] | None:
    """The communes served by the units the request's user may see (None: all), once per request."""
    if not hasattr(request, _COMMUNE_IDS_ATTR):
        setattr(request, _COMMUNE_IDS_ATTR, visible_commune_ids(user=request.user))
    return getattr(request, _COMMUNE_IDS_ATTR)


def exists_in_units(model, *, link: str, unit_path: str, unit_ids: list[int]) -> Exists:
    """`EXISTS (a row of model linked to the outer row whose unit is one of unit_ids)`."""
    return Exists(model.objects.filter(**{link: OuterRef("pk"), f"{unit_path}__in": unit_ids}))


class UnitListFilter(admin.SimpleListFilter):
    """Filter by one of the visible units (the unit and everything below it)."""

    title = _("đơn vị")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        ids = request_unit_ids(request)
        units = Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)
        return [(str(unit.pk), f"{'— ' * (unit.path.count('/') - 2)}{unit.name}") for unit in units.order_by("path", "pk")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = Unit.objects.filter(pk=self.value()).first()
        if unit is None:
            return queryset.none()
        allowed = request_unit_ids(request)
        ids = [pk for pk in unit_and_descendants(unit=unit).values_list("pk", flat=True) if allowed is None or pk in allowed]
        return self.model_admin_scope(queryset, ids)

    def __init__(self, request, params, model, model_admin):
        self.model_admin_scope = model_admin.scope_queryset
        super().__init__(request, params, model, model_admin)


class CappedCountPaginator(Paginator):
    """Counts at most `CAP` + 1 rows: an exact count of a million scoped rows costs more than the page itself."""

    CAP = 10_000

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.CAP + 1].count()
        return super().count


class UnitScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and filters are limited to the staff member's units.

    Set `unit_field` to the lookup path of the row's unit (`"unit"`, `"account__unit"`), or override
    `scope_queryset` when the link is not a plain path (customers through their accounts, ...).
    """

    unit_field: str | None = "unit"
    show_full_result_count = False
    list_per_page = 50
    paginator = CappedCountPaginator

    def scope_queryset(self, queryset: QuerySet, unit_ids: list[int]) -> QuerySet:
        """Rows of `queryset` that belong to `unit_ids`."""
        return queryset.filter(**{f"{self.unit_field}__in": unit_ids})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = request_unit_ids(request)
        return queryset if ids is None else self.scope_queryset(queryset, ids)

    def get_list_filter(self, request):
        return [UnitListFilter, *super().get_list_filter(request)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if "queryset" not in kwargs and isinstance(related_admin, UnitScopedAdmin):
            kwargs["queryset"] = related_admin.get_queryset(request)
        elif "queryset" not in kwargs and db_field.related_model is Unit:
            ids = request_unit_ids(request)
            if ids is not None:
                kwargs["queryset"] = Unit.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if "queryset" not in kwargs and isinstance(related_admin, UnitScopedAdmin):
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class _Echo:
    def write(self, value):
        return value


def csv_response(*, filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A streamed UTF-8 CSV with a byte-order mark, so that Excel shows Vietnamese correctly.

    Every cell goes through `safe_cell`: a value that a spreadsheet would run as a formula is written as text.
    """
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(safe_row(header))
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_filename(prefix: str, *, today: dt.date) -> str:
    return f"{prefix}-{today:%Y%m%d}.csv"
