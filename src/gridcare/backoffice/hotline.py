"""The hotline desk: staff take a call, find the customer (code, phone or its last digits, name), choose the
request type, describe it, and open the request (its clock starts, the customer gets a receipt notice).

Everything goes through `servicedesk.selectors` / `servicedesk.services` and the access policy
(`servicedesk.open_for_customer` on the account's unit): a contract outside the staff member's units is the same
404 as an unknown one. A "no power" call under a known outage is linked to it (the page says so before opening).
A refused form is shown again with what was typed.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.search import account_search_q
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.org import policy
from gridcare.servicedesk import selectors, services
from gridcare.servicedesk.models import FIELD_CHOICES, Channel


def _local(moment) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%H:%M %d/%m/%Y}" if moment else str(_("chưa xác định"))


class _TypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name(translation.get_language())


class HotlineForm(forms.Form):
    request_type = _TypeChoice(label=_("Loại yêu cầu"), queryset=None, empty_label=_("— chọn loại yêu cầu —"))
    description = forms.CharField(
        label=_("Nội dung cuộc gọi"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    extra_works = forms.BooleanField(label=_("Cần kéo thêm đường dây hoặc thi công thêm"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_type"].queryset = selectors.request_types_open()
        for name, label in FIELD_CHOICES:
            self.fields[f"field_{name}"] = forms.CharField(label=label, max_length=200, required=False)

    def field_values(self) -> dict:
        return {name: self.cleaned_data.get(f"field_{name}", "") for name, _label in FIELD_CHOICES}


def hotline_view(request, admin_site):
    """Find the caller's contract, then open the request for them."""
    if not policy.may(user=request.user, action="servicedesk.open_for_customer"):
        raise PermissionDenied
    term = request.GET.get("q", "").strip()[:100]
    code = request.GET.get("account", "").strip()[:20]
    context = {**admin_site.each_context(request), "title": _("Nhận yêu cầu qua tổng đài"), "q": term}
    if not code:
        context["results"] = (
            list(selectors.accounts_for_hotline(user=request.user, match=account_search_q(term)))
            if term
            else None
        )
        return TemplateResponse(request, "admin/servicedesk/hotline.html", context)
    account = selectors.account_for_hotline(user=request.user, code=code)
    if account is None:
        raise Http404
    now = timezone.now()
    outage = services.known_outage(account=account, now=now)
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.request_open(
                account=account, request_type=form.cleaned_data["request_type"], now=now, by=request.user,
                description=form.cleaned_data["description"], fields=form.field_values(),
                extra_works=form.cleaned_data["extra_works"], channel=Channel.HOTLINE,
            )  # fmt: skip
        except services.ServiceDeskError as refused:
            for name in refused.details.get("fields", []):
                form.add_error(f"field_{name}", _("Loại yêu cầu này cần thông tin này."))
            form.add_error(None, refused.message)
        except policy.AccessDenied as denied:
            form.add_error(None, denied.message)
        else:
            text = _("Đã mở yêu cầu %(n)s, hạn hoàn thành %(due)s; khách hàng đã được gửi thông báo tiếp nhận.") % {
                "n": opened.number, "due": _local(opened.due_at)}  # fmt: skip
            if opened.outage_reference:
                text = f"{text} " + _("Yêu cầu được gắn với mất điện đã biết (%(o)s): không cử đội đến, khách hàng "
                                      "sẽ được báo khi có điện lại.") % {"o": opened.outage_reference}  # fmt: skip
            messages.success(request, text)
            return redirect(reverse("admin:servicedesk_servicerequest_changelist") + f"?q={opened.number}")
    context.update({
        "account": account, "form": form, "outage": outage,
        "outage_end": _local(outage.scheduled_end) if outage is not None else "",
        "open_requests": selectors.open_requests_of_account(account=account),
    })  # fmt: skip
    return TemplateResponse(request, "admin/servicedesk/hotline.html", context)
