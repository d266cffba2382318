"""The field worklist on a phone (mounted at /backoffice/field/, staff sign-in with two-factor as the back office).

One column, large targets, high contrast: the day's jobs in order with address and contact; a job's page
starts it and finishes it (what was done, materials, photos from the camera, the customer's confirmation).
`static/backoffice/field.js` keeps a finished form on the phone (IndexedDB) when there is no connection and
sends it when the connection is back; the server takes it once, by the key the phone generated for it.
"""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.org import policy
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import WorkOrder


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _job(request: HttpRequest, pk) -> WorkOrder:
    try:
        order = selectors.work_order_for(user=request.user, pk=int(pk))
    except (TypeError, ValueError):
        order = None
    if order is None or not policy.may(
        user=request.user, action="servicedesk.work", unit_id=order.request.team_id
    ):
        raise Http404
    return order


def _time(moment) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%H:%M}" if moment else ""


@never_cache
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """Today's jobs of the signed-in staff member, in order."""
    today = timezone.localdate()
    jobs = [
        {
            "order": o,
            "type": o.request.request_type.name(translation.get_language()),
            "started": _time(o.started_at),
            "finished": _time(o.finished_at),
        }  # fmt: skip
        for o in selectors.worklist(user=request.user, day=today)
    ]
    context = {
        "jobs": jobs,
        "today": format_day(today, language=translation.get_language()),
        "title": _("Việc hôm nay"),
    }
    return TemplateResponse(request, "field/worklist.html", context)


@never_cache
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    """One job: address, contact, what the customer asked; start it, finish it."""
    order = _job(request, pk)
    item = order.request
    context = {
        "order": order, "item": item, "type": item.request_type.name(translation.get_language()),
        "phone": item.fields.get("contact_phone") or item.account.phone, "started": _time(order.started_at),
        "title": item.number,
    }  # fmt: skip
    return TemplateResponse(request, "field/job.html", context)


@require_POST
def sync(request: HttpRequest) -> HttpResponse:
    """Start or finish a job (a plain form, or the phone's script sending a kept form); once per client key."""
    order = _job(request, request.POST.get("work_order"))
    now = timezone.now()
    action = request.POST.get("action")
    try:
        if action == "start":
            order = services.work_order_start(work_order=order, by=request.user, now=now)
        elif action == "finish":
            started = parse_datetime(request.POST.get("started_at", "") or "")
            finished = parse_datetime(request.POST.get("finished_at", "") or "")
            order = services.work_order_finish(
                work_order=order, by=request.user, now=now, work_done=request.POST.get("work_done", ""),
                materials=request.POST.get("materials", ""), customer_confirmed=request.POST.get("customer_confirmed") == "1",
                confirmed_by=request.POST.get("confirmed_by", ""), client_key=(request.POST.get("client_key") or "")[:64] or None,
                started_at=started if started and started <= now else None,
                finished_at=finished if finished and finished <= now else None,
                uploads=request.FILES.getlist("photos")[:3],
            )  # fmt: skip
        else:
            raise services.ServiceDeskError("bad_action", _("Thao tác không hợp lệ."))
    except services.ServiceDeskError as refused:
        if _wants_json(request):
            return JsonResponse(
                {"code": refused.code, "message": refused.message, "details": refused.details}, status=400
            )
        context = {"order": order, "item": order.request, "type": order.request.request_type.name(translation.get_language()),
                   "error": refused.message, "title": order.request.number, "phone": order.request.account.phone}  # fmt: skip
        return TemplateResponse(request, "field/job.html", context, status=400)
    if _wants_json(request):
        return JsonResponse({"code": "ok", "state": order.state, "work_order": order.pk})
    return redirect(
        "admin:field_job" if action == "start" else "admin:field_worklist",
        *([order.pk] if action == "start" else []),
    )


def urls(site):
    """The field pages, each behind the back office's sign-in (staff, two-factor)."""
    return [
        path("field/", site.admin_view(worklist), name="field_worklist"),
        path("field/sync/", site.admin_view(sync), name="field_sync"),
        path("field/<int:pk>/", site.admin_view(job), name="field_job"),
    ]


__all__ = ["urls"]
