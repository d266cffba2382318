"""Portal pages of service requests: open one (type, its fields, photos), follow it, cancel it, answer the survey.

Every page works without JavaScript (plain forms). Photos come through a file input with `capture`, so a
phone offers its camera. A request number that is not the customer's is the same 404 as one that does not
exist. The survey page is reached by the signed link of the closing message, without signing in.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridcare.core.formatting import BUSINESS_TZ, format_day
from gridcare.customers import selectors as customer_selectors
from gridcare.portal.views import HOTLINE, _customer_or_redirect
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import FIELD_CHOICES, OPEN_STATES, RequestState, RequestType

FIELD_LABELS = dict(FIELD_CHOICES)
FIELD_INPUTS = {
    "contact_phone": "tel",
    "preferred_date": "date",
    "requested_kw": "number",
    "transformer_kva": "number",
}
STEPS = (RequestState.NEW, RequestState.ASSIGNED, RequestState.IN_PROGRESS, RequestState.CLOSED)


def _when(moment) -> str:
    local = moment.astimezone(BUSINESS_TZ)
    return f"{local:%H:%M} {format_day(local.date(), language=translation.get_language())}"


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/not_found.html", {"hotline": HOTLINE}, status=404)


class RequestForm(forms.Form):
    account = forms.ChoiceField(label=gettext_lazy("Hợp đồng (mã khách hàng)"))
    description = forms.CharField(
        label=gettext_lazy("Mô tả yêu cầu"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    extra_works = forms.BooleanField(
        label=gettext_lazy("Cần kéo thêm đường dây hoặc thi công thêm"), required=False
    )

    def __init__(self, *args, accounts, request_type: RequestType, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.code, f"{a.code} — {a.premise.street}") for a in accounts]
        if not request_type.extended_promise_amount:
            del self.fields["extra_works"]
        for name in request_type.required_fields:
            self.fields[f"field_{name}"] = forms.CharField(label=FIELD_LABELS.get(name, name), max_length=200)
            self.fields[f"field_{name}"].widget.input_type = FIELD_INPUTS.get(name, "text")


def _promise_text(kind: RequestType) -> str:
    unit = _("ngày làm việc") if kind.promise_unit == "working_days" else _("giờ làm việc")
    text = f"{kind.promise_amount} {unit}"
    if kind.extended_promise_amount:
        text += " " + _("(%(amount)s nếu cần thi công thêm)") % {"amount": kind.extended_promise_amount}
    return text


@never_cache
@require_http_methods(["GET"])
def request_list(request: HttpRequest) -> HttpResponse:
    """My requests, newest first, each with its state and deadline."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    rows = [
        {
            "request": r,
            "type": r.request_type.name(translation.get_language()),
            "opened": _when(r.opened_at),
            "due": _when(r.due_at),
            "open": r.state in OPEN_STATES,
        }  # fmt: skip
        for r in selectors.requests_for_customer(user=request.user)[:50]
    ]
    return render(request, "portal/requests/list.html", {"rows": rows, "hotline": HOTLINE})


