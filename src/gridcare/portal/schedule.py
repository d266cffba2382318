"""The public outage schedule (no sign-in): a page by province, commune/ward or customer code, and iCalendar feeds.

Caching: every response carries an ETag (a hash of its body) and answers 304 to a matching If-None-Match. A
page by place for an anonymous visitor is `public` (it holds no token and nothing personal, so a proxy may keep
it); a lookup by customer code, or any page for a signed-in visitor (whose header holds a CSRF token), is
`private`. The language is the visitor's choice (cookie) or `?lang=`, so that a page can be linked and cached in
one language; the footer's language links use it, since a POST form would put a CSRF token into the page.
"""

import hashlib
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.outages import schedule
from gridcare.outages.models import OutageKind, OutageStatus

MAX_AGE = 300
HOTLINE = "19001006"
CUSTOMER_CODE = re.compile(r"^[A-Z0-9]{5,20}$")


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang", "")
    supported = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in supported else translation.get_language()


def _cached(request: HttpRequest, response: HttpResponse, *, shared: bool) -> HttpResponse:
    """ETag and Cache-Control on a finished response; 304 when the client already holds this body."""
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    shared = shared and not request.user.is_authenticated
    response["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={MAX_AGE}"
    patch_vary_headers(response, ("Cookie",))
    if response.status_code == 200:
        conditional = get_conditional_response(request, etag=etag, response=response)
        if conditional is not response:
            conditional["Cache-Control"] = response["Cache-Control"]
            patch_vary_headers(conditional, ("Cookie",))
            return conditional
    return response


def _when(moment) -> str:
    local = moment.astimezone(BUSINESS_TZ)
    return f"{local:%H:%M} {format_day(local.date(), language=translation.get_language())}"


def _rows(entries: list[schedule.ScheduleEntry]) -> list[dict]:
    """What the page prints of each outage: translated title and state, local times."""
    return [
        {
            "id": e.id, "title": schedule.entry_title(e), "place": e.place, "reason": e.reason,
            "status": OutageStatus(e.status).label, "in_progress": e.status == OutageStatus.IN_PROGRESS,
            "incident": e.kind == OutageKind.INCIDENT, "emergency": e.emergency, "changed": e.status == OutageStatus.CHANGED,
            "begins": _when(e.begins_at), "ends": _when(e.ends_at) if e.ends_at else "",
            "begins_iso": e.begins_at.astimezone(BUSINESS_TZ).isoformat(),
        }
        for e in entries
    ]  # fmt: skip


def _language_links(request: HttpRequest, language: str) -> list[dict]:
    query = {k: v for k, v in request.GET.items() if k != "lang"}
    links = []
    for code, _name in settings.LANGUAGES:
        info = translation.get_language_info(code)
        links.append({
            "code": code, "name": info["name_local"], "current": code == language,
            "url": request.path + "?" + urlencode({**query, "lang": code}),
        })  # fmt: skip
    return links


@require_GET
def schedule_page(request: HttpRequest) -> HttpResponse:
    """Look up announced outages by province, commune/ward or customer code (GET form, works without JavaScript)."""
    language = _language(request)
    with translation.override(language):
        now = timezone.now()
        province_code = request.GET.get("province", "").strip()
        commune_code = request.GET.get("commune", "").strip()
        raw_code = request.GET.get("customer", "")
        customer_code = schedule.normalised_customer_code(code=raw_code)
        context = {
            "hotline": HOTLINE, "provinces": list(schedule.schedule_provinces()), "province": None, "communes": [],
            "commune": None, "customer_code": customer_code, "entries": None, "error": "", "feed_url": "",
            "looked_up": "", "language_links": _language_links(request, language), "lang": language,
        }  # fmt: skip
        status = 200
        if raw_code.strip():
            if not CUSTOMER_CODE.match(customer_code):
                context["error"] = _(
                    "Mã khách hàng gồm chữ và số, không có dấu cách (in trên hóa đơn tiền điện). Hãy kiểm tra và nhập lại."
                )
                status = 400
            elif not schedule.customer_code_known(code=customer_code):
                context["error"] = _(
                    "Không tìm thấy mã khách hàng %(code)s. Hãy kiểm tra mã trên hóa đơn tiền điện, hoặc tra cứu theo "
                    "phường/xã."
                ) % {"code": customer_code}
                status = 404
            else:
                context["entries"] = schedule.schedule_entries(now=now, customer_code=customer_code)
                context["looked_up"] = _("khu vực của mã khách hàng %(code)s") % {"code": customer_code}
                context["feed_url"] = reverse("portal:schedule_customer_feed", kwargs={"code": customer_code})
        elif commune_code:
            commune = schedule.commune_by_code(code=commune_code)
            if commune is None:
                context["error"] = _("Không tìm thấy phường/xã này. Hãy chọn lại trong danh sách.")
                status = 404
            else:
                context.update(
                    province=commune.province, commune=commune,
                    communes=list(schedule.schedule_communes(province=commune.province)),
                    entries=schedule.schedule_entries(now=now, commune=commune), looked_up=str(commune),
                    feed_url=reverse("portal:schedule_commune_feed", kwargs={"code": commune.code}),
                )  # fmt: skip
        elif province_code:
            province = schedule.province_by_code(code=province_code)
            if province is None:
                context["error"] = _("Không tìm thấy tỉnh/thành phố này. Hãy chọn lại trong danh sách.")
                status = 404
            else:
                context.update(
                    province=province, communes=list(schedule.schedule_communes(province=province)),
                    entries=schedule.schedule_entries(now=now, province=province), looked_up=province.name,
                )  # fmt: skip
        if context["entries"] is not None:
            context["entries"] = _rows(context["entries"])
        response = render(request, "portal/schedule/schedule.html", context, status=status)
        response["Content-Language"] = language
    return _cached(request, response, shared=not customer_code)


def _feed(request: HttpRequest, *, name: str, entries, shared: bool) -> HttpResponse:
    response = HttpResponse(
        schedule.schedule_calendar(entries=entries, name=name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="lich-ngung-dien.ics"'
    return _cached(request, response, shared=shared)


def _feed_not_found(message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=404, content_type="text/plain; charset=utf-8")


@require_GET
def schedule_commune_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The iCalendar feed of a commune/ward's outages (subscribe to it in a calendar app)."""
    with translation.override(_language(request)):
        commune = schedule.commune_by_code(code=code)
        if commune is None:
            return _feed_not_found(_("Không tìm thấy phường/xã có mã %(code)s.") % {"code": code})
        entries = schedule.calendar_entries(now=timezone.now(), commune=commune)
        name = _("Lịch ngừng cấp điện — %(place)s") % {"place": f"{commune}, {commune.province.name}"}
        return _feed(request, name=name, entries=entries, shared=True)


@require_GET
def schedule_customer_feed(request: HttpRequest, code: str) -> HttpResponse:
    """The iCalendar feed of the outages reaching a customer code's service points (nothing else about it)."""
    with translation.override(_language(request)):
        code = schedule.normalised_customer_code(code=code)
        if not CUSTOMER_CODE.match(code) or not schedule.customer_code_known(code=code):
            return _feed_not_found(
                _("Không tìm thấy mã khách hàng %(code)s. Hãy kiểm tra mã trên hóa đơn tiền điện.")
                % {"code": code}
            )
        entries = schedule.calendar_entries(now=timezone.now(), customer_code=code)
        name = _("Lịch ngừng cấp điện — mã khách hàng %(code)s") % {"code": code}
        return _feed(request, name=name, entries=entries, shared=False)


urlpatterns = [
    path("schedule/", schedule_page, name="schedule"),
    path("schedule/communes/<str:code>.ics", schedule_commune_feed, name="schedule_commune_feed"),
    path("schedule/customers/<str:code>.ics", schedule_customer_feed, name="schedule_customer_feed"),
]
