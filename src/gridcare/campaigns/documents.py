"""Documents of the appreciation month: the roll-up report (XLSX with openpyxl, PDF with WeasyPrint, like the bill)
and the recognition letters (PDF), in Vietnamese by default."""

import datetime as dt
import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gridcare.campaigns.models import (
    MEASURES,
    ActivityState,
    Campaign,
    Measure,
    RecognitionEntry,
    RecognitionList,
)
from gridcare.campaigns.selectors import RollupRow
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import format_day, format_number, format_vnd
from gridcare.core.spreadsheets import safe_row
from gridcare.org.models import Unit


def measure_text(value: Decimal, measure: str, *, language: str) -> str:
    """A target or result as people read it: money in đồng, km with two decimals, counts grouped."""
    if measure == Measure.BUDGET_VND:
        return format_vnd(value, language=language)
    return format_number(value, language=language)


def _share(row: RollupRow, measure: str) -> str:
    share = row.share(measure)
    return "—" if share is None else f"{share} %"


def _adoption_share(row, measure: str) -> str:
    share = row.share(measure)
    return "—" if share is None else f"{format_number(share, language=translation.get_language() or 'vi')} %"


def adoption_lines(*, adoption: list, language: str) -> list[dict]:
    """One line per unit of the digital-adoption figures: moved / target / share per measure, and paper or SMS only."""
    from gridcare.insights.models import Measure as Adoption

    return [
        {"row": r, "indent": r.depth, "name": r.unit.name, "unit_id": r.unit.pk, "accounts": format_number(r.accounts, language=language),
         "paper_only": format_number(r.paper_only, language=language),
         "cells": [{"moved": format_number(r.moved[m], language=language),
                    "target": "—" if r.targets[m] is None else format_number(r.targets[m], language=language),
                    "share": _adoption_share(r, m)} for m in Adoption.values]}
        for r in adoption
    ]  # fmt: skip


def report_context(*, campaign: Campaign, root: Unit, rows: list[RollupRow], kinds: list[dict], language: str, today: dt.date,
                   adoption: list | None = None) -> dict:  # fmt: skip
    """What the report page, its PDF and its spreadsheet print: one line per unit, each measure against its target,
    and (with `adoption`, `selectors.adoption_for_report`) the digital-adoption drive's figures per unit."""
    from gridcare.insights.models import Measure as Adoption

    measures = [{"code": m, "label": Measure(m).label} for m in MEASURES]
    lines = [
        {"row": r, "indent": r.depth, "name": r.unit_name, "activities": r.activities,
         "states": [r.by_state.get(s, 0) for s in ActivityState.values],
         "cells": [{"target": measure_text(r.targets[m], m, language=language),
                    "result": measure_text(r.results[m], m, language=language), "share": _share(r, m)} for m in MEASURES]}
        for r in rows
    ]  # fmt: skip
    kind_lines = [{"name": k["kind"].name(language), "activities": k["activities"], "done": k["done"],
                   "count": format_number(k["count"], language=language), "households": format_number(k["households"], language=language),
                   "cost": format_vnd(k["cost"], language=language)} for k in kinds]  # fmt: skip
    return {
        "adoption_measures": [{"code": m.value, "label": m.label} for m in Adoption] if adoption is not None else [],
        "adoption_lines": adoption_lines(adoption=adoption, language=language) if adoption is not None else [],
        "adoption_raw": adoption or [],
        "campaign": campaign, "root": root, "measures": measures, "lines": lines, "kinds": kind_lines, "kinds_raw": kinds,
        "states": [ActivityState(s).label for s in ActivityState.values], "today": format_day(today, language=language),
        "period": f"{format_day(campaign.active_from, language=language)} – "
                  f"{format_day(campaign.active_to - dt.timedelta(days=1), language=language)}",
    }  # fmt: skip


def rollup_chart_svg(*, rows: list[RollupRow], measure: str, language: str) -> str:
    """Target and result of one measure for the units directly below the report's unit (SVG, '' without data)."""
    children = [r for r in rows if r.depth == 2] or rows[:1]
    if not any(r.targets[measure] or r.results[measure] for r in children):
        return ""
    with translation.override(language):
        return bar_chart_svg(
            labels=[r.unit_name.replace("Đội QLĐ ", "").replace("Đội quản lý điện ", "")[:16] for r in children],
            series=[Series(name=_("Chỉ tiêu"), values=[float(r.targets[measure]) for r in children]),
                    Series(name=_("Thực hiện"), values=[float(r.results[measure]) for r in children])],  # fmt: skip
            title=_("%(measure)s: chỉ tiêu và thực hiện theo đơn vị") % {"measure": Measure(measure).label},
            x_axis_label=_("Đơn vị"), y_axis_label=str(Measure(measure).label),
            value_format=lambda v: format_number(round(v, 2), language=language),
            width=max(360, 60 * len(children)), height=260, element_id=f"campaign-chart-{measure}",
        )  # fmt: skip


