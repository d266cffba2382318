"""Back office of the insights area: safety and savings advice (compose, preview, publish, history), the
digital-adoption dashboard with its targets and the visit list, and reading-date agreements.

Everything is scoped by `org.policy`: lists through `PolicyAdmin`, the pages below through `policy.may` and
`policy.records`; a unit the staff member does not see is a 404, as if it did not exist.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.backoffice.exports import XLSX_TYPE
from gridcare.backoffice.scoping import UnitScopedAdmin, csv_response
from gridcare.backoffice.site import admin_site
from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import BUSINESS_TZ, format_number, local_date
from gridcare.customers.models import Account, Purpose
from gridcare.insights import selectors, services
from gridcare.insights.models import AdoptionTarget, Advice, Measure, ReadingDateAgreement
from gridcare.org import policy
from gridcare.org.selectors import units_for_user


class AdviceForm(forms.ModelForm):
    purposes = forms.MultipleChoiceField(label=gettext_lazy("Mục đích sử dụng điện"), choices=Purpose.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=gettext_lazy("Không chọn: mọi mục đích."))  # fmt: skip

    class Meta:
        model = Advice
        fields = ["unit", "title_vi", "body_vi", "title_en", "body_en", "title_fr", "body_fr", "purposes", "commune",
                  "high_users_percent", "high_users_months", "bill_shock_days"]  # fmt: skip


@admin.register(Advice, site=admin_site)
class AdviceAdmin(UnitScopedAdmin):
    form = AdviceForm
    list_display = ("title_vi", "unit", "status", "recipients", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("title_vi",)
    ordering = ("-created_at", "-pk")
    autocomplete_fields = ("commune",)
    export_name = "tu-van-tiet-kiem-dien"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Advice.Status.SENT:
            return [*AdviceForm.Meta.fields, "status", "sent_at", "recipients"]
        return ["status", "sent_at", "recipients"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_at = timezone.now()
            obj.created_by = request.user
        if obj.status == Advice.Status.SENT:
            return  # a sent advice is history
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:insights_advice_preview", args=[obj.pk]))

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="insights_advice_preview",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "preview_url": reverse("admin:insights_advice_preview", args=[object_id]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def preview_view(self, request, pk):
        """GET: how many customers the segment holds now; POST: publish (once)."""
        advice = get_object_or_404(self.get_queryset(request), pk=pk)
        now = timezone.now()
        may_publish = advice.status == Advice.Status.DRAFT and policy.may(
            user=request.user, action="insights.publish_advice", unit_id=advice.unit_id
        )
        if request.method == "POST":
            if advice.status == Advice.Status.SENT:  # a second click, a reload: nothing is sent again
                self.message_user(request, _("Bản tư vấn này đã được gửi; không gửi lại."), messages.INFO)
                return HttpResponseRedirect(reverse("admin:insights_advice_preview", args=[advice.pk]))
            if not may_publish:
                raise PermissionDenied
            sent = services.advice_publish(advice=advice, user=request.user, now=now)
            self.message_user(request, _("Đã gửi tư vấn tới %(n)s khách hàng.") % {"n": format_number(sent.recipients)},
                              messages.SUCCESS)  # fmt: skip
            return HttpResponseRedirect(reverse("admin:insights_advice_preview", args=[advice.pk]))
        preview = selectors.segment_preview(segment=selectors.Segment.of(advice), now=now)
        language = translation.get_language()
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "advice": advice,
            "title": _("Xem trước: %(title)s") % {"title": advice.title_vi}, "may_publish": may_publish,
            "preview": {k: format_number(v or 0, language=language) for k, v in preview.items()},
            "criteria": _criteria(advice),
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/insights/advice_preview.html", context)


def _criteria(advice: Advice) -> list[str]:
    """The segment in words, for the preview page."""
    words = [_("Khách hàng của %(unit)s và các đơn vị trực thuộc") % {"unit": advice.unit.name}]
    if advice.purposes:
        words.append(
            _("Mục đích: %(names)s") % {"names": ", ".join(str(Purpose(p).label) for p in advice.purposes)}
        )
    if advice.commune_id:
        words.append(_("Phường/xã: %(name)s") % {"name": advice.commune.name})
    if advice.high_users_percent:
        words.append(_("%(percent)s%% khách hàng dùng nhiều nhất trong %(months)s tháng gần đây")
                     % {"percent": advice.high_users_percent, "months": advice.high_users_months})  # fmt: skip
    if advice.bill_shock_days:
        words.append(
            _("Có hoá đơn tăng cao phải kiểm tra trong %(days)s ngày gần đây")
            % {"days": advice.bill_shock_days}
        )
    return words


def _campaign_period(request, year: int) -> tuple[dt.date, dt.date]:
    """The period asked for (?since=&until=, inclusive end), by default the Appreciation Month: 1 Nov – 31 Dec."""
    try:
        since = (
            dt.date.fromisoformat(request.GET.get("since", ""))
            if request.GET.get("since")
            else dt.date(year, 11, 1)
        )
        until = (
            dt.date.fromisoformat(request.GET.get("until", ""))
            if request.GET.get("until")
            else dt.date(year, 12, 31)
        )
    except ValueError:
        since, until = dt.date(year, 11, 1), dt.date(year, 12, 31)
    if until < since:
        since, until = until, since
    return since, until


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=BUSINESS_TZ)


def _chosen_unit(request, units):
    chosen = request.GET.get("unit", "")
    unit = units[0] if not chosen else next((u for u in units if str(u.pk) == chosen), None)
    if unit is None:
        raise Http404
    return unit


@admin.register(AdoptionTarget, site=admin_site)
class AdoptionTargetAdmin(UnitScopedAdmin):
    list_display = ("unit", "year", "measure", "target")
    list_filter = ("year", "measure")
    ordering = ("-year", "unit__path", "measure", "pk")
    change_list_template = "backoffice/insights/adoptiontarget_change_list.html"
    export_name = "chi-tieu-chuyen-doi-so"

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="insights_adoption_dashboard",
            ),
            path("visits/", self.admin_site.admin_view(self.visits_view), name="insights_adoption_visits"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        """GET ?unit=&year=&since=&until=: customers moved per measure against targets, the unit and its tree."""
        if not policy.may(user=request.user, action="insights.view_adoption"):
            raise PermissionDenied
        units = list(units_for_user(user=request.user).order_by("path", "pk"))
        if not units:
            raise PermissionDenied
        unit = _chosen_unit(request, units)
        today = local_date(timezone.now())
        try:
            year = int(request.GET.get("year") or today.year)
        except ValueError:
            year = today.year
        year = min(max(year, 2000), 2100)
        since, until = _campaign_period(request, year)
        rows = selectors.adoption_by_unit(
            units=[unit], year=year, since=_moment(since), until=_moment(until + dt.timedelta(days=1))
        )
        language = translation.get_language()
        measures = [(m.value, m.label) for m in Measure]
        table = [
            {"unit": r.unit, "indent": "— " * r.depth, "accounts": format_number(r.accounts, language=language),
             "paper_only": format_number(r.paper_only, language=language), "paper_url": reverse("admin:insights_adoption_visits") + f"?unit={r.unit.pk}",
             "cells": [{"moved": format_number(r.moved[m], language=language),
                        "target": "—" if r.targets[m] is None else format_number(r.targets[m], language=language),
                        "share": "" if r.share(m) is None else f"{format_number(r.share(m), language=language)} %"} for m, _l in measures]}
            for r in rows
        ]  # fmt: skip
        top = rows[0] if rows else None
        chart = ""
        if top is not None:
            chart = mark_safe(bar_chart_svg(  # noqa: S308 - core.charts escapes every text
                labels=[str(label) for _m, label in measures],
                series=[Series(name=_("Đã chuyển trong kỳ"), values=[top.moved[m] for m, _l in measures]),
                        Series(name=_("Chỉ tiêu"), values=[top.targets[m] for m, _l in measures])],
                title=_("%(unit)s: khách hàng chuyển sang dịch vụ số") % {"unit": top.unit.name},
                description=_("Mỗi nhóm hai cột: số khách hàng đã chuyển trong kỳ và chỉ tiêu của năm."),
                x_axis_label=_("Chỉ tiêu"), y_axis_label=_("khách hàng"),
                value_format=lambda v: format_number(v, language=language), width=640, element_id="adoption-chart",
            ))  # fmt: skip
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": _("Chuyển đổi số theo đơn vị"), "units": units, "unit": unit, "year": year,
            "since": since.isoformat(), "until": until.isoformat(), "measures": measures, "table": table, "chart": chart,
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/insights/adoption_dashboard.html", context)

    def visits_view(self, request):
        """GET ?unit=[&format=csv|xlsx]: the unit's customers reachable only on paper or SMS, to visit."""
        units = list(units_for_user(user=request.user).order_by("path", "pk"))
        if not units:
            raise PermissionDenied
        unit = _chosen_unit(request, units)
        if not policy.may(user=request.user, action="insights.visit_list", unit_id=unit.pk):
            raise PermissionDenied
        ids = list(
            units_for_user(user=request.user).filter(path__startswith=unit.path).values_list("pk", flat=True)
        )
        accounts = policy.records_in_units(
            policy.records(Account.objects.all(), user=request.user), user=request.user, unit_ids=ids
        )
        rows = selectors.visit_list(accounts=accounts)
        header = [
            _("Mã khách hàng"),
            _("Khách hàng"),
            _("Địa chỉ"),
            _("Phường/xã"),
            _("Điện thoại (SMS)"),
            _("Lộ trình"),
            _("Đội quản lý"),
        ]

        def values():
            for a in rows.iterator(chunk_size=2000):
                stop = getattr(a, "route_stop", None)
                yield [a.code, a.customer.name, a.premise.street, a.premise.commune.name, a.phone or "—",
                       stop.route.code if stop else "", a.unit.name]  # fmt: skip

        export = request.GET.get("format", "")
        filename = f"danh-sach-tham-{unit.code}-{local_date(timezone.now()):%Y%m%d}"
        if export == "csv":
            return csv_response(filename=f"{filename}.csv", header=header, rows=values())
        if export == "xlsx":
            return _xlsx(filename=f"{filename}.xlsx", header=header, rows=values(), title=_("Danh sách thăm"))
        page = list(rows[:200])
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Khách hàng chỉ liên lạc được qua giấy hoặc SMS"),
            "units": units, "unit": unit, "rows": page, "total": format_number(rows.count()), "shown": len(page),
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/insights/visit_list.html", context)


def _xlsx(*, filename: str, header, rows, title: str):
    import tempfile

    import openpyxl
    from django.http import FileResponse

    from gridcare.core.spreadsheets import safe_cell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(v) for v in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


@admin.register(ReadingDateAgreement, site=admin_site)
class ReadingDateAgreementAdmin(UnitScopedAdmin):
    list_display = ("account", "from_day", "to_day", "agreed_on", "route")
    search_fields = ("account__code",)
    raw_id_fields = ("account", "route")
    ordering = ("-agreed_on", "pk")
    export_name = "dong-y-doi-ngay-ghi"
