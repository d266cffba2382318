"""The "Mất điện" page of one account: the known outage there, the schedule ahead, and a "no power" report.

Plain POST forms that redirect back (no JavaScript needed). A customer whose area already has a known outage
is told so, with the expected restoration, instead of filing a duplicate report, and may ask to be told when
the power is back.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.outages import selectors, services
from gridcare.outages.models import OutageKind
from gridcare.portal.views import HOTLINE, own_account

UPCOMING_SHOWN = 10


def _when(moment) -> str:
    if moment is None:
        return _("chưa xác định")
    local = moment.astimezone(BUSINESS_TZ)
    return f"{local:%H:%M} {format_day(local.date(), language=translation.get_language())}"


def _outage_row(outage) -> dict:
    start = (
        outage.started_at
        if outage.kind == OutageKind.INCIDENT and outage.started_at
        else outage.scheduled_start
    )
    return {
        "id": outage.pk, "kind": outage.get_kind_display(), "incident": outage.kind == OutageKind.INCIDENT,
        "place": outage.place, "reason": outage.reason, "start": _when(start), "end": _when(outage.scheduled_end),
        "status": outage.get_status_display(),
    }  # fmt: skip


@never_cache
@require_GET
def outages_page(request: HttpRequest, code: str) -> HttpResponse:
    """The known outage at the account now, the announced ones ahead, the "no power" form and past reports."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    now = timezone.now()
    known = selectors.known_outage_for_account(account=account, now=now)
    upcoming = [
        _outage_row(o) for o in selectors.published_outages(account_ids=[account.pk], start=now)[:UPCOMING_SHOWN]
        if known is None or o.pk != known.pk
    ]  # fmt: skip
    context = {
        "account": account, "known": _outage_row(known) if known else None,
        "asked": bool(known) and selectors.restoration_requested(account=account, outage=known),
        "upcoming": upcoming, "hotline": HOTLINE,
        "reports": [{"when": _when(r.reported_at), "outage": r.outage.place if r.outage_id else ""}
                    for r in selectors.reports_of_account(account=account)],
    }  # fmt: skip
    return render(request, "portal/outages/page.html", context)


@require_POST
def report_no_power(request: HttpRequest, code: str) -> HttpResponse:
    """File a "no power" report, or learn of the known outage there."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    try:
        outcome = services.outage_report_file(
            account=account, now=timezone.now(), note=request.POST.get("note", "")
        )
    except services.OutageError as exc:
        messages.error(request, exc.message)
        return redirect("portal:outages", code=account.code)
    if outcome.known_outage is not None:
        messages.info(
            request, _("Khu vực của quý khách đang mất điện và đã được ghi nhận: không cần báo thêm.")
        )
    else:
        messages.success(
            request,
            _(
                "Đã ghi nhận báo mất điện lúc %(when)s. Nhân viên sẽ kiểm tra; quý khách sẽ nhận "
                "thông báo khi có sự cố được xác nhận."
            )
            % {"when": _when(outcome.report.reported_at)},
        )
    return redirect("portal:outages", code=account.code)


@require_POST
def notify_when_back(request: HttpRequest, code: str, outage_id: int) -> HttpResponse:
    """Ask to be told when the power is back, for the known outage at this account (any other: 404)."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    outage = selectors.published_outages(account_ids=[account.pk]).filter(pk=outage_id).first()
    if outage is None:
        return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)
    try:
        services.restoration_request_add(account=account, outage=outage, now=timezone.now())
    except services.OutageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Quý khách sẽ nhận thông báo khi có điện trở lại."))
    return redirect("portal:outages", code=account.code)
