"""The back office asks `gridcare.org.policy` for every list, change view, choice, action and autocomplete.

`PolicyAdmin` is the base of every ModelAdmin of the site (the site wraps the ones that are not, library
admins included): its rows are `policy.records(...)`, its add/change/delete/view rights
`policy.may_record(...)` on top of the admin's own. A model without an entry in `policy.RECORDS` is for
superusers only. `UnitScopedAdmin` adds a "unit" list filter limited to the staff member's units.
"""

import csv
import datetime as dt

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.exports import ListExportMixin
from gridcare.core.spreadsheets import safe_row
from gridcare.org import policy
from gridcare.org.selectors import (
    unit_and_descendants,
    unit_by_pk,
    units_with_ids,
    visible_commune_ids,
    visible_unit_ids,
)

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


class UnitListFilter(admin.SimpleListFilter):
    """Filter by one of the visible units (the unit and everything below it)."""

    title = _("đơn vị")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        ids = request_unit_ids(request)
        units = units_with_ids(ids=ids)
        return [
            (str(unit.pk), f"{'— ' * (unit.path.count('/') - 2)}{unit.name}")
            for unit in units.order_by("path", "pk")
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = unit_by_pk(pk=self.value())
        if unit is None:
            return queryset.none()
        ids = list(unit_and_descendants(unit=unit).values_list("pk", flat=True))
        return policy.records_in_units(queryset, user=request.user, unit_ids=ids)


class CappedCountPaginator(Paginator):
    """Counts at most `CAP` + 1 rows: an exact count of a million scoped rows costs more than the page itself."""

    CAP = 10_000

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            return self.object_list[: self.CAP + 1].count()
        return super().count


class PolicyAdmin(admin.ModelAdmin):
    """A ModelAdmin that shows and changes only what `org.policy` lets the staff member see and change."""

    class Media:
        # Lists that fit a 1366 px screen (long texts wrap), and the workday/overview styles.
        css = {"all": ["backoffice/backoffice.css"]}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The scope of a page is its model's entry in `org.policy.RECORDS`, never the page's own filter.
        for stale in ("unit_field", "scope_queryset"):
            if stale in cls.__dict__:
                raise ImproperlyConfigured(
                    f"{cls.__qualname__}.{stale}: declare how far the rows of {cls.__qualname__}'s model reach in "
                    "gridcare.org.policy.RECORDS (or records_register in the model's app) instead."
                )

    def get_queryset(self, request):
        return policy.records(super().get_queryset(request), user=request.user)

    def _may(self, request, verb: str) -> bool:
        return policy.may_record(user=request.user, model=self.model, verb=verb)

    def has_module_permission(self, request):
        return self._may(request, "view") and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view") and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._may(request, "add") and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete") and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and "queryset" not in kwargs:
            field.queryset = policy.reach(field.queryset, user=request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and "queryset" not in kwargs:
            field.queryset = policy.reach(field.queryset, user=request.user)
        return field


def policy_admin_class(admin_class: type[admin.ModelAdmin]) -> type[PolicyAdmin]:
    """`admin_class` itself when it is a PolicyAdmin, else a subclass of both (library admins: users, tokens…)."""
    if issubclass(admin_class, PolicyAdmin):
        return admin_class
    return type(admin_class.__name__, (PolicyAdmin, admin_class), {"__module__": admin_class.__module__})


class UnitScopedAdmin(ListExportMixin, PolicyAdmin):
    """A PolicyAdmin of records that belong to units: a "unit" list filter, a capped row count, CSV/XLSX export."""

    show_full_result_count = False
    list_per_page = 50
    paginator = CappedCountPaginator

    def get_list_filter(self, request):
        return [UnitListFilter, *super().get_list_filter(request)]


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
