"""Public pages of the appreciation month (no sign-in): blood-drive registration and the year's "thank you" page.

Registration is throttled per address (shared cache, `core.throttle`) and needs the consent checkbox; a refused form
is shown again with what was typed. The thank-you page prints totals only: no name, no customer, nothing below the
companies.
"""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridcare.campaigns import selectors, services
from gridcare.campaigns.documents import measure_text
from gridcare.campaigns.models import MEASURES, Measure
from gridcare.core import throttle
from gridcare.core.clientaddress import client_address
from gridcare.core.formatting import format_day, format_number, local_date

REGISTRATION_WINDOW = dt.timedelta(hours=1)
REGISTRATIONS_PER_ADDRESS = 10


def _throttle_key(request: HttpRequest) -> str:
    return f"campaigns:blood:{client_address(request) or 'unknown'}"


@require_http_methods(["GET", "POST"])
def blood_drive(request: HttpRequest, drive_id: int) -> HttpResponse:
    """The registration form of one drive open to the public."""
    now = timezone.now()
    drive = selectors.blood_drive_open(pk=drive_id, today=local_date(now))
    if drive is None:
        raise Http404
    form = {"name": "", "phone": "", "consent": False}
    errors: dict[str, str] = {}
    done = False
    status = 200
    if request.method == "POST":
        form = {"name": request.POST.get("name", "")[:200], "phone": request.POST.get("phone", "")[:30],
                "consent": request.POST.get("consent") == "yes"}  # fmt: skip
        key = _throttle_key(request)
        if throttle.count(key=key, now=now, window=REGISTRATION_WINDOW) >= REGISTRATIONS_PER_ADDRESS:
            errors["form"] = _(
                "Quá nhiều đăng ký từ cùng một nơi. Hãy thử lại sau một giờ hoặc gọi tổng đài 19001006."
            )
            status = 429
        else:
            throttle.hit(key=key, now=now, window=REGISTRATION_WINDOW)
            try:
                services.blood_register(
                    drive=drive, name=form["name"], phone=form["phone"], consent=form["consent"], now=now
                )
                done = True
            except services.CampaignError as error:
                errors[error.details.get("field", "form")] = error.message
                status = 400
    context = {
        "drive": drive, "unit_name": drive.activity.unit.name, "day": format_day(drive.held_on), "form": form,
        "errors": errors, "done": done,
    }  # fmt: skip
    return render(request, "portal/campaigns/blood_drive.html", context, status=status)


def blood_drives(request: HttpRequest) -> HttpResponse:
    """Drives open to the public."""
    drives = [{"drive": d, "unit_name": d.activity.unit.name, "day": format_day(d.held_on)}
              for d in selectors.blood_drives_open(today=local_date(timezone.now()))]  # fmt: skip
    return render(request, "portal/campaigns/blood_drives.html", {"drives": drives})


def thank_you(request: HttpRequest, year: int) -> HttpResponse:
    """The year's results, as totals (households, services, blood, road lit), for the public."""
    campaign = selectors.campaign_for_year(year=year)
    if campaign is None:
        raise Http404
    results = selectors.public_results(campaign=campaign)
    total = results["total"]
    figures = [{"label": Measure(m).label, "value": measure_text(total.results[m], m, language=request.LANGUAGE_CODE)}
               for m in MEASURES if total.results[m]]  # fmt: skip
    context = {
        "campaign": campaign, "figures": figures, "donors": format_number(results["donors"]),
        "kinds": [{"name": k["kind"].name(request.LANGUAGE_CODE), "count": format_number(k["count"]),
                   "households": format_number(k["households"])} for k in results["kinds"]],
        "companies": [{"name": c.unit_name, "households": format_number(c.results[Measure.HOUSEHOLDS]),
                       "count": format_number(c.results[Measure.COUNT])} for c in results["companies"]],
        "period": f"{format_day(campaign.active_from)} – {format_day(campaign.active_to - dt.timedelta(days=1))}",
        "anniversary_years": campaign.anniversary_on.year - 1954,
    }  # fmt: skip
    response = render(request, "portal/campaigns/thank_you.html", context)
    response["Cache-Control"] = (
        "public, max-age=600" if not request.user.is_authenticated else "private, max-age=600"
    )
    return response


urlpatterns = [
    path("tri-an/<int:year>/", thank_you, name="campaign_thanks"),
    path("hien-mau/", blood_drives, name="blood_drives"),
    path("hien-mau/<int:drive_id>/", blood_drive, name="blood_drive"),
]
