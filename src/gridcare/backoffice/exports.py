"""Export of a back-office list (CSV or XLSX): the rows selected (or all the filtered rows), the list's columns.

The rows are the admin's queryset, so the access policy has already scoped them (`PolicyAdmin.get_queryset`);
they are read in chunks of `CHUNK` (`iterator`), the CSV is streamed, the XLSX written row by row by openpyxl's
write-only mode into a spooled temporary file. Cells show what the list shows — choices' labels, dates as
dd/mm/yyyy — but numbers stay numbers, and every text cell goes through `core.spreadsheets.safe_cell`.
"""

import datetime as dt
import re
import tempfile
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import models
from django.http import FileResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.core.formatting import local_date
from gridcare.core.spreadsheets import SPREADSHEET_MAX_ROWS, safe_cell

CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value, field):
    """One exported value: a choice's label, a local date, a number, or text without HTML."""
    if value is None:
        return ""
    if field is not None and getattr(field, "flatchoices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("có") if value else _("không"))
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%d/%m/%Y %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, models.Model):
        return str(value)
    return strip_tags(str(value))


class ListExportMixin(admin.ModelAdmin):
    """Adds "export to CSV" and "export to Excel" actions over the list's columns (`export_formats`)."""

    export_formats = ("csv", "xlsx")
    export_name = ""

    def export_columns(self, request) -> list[str]:
        return [name for name in self.get_list_display(request) if name != "action_checkbox"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_view_permission(request):
            return actions
        for fmt in self.export_formats:
            func = _EXPORTS[fmt]
            actions[func.__name__] = (func, func.__name__, func.short_description)
        return actions

    def export_rows(self, request, queryset):
        """Header and rows (a generator) of the export of `queryset`."""
        names = self.export_columns(request)
        header = [capfirst(strip_tags(str(label_for_field(name, self.model, self)))) for name in names]
        related = self.get_list_select_related(request)
        if related is True:
            queryset = queryset.select_related()
        elif related:
            queryset = queryset.select_related(*related)
        rows_left = SPREADSHEET_MAX_ROWS - 1

        def rows():
            for obj in queryset.order_by("pk")[:rows_left].iterator(chunk_size=CHUNK):
                line = []
                for name in names:
                    field, _attr, value = lookup_field(name, obj, self)
                    line.append(_cell(value, field))
                yield line

        return header, rows()

    def export_filename(self, extension: str) -> str:
        prefix = self.export_name or self.model._meta.model_name
        return f"{prefix}-{local_date(timezone.now()):%Y%m%d}.{extension}"


@admin.action(description=gettext_lazy("Xuất CSV (các cột của danh sách)"), permissions=["view"])
def export_list_csv(modeladmin, request, queryset):
    from gridcare.backoffice.scoping import csv_response

    header, rows = modeladmin.export_rows(request, queryset)
    return csv_response(filename=modeladmin.export_filename("csv"), header=header, rows=rows)


@admin.action(description=gettext_lazy("Xuất Excel (XLSX, các cột của danh sách)"), permissions=["view"])
def export_list_xlsx(modeladmin, request, queryset):
    import openpyxl

    header, rows = modeladmin.export_rows(request, queryset)
    workbook = openpyxl.Workbook(write_only=True)
    # Excel forbids []:*?/\ in a sheet's title and caps it at 31 characters.
    title = re.sub(r"[\[\]:*?/\\]", "-", str(modeladmin.model._meta.verbose_name_plural))[:31]
    sheet = workbook.create_sheet(title=title)
    sheet.append([safe_cell(value) for value in header])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=modeladmin.export_filename("xlsx"), content_type=XLSX_TYPE
    )


_EXPORTS = {"csv": export_list_csv, "xlsx": export_list_xlsx}
