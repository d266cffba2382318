"""Portal pages of demand response: a customer's events, their answer (acknowledge or opt out), their results."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gridcare.core.formatting import format_day, format_kwh, format_vnd
from gridcare.flexibility import documents, selectors, services
from gridcare.flexibility.models import Channel, Event, EventParticipant
from gridcare.portal.views import HOTLINE, own_account


def _row(participant: EventParticipant, *, now, language: str) -> dict:
    event = participant.event
    open_for_answer = event.status == Event.Status.CALLED and now < event.starts_at
    measured = participant.has_baseline and event.measured_at is not None
    return {
        "participant": participant, "event": event, "programme": event.programme.name,
        "day": format_day(event.day, language=language),
        "window": documents.event_window(event, language=language),
        "open": open_for_answer, "measured": measured,
        "delivered": format_kwh(round((participant.delivered_wh or 0) / 1000), language=language) if measured else "",
        "shifted": format_kwh(round((participant.shifted_wh or 0) / 1000), language=language) if measured else "",
        "saved": format_vnd(participant.saved_vnd or 0, language=language) if measured else "",
    }  # fmt: skip


@never_cache
@require_GET
def events_page(request: HttpRequest, code: str) -> HttpResponse:
    """The events this account was called for, newest first, with the answer and the results of each."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    language, now = translation.get_language(), timezone.now()
    rows = [_row(p, now=now, language=language) for p in selectors.customer_events(account=account)]
    return render(request, "portal/flexibility/events.html", {"account": account, "rows": rows})


@never_cache
@require_GET
def event_detail(request: HttpRequest, code: str, participant_id: int) -> HttpResponse:
    """One event: the answer, and after it the half-hourly chart of actual load against the baseline."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    participant = selectors.customer_participation(account=account, participant_id=participant_id)
    if participant is None:
        return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)
    language = translation.get_language()
    row = _row(participant, now=timezone.now(), language=language)
    chart = (
        documents.participant_chart_svg(participant=participant, language=language) if row["measured"] else ""
    )
    # The chart is built by core.charts, which escapes every text it writes.
    message = request.session.pop("dr_message", "")
    return render(request, "portal/flexibility/event.html",
                  {"account": account, "row": row, "chart": mark_safe(chart), "message": message})  # noqa: S308  # fmt: skip


@require_POST
def event_answer(request: HttpRequest, code: str, participant_id: int) -> HttpResponse:
    """Acknowledge or opt out of an event (until it starts)."""
    _customer, account, response = own_account(request, code)
    if response is not None:
        return response
    participant = selectors.customer_participation(account=account, participant_id=participant_id)
    if participant is None:
        return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)
    answer = request.POST.get("answer")
    try:
        services.participant_respond(participant=participant, response=answer or "", channel=Channel.PORTAL,
                                     now=timezone.now(), user=request.user)  # fmt: skip
    except services.FlexibilityError as error:
        return render(request, "portal/flexibility/event.html", {
            "account": account, "row": _row(participant, now=timezone.now(), language=translation.get_language()),
            "error": error.message, "chart": ""}, status=400)  # fmt: skip
    request.session["dr_message"] = (
        _("Cảm ơn quý khách đã xác nhận tham gia.")
        if answer == "acknowledged"
        else _("Đã ghi nhận quý khách không tham gia lần này.")
    )
    return redirect("portal:dr_event", code=account.code, participant_id=participant.pk)