def rollup_xlsx(*, context: dict) -> bytes:
    """The roll-up as a workbook: one sheet per unit line with every measure's target, result and share."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Tổng hợp")[:31]
    campaign = context["campaign"]
    sheet.append(safe_row([f"{campaign.name} ({context['period']})"]))
    sheet.append(safe_row([_("Đơn vị: %(unit)s và các đơn vị trực thuộc; lập ngày %(day)s") % {
        "unit": context["root"].name, "day": context["today"]}]))  # fmt: skip
    sheet.append([])
    header = [_("Đơn vị"), _("Số hoạt động"), *(str(s) for s in context["states"])]
    for measure in context["measures"]:
        header += [
            f"{measure['label']} — {_('chỉ tiêu')}",
            f"{measure['label']} — {_('thực hiện')}",
            f"{measure['label']} — %",
        ]
    sheet.append(safe_row(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for line in context["lines"]:
        row = line["row"]
        values = ["  " * line["indent"] + row.unit_name, row.activities, *line["states"]]
        for measure in MEASURES:
            target, result = row.targets[measure], row.results[measure]
            values += [_number(target, measure), _number(result, measure), row.share(measure)]
        sheet.append(safe_row(values))
    kinds = workbook.create_sheet(_("Theo loại hoạt động")[:31])
    kinds.append(safe_row([_("Loại hoạt động"), _("Số hoạt động"), _("Đã hoàn thành"), _("Số lượt"), _("Số hộ/khách hàng"),
                           _("Chi phí (đồng)")]))  # fmt: skip
    for k in context["kinds_raw"]:
        kinds.append(safe_row([k["kind"].name(translation.get_language()), k["activities"], k["done"], int(k["count"]),
                               int(k["households"]), int(k["cost"])]))  # fmt: skip
    if context["adoption_measures"]:
        _adoption_sheet(workbook.create_sheet(_("Chuyển đổi số")[:31]), context=context)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _adoption_sheet(sheet, *, context: dict) -> None:
    """Per unit: customers moved to each digital measure during the campaign, its target and share; paper/SMS only."""
    from openpyxl.styles import Font

    sheet.append(
        safe_row([_("Chuyển đổi số trong thời gian chương trình (khách hàng đã chuyển so với chỉ tiêu)")])
    )
    sheet.append([])
    header = [_("Đơn vị"), _("Số khách hàng")]
    for measure in context["adoption_measures"]:
        header += [
            f"{measure['label']} — {_('đã chuyển')}",
            f"{measure['label']} — {_('chỉ tiêu')}",
            f"{measure['label']} — %",
        ]
    header.append(_("Chỉ liên lạc được qua giấy hoặc SMS"))
    sheet.append(safe_row(header))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in context["adoption_raw"]:
        values = ["  " * row.depth + row.unit.name, row.accounts]
        for measure in context["adoption_measures"]:
            values += [row.moved[measure["code"]], row.targets[measure["code"]], row.share(measure["code"])]
        values.append(row.paper_only)
        sheet.append(safe_row(values))


def _number(value: Decimal, measure: str):
    return float(value) if measure == Measure.ROAD_KM else int(value)


def rollup_html(*, context: dict) -> str:
    return render_to_string("campaigns/report.html", context)


def rollup_pdf(*, context: dict) -> bytes:
    """The roll-up as a PDF (A4 landscape), rendered from the same HTML as the print view."""
    from weasyprint import HTML  # loading WeasyPrint takes a moment; most callers never need it

    return HTML(string=rollup_html(context=context)).write_pdf()


def letters_html(
    *,
    recognition_list: RecognitionList,
    entries: list[RecognitionEntry],
    today: dt.date,
    language: str = "vi",
) -> str:
    """The letters (certificates) of a recognition list, one A4 page each, as HTML."""
    with translation.override(language):
        return render_to_string("campaigns/letters.html", {
            "list": recognition_list, "entries": entries, "unit_name": recognition_list.unit.name,
            "campaign": recognition_list.campaign, "today": format_day(today, language=language),
            "anniversary_years": recognition_list.campaign.anniversary_on.year - 1954,
        })  # fmt: skip


def letters_pdf(
    *,
    recognition_list: RecognitionList,
    entries: list[RecognitionEntry],
    today: dt.date,
    language: str = "vi",
) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=letters_html(
            recognition_list=recognition_list, entries=entries, today=today, language=language
        )
    ).write_pdf()
