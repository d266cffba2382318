"""Documents of demand response: a participant's chart (actual vs baseline) and the thank-you letter (PDF)."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from gridcare.core.charts import Series, bar_chart_svg
from gridcare.core.formatting import BUSINESS_TZ, format_day, format_kwh, format_number, format_vnd
from gridcare.flexibility.models import EventParticipant
from gridcare.flexibility.selectors import participant_intervals


def event_times(event, *, language: str = "vi") -> dict[str, str]:
    """The event's start and end as people read them: {"start": "17:00", "end": "20:00"}; an end on a later day
    (an event past midnight) carries its date, {"start": "22:00", "end": "01:00 (17/06/2026)"}; an end at
    midnight is "24:00"."""
    start, end = event.starts_at.astimezone(BUSINESS_TZ), event.ends_at.astimezone(BUSINESS_TZ)
    if end.time() == dt.time() and end.date() == start.date() + dt.timedelta(days=1):
        return {"start": f"{start:%H:%M}", "end": "24:00"}
    if end.date() != start.date():
        return {
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M} ({format_day(end.date(), language=language)})",
        }
    return {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def event_window(event, *, language: str = "vi") -> str:
    """ "17:00–20:00", or "22:00–01:00 (17/06/2026)" for an event past midnight."""
    times = event_times(event, language=language)
    return f"{times['start']}–{times['end']}"


def participant_chart_svg(*, participant: EventParticipant, language: str = "vi") -> str:
    """Half-hourly actual and baseline energy (kWh) of one participant on the event day, as SVG ('' if none)."""
    rows = list(participant_intervals(participant=participant))
    if not rows:
        return ""
    with translation.override(language):
        labels = [f"{r.start.astimezone(BUSINESS_TZ):%H:%M}" for r in rows]
        return bar_chart_svg(
            labels=labels,
            series=[
                Series(name=_("Thực tế"), values=[r.actual_wh / 1000 for r in rows]),
                Series(name=_("Đường cơ sở"), values=[r.baseline_wh / 1000 for r in rows]),
            ],
            title=_("Điện năng từng 30 phút ngày %(day)s: thực tế và đường cơ sở") % {
                "day": format_day(participant.event.day, language=language)},
            x_axis_label=_("Giờ"), y_axis_label="kWh",
            value_format=lambda v: format_number(round(v, 1), language=language) + " kWh",
            label_every=4, width=720, height=260, element_id=f"dr-chart-{participant.pk}",
        )  # fmt: skip


def _letter_context(*, participant: EventParticipant, language: str, today: dt.date) -> dict:
    event = participant.event
    programme = event.programme
    return {
        "participant": participant, "event": event, "programme": programme,
        "customer": participant.account.customer.name, "code": participant.account.code,
        "day": format_day(event.day, language=language), "today": format_day(today, language=language),
        **event_times(event, language=language),
        "delivered": format_kwh(round((participant.delivered_wh or 0) / 1000), language=language),
        "shifted": format_kwh(round((participant.shifted_wh or 0) / 1000), language=language),
        "saved": format_vnd(participant.saved_vnd or 0, language=language),
        "unit_name": programme.unit.name, "thanks": programme.recognition_text,
    }  # fmt: skip


def thank_you_html(*, participant: EventParticipant, today: dt.date, language: str = "vi") -> str:
    """The thank-you letter (certificate) to a participant, as HTML (Vietnamese by default)."""
    with translation.override(language):
        return render_to_string("flexibility/thank_you.html", _letter_context(participant=participant, language=language,
                                                                               today=today))  # fmt: skip


def thank_you_pdf(*, participant: EventParticipant, today: dt.date, language: str = "vi") -> bytes:
    """The thank-you letter as a PDF, rendered from the same HTML."""
    from weasyprint import HTML  # loading WeasyPrint takes a moment; most callers never need it

    return HTML(string=thank_you_html(participant=participant, today=today, language=language)).write_pdf()