@never_cache
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the kind of request; step 2 (`?type=`): its form, with photos."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    language = translation.get_language()
    types = list(selectors.request_types_open())
    code = request.POST.get("type") or request.GET.get("type") or ""
    kind = next((t for t in types if t.code == code), None)
    if kind is None:
        choices = [{"type": t, "name": t.name(language), "promise": _promise_text(t)} for t in types]
        return render(request, "portal/requests/choose.html", {"choices": choices, "hotline": HOTLINE})
    accounts = list(customer_selectors.accounts_for_user(user=request.user).select_related("premise"))
    if not accounts:
        return render(request, "portal/not_customer.html", {"hotline": HOTLINE})
    form = RequestForm(request.POST or None, accounts=accounts, request_type=kind)
    status = 200
    photo_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.code == form.cleaned_data["account"])
        photos = request.FILES.getlist("photos")
        try:
            if len(photos) > settings.GRIDCARE_SERVICEDESK_ATTACHMENTS_PER_UPLOAD:
                raise services.ServiceDeskError(
                    "too_many_files",
                    _("Gửi tối đa %(count)s ảnh mỗi lần.")
                    % {"count": settings.GRIDCARE_SERVICEDESK_ATTACHMENTS_PER_UPLOAD},
                )
            opened = services.request_open(
                account=account, request_type=kind, now=timezone.now(), by=request.user,
                description=form.cleaned_data["description"], extra_works=form.cleaned_data.get("extra_works", False),
                fields={name: form.cleaned_data.get(f"field_{name}", "") for name in kind.required_fields},
                channel="portal", uploads=photos,
            )  # fmt: skip
        except services.ServiceDeskError as refused:
            if refused.code.startswith(("file", "too_many")):
                photo_errors.append(refused.message)
            else:
                form.add_error(None, refused.message)
            status = 400
        else:
            messages.success(
                request,
                _("Đã gửi yêu cầu %(number)s. Chúng tôi sẽ báo khi yêu cầu có tiến triển.")
                % {"number": opened.number},
            )
            if (
                opened.outage_reference
            ):  # "no power" under a known outage: linked to it, told when power is back
                messages.info(request, _("Khu vực của quý khách đang mất điện đã biết (%(outage)s); yêu cầu đã được gắn "
                                         "với sự việc này và quý khách sẽ được báo khi có điện lại.") % {"outage": opened.outage_reference})  # fmt: skip
            return redirect("portal:request", number=opened.number)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "portal/requests/new.html",
        {
            "form": form,
            "kind": kind,
            "name": kind.name(language),
            "promise": _promise_text(kind),
            "photo_errors": photo_errors,
            "hotline": HOTLINE,
        },  # fmt: skip
        status=status,
    )


@never_cache
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One request: its state as steps, its deadline, history, photos, and the survey once closed."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    item = selectors.request_for_customer(user=request.user, number=number)
    if item is None:
        return _not_found(request)
    reached = STEPS.index(item.state) if item.state in STEPS else -1
    steps = [
        {"label": RequestState(s).label, "done": i <= reached, "current": i == reached}
        for i, s in enumerate(STEPS)
    ]
    history = [
        {"when": _when(h.at), "state": RequestState(h.to_state).label}
        for h in selectors.request_history(request=item)
    ]
    survey = getattr(item, "survey", None) if item.state == RequestState.CLOSED else None
    return render(
        request,
        "portal/requests/detail.html",
        {
            "item": item, "type": item.request_type.name(translation.get_language()), "steps": steps, "history": history,
            "due": _when(item.due_at), "opened": _when(item.opened_at), "is_open": item.state in OPEN_STATES,
            "photos": selectors.request_attachments(request=item).count(), "survey": survey,
            "survey_token": services.survey_token(survey=survey) if survey else "",
            "fields": [(FIELD_LABELS.get(k, k), v) for k, v in item.fields.items()], "hotline": HOTLINE,
        },
    )  # fmt: skip


@require_POST
def request_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """The customer withdraws an open request of theirs."""
    customer, response = _customer_or_redirect(request)
    if response is not None:
        return response
    item = selectors.request_for_customer(user=request.user, number=number)
    if item is None:
        return _not_found(request)
    try:
        services.request_cancel(request=item, by=request.user, now=timezone.now(), note=_("Khách hàng huỷ"))
    except services.ServiceDeskError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Đã huỷ yêu cầu %(number)s.") % {"number": item.number})
    return redirect("portal:request", number=item.number)


@never_cache
@require_http_methods(["GET", "POST"])
def request_survey(request: HttpRequest, token: str) -> HttpResponse:
    """The one-question survey of a closed request, by its signed link (no sign-in needed)."""
    survey = services.survey_from_token(token=token)
    if survey is None:
        return _not_found(request)
    error = ""
    status = 200
    if request.method == "POST" and survey.answered_at is None:
        try:
            survey = services.survey_answer(
                survey=survey,
                score=request.POST.get("score"),
                comment=request.POST.get("comment", ""),
                now=timezone.now(),
            )
        except services.ServiceDeskError as refused:
            error, status = refused.message, 400
    return render(
        request,
        "portal/requests/survey.html",
        {
            "survey": survey,
            "item": survey.request,
            "type": survey.request.request_type.name(translation.get_language()),
            "error": error,
            "scores": [
                (5, _("Rất hài lòng")),
                (4, _("Hài lòng")),
                (3, _("Bình thường")),
                (2, _("Chưa hài lòng")),
                (1, _("Rất không hài lòng")),
            ],
            "hotline": HOTLINE,
        },  # fmt: skip
        status=status,
    )
