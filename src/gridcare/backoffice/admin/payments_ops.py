"""Back office of payments' operations: one account's balance and payment history, refunds through the gateways,
and the daily reconciliation per channel with the differences to act on.

Every page asks `org.policy`: the account page is for staff who may view payments of the account's unit (another
unit's account is a 404), a refund needs `payments.refund` on it, a difference `payments.reconcile` within reach.
"""

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.site import admin_site
from gridcare.core.admin_mixins import ReadOnlyAdminMixin
from gridcare.core.formatting import format_day, format_vnd
from gridcare.customers.selectors import accounts_visible
from gridcare.org import policy
from gridcare.payments import reconciliation, refunds, selectors
from gridcare.payments.models import Channel, Payment, ReconciliationDifference, ReconciliationRun, Refund
from gridcare.payments.services import PaymentError


def _money(value) -> str:
    return format_vnd(value, language=translation.get_language()) if value is not None else "—"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else "—"


def account_money_url(account) -> str:
    """The staff page of an account's balance and payment history."""
    return reverse("admin:payments_account_money", args=[getattr(account, "code", account)])


def account_money_view(request, code: str):
    """One account's balance (due, overdue, credit, bills left), payments with allocations and refunds, orders."""
    if not policy.may_record(user=request.user, model=Payment, verb="view"):
        raise PermissionDenied
    account = accounts_visible(user=request.user).select_related("customer", "unit").filter(
        code=code.strip().upper()).first()  # fmt: skip
    if account is None:
        raise Http404(_("Không có hợp đồng này trong các đơn vị của bạn."))
    language = translation.get_language()
    today = timezone.localdate()
    balance = selectors.account_balance(account=account, today=today)
    payments = list(policy.records(selectors.payments_for_account(account=account), user=request.user)
                    .prefetch_related("allocations__bill", "reversals", "refunds")[:50])  # fmt: skip
    may_refund = policy.may(user=request.user, action="payments.refund", unit_id=account.unit_id)
    rows = []
    for p in payments:
        allocated = sum(a.amount for a in p.allocations.all())
        reversed_ = sum(r.amount for r in p.reversals.all())
        rows.append({
            "payment": p, "channel": Channel(p.channel).label, "amount": _money(p.amount), "when": _when(p.received_at),
            "bills": sorted({a.bill.number for a in p.allocations.all() if a.amount > 0}),
            "free": _money(p.amount - allocated - reversed_) if p.amount - allocated - reversed_ else "",
            "reversed": _money(reversed_) if reversed_ else "",
            "refunds": [{"amount": _money(r.amount), "status": r.get_status_display(), "reason": r.reason,
                         "pending": r.status == Refund.Status.PENDING} for r in p.refunds.all()],  # fmt: skip
            "refund_url": reverse("admin:payments_payment_refund", args=[p.pk])
            if may_refund and p.channel in refunds.GATEWAYS and p.gateway_transaction else "",
        })  # fmt: skip
    orders = list(selectors.orders_for_account(account=account)[:10])
    context = {
        **admin_site.each_context(request),
        "title": _("Số dư và lịch sử thanh toán — %(code)s") % {"code": account.code},
        "account": account,
        "due": _money(balance.due),
        "overdue": _money(balance.overdue),
        "credit": _money(balance.credit),
        "bills": [
            {
                "number": d.bill.number,
                "period": f"{d.bill.period:%m/%Y}",
                "left": _money(d.outstanding),
                "due": format_day(d.bill.due_date, language=language) if d.bill.due_date else "",
                "overdue": d.overdue,
            }
            for d in balance.bills
        ],  # fmt: skip
        "rows": rows,
        "orders": [
            {
                "reference": o.reference,
                "gateway": Channel(o.gateway).label,
                "amount": _money(o.amount),
                "status": o.get_status_display(),
                "when": _when(o.created_at),
            }
            for o in orders
        ],  # fmt: skip
        "overview_url": reverse("admin:customer_overview", args=[account.code]),
    }
    return TemplateResponse(request, "backoffice/payments/account_money.html", context)


class RefundForm(forms.Form):
    amount = forms.IntegerField(label=_("Số tiền hoàn (đồng)"), min_value=1)
    reason = forms.CharField(
        label=_("Lý do hoàn tiền"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    request_key = forms.CharField(widget=forms.HiddenInput)


def refund_view(request, pk: int):
    """Ask the gateway to refund (part of) one payment, with a reason; shown again with the input when refused."""
    payment = get_object_or_404(
        policy.records(Payment.objects.select_related("account"), user=request.user), pk=pk
    )
    if not policy.may(user=request.user, action="payments.refund", unit_id=payment.account.unit_id):
        raise PermissionDenied
    refundable = refunds.refundable_amount(payment=payment)
    form = RefundForm(
        request.POST or None, initial={"amount": refundable, "request_key": secrets.token_hex(16)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            refund = refunds.refund_request(payment=payment, amount=form.cleaned_data["amount"], now=timezone.now(),
                                            reason=form.cleaned_data["reason"], by=request.user,
                                            request_key=form.cleaned_data["request_key"])  # fmt: skip
        except PaymentError as refused:
            form.add_error(
                "amount" if refused.code in ("exceeds_payment", "invalid_amount") else None, refused.message
            )
        except policy.AccessDenied as denied:
            form.add_error(None, denied.message)
        else:
            text = {
                Refund.Status.DONE: _("Cổng thanh toán đã hoàn %(amount)s; sổ đã ghi bút toán hoàn tiền."),
                Refund.Status.PENDING: _("Đã gửi yêu cầu hoàn %(amount)s; đang chờ cổng thanh toán xác nhận (sẽ hỏi lại tự động)."),
                Refund.Status.FAILED: _("Cổng thanh toán từ chối hoàn %(amount)s: %(why)s"),
            }[refund.status] % {"amount": _money(refund.amount), "why": refund.result_message or refund.result_code}  # fmt: skip
            (messages.success if refund.status == Refund.Status.DONE else messages.warning)(request, text)
            return redirect(account_money_url(payment.account))
    context = {
        **admin_site.each_context(request), "title": _("Hoàn tiền khoản thanh toán %(n)s") % {"n": payment.receipt_number},
        "payment": payment, "channel": Channel(payment.channel).label, "amount": _money(payment.amount),
        "refundable": _money(refundable), "form": form, "back": account_money_url(payment.account),
    }  # fmt: skip
    return TemplateResponse(request, "backoffice/payments/refund.html", context)


@admin.register(Refund, site=admin_site)
class RefundAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = [
        "created_at",
        "account",
        "channel",
        "amount_vnd",
        "status",
        "reason",
        "created_by",
        "settled_at",
    ]
    list_filter = ["status", "channel", "created_at"]
    list_select_related = ["account", "created_by"]
    search_fields = ["reference", "=account__code", "gateway_reference"]
    raw_id_fields = ["payment", "account", "reversal", "created_by"]
    exclude = ["request_key"]
    ordering = ["-created_at", "-pk"]

    @admin.display(description=_("Số tiền"))
    def amount_vnd(self, obj):
        return _money(obj.amount)


@admin.register(ReconciliationRun, site=admin_site)
class ReconciliationRunAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = ["day", "channel_name", "their", "ours", "matched_count", "differences"]
    list_filter = ["channel", "day"]
    ordering = ["-day", "channel", "pk"]

    @admin.display(description=_("kênh"), ordering="channel")
    def channel_name(self, obj):
        return Channel(obj.channel).label

    @admin.display(description=_("bên kia"))
    def their(self, obj):
        return f"{obj.their_count} — {_money(obj.their_total)}"

    @admin.display(description=_("sổ của ta"))
    def ours(self, obj):
        return f"{obj.our_count} — {_money(obj.our_total)}"

    @admin.display(description=_("chênh lệch"))
    def differences(self, obj):
        if not obj.difference_count:
            return "0"
        url = reverse("admin:payments_reconciliationdifference_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.difference_count)


@admin.register(ReconciliationDifference, site=admin_site)
class ReconciliationDifferenceAdmin(ReadOnlyAdminMixin, UnitScopedAdmin):
    list_display = [
        "day",
        "channel_name",
        "kind",
        "reference",
        "our_vnd",
        "their_vnd",
        "account",
        "status",
        "act",
    ]
    list_filter = ["status", "kind", "channel", "day"]
    list_select_related = ["account"]
    search_fields = ["reference", "gateway_transaction", "=account__code"]
    raw_id_fields = ["run", "account", "resolved_by"]
    ordering = ["-day", "channel", "pk"]

    @admin.display(description=_("kênh"), ordering="channel")
    def channel_name(self, obj):
        return Channel(obj.channel).label

    @admin.display(description=_("số tiền trong sổ"))
    def our_vnd(self, obj):
        return _money(obj.our_amount)

    @admin.display(description=_("số tiền bên kia"))
    def their_vnd(self, obj):
        return _money(obj.their_amount)

    @admin.display(description=_("xử lý"))
    def act(self, obj):
        if obj.status != ReconciliationDifference.Status.OPEN:
            return obj.note or "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:payments_reconciliationdifference_resolve", args=[obj.pk]), _("Xử lý"))  # fmt: skip

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/resolve/", view(self.resolve_view), name="payments_reconciliationdifference_resolve"),
                *super().get_urls()]  # fmt: skip

    def resolve_view(self, request, pk):
        """Ask the gateway again and record the payment (money they have and we do not), or close it with a note."""
        difference = get_object_or_404(self.get_queryset(request), pk=pk)
        may_act = policy.may(user=request.user, action="payments.reconcile", unit_id=difference.unit_id)
        error = ""
        note = request.POST.get("note", "").strip()[:300]
        if request.method == "POST":
            if not may_act:
                raise PermissionDenied
            now = timezone.now()
            try:
                if "ask" in request.POST:
                    if reconciliation.difference_record_from_gateway(
                        difference=difference, by=request.user, now=now
                    ):
                        messages.success(
                            request, _("Cổng xác nhận đã thu: khoản thanh toán đã được ghi sổ và phân bổ.")
                        )
                        return redirect(reverse("admin:payments_reconciliationdifference_changelist"))
                    error = _("Cổng không xác nhận giao dịch này đã thanh toán: hãy liên hệ cổng thanh toán.")
                else:
                    reconciliation.difference_resolve(
                        difference=difference, by=request.user, now=now, note=note
                    )
                    messages.success(request, _("Đã ghi nhận cách xử lý chênh lệch."))
                    return redirect(reverse("admin:payments_reconciliationdifference_changelist"))
            except PaymentError as refused:
                error = refused.message
            except policy.AccessDenied:
                raise PermissionDenied from None
            except reconciliation.GatewayError as exc:
                error = _("Không hỏi được cổng thanh toán (%(why)s); hãy thử lại sau.") % {"why": exc.message}
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "d": difference, "may_act": may_act,
            "title": _("Chênh lệch đối soát %(ref)s") % {"ref": difference.reference}, "error": error, "note": note,
            "channel": Channel(difference.channel).label, "our": _money(difference.our_amount),
            "their": _money(difference.their_amount),
            "may_ask": difference.kind == ReconciliationDifference.Kind.MISSING_OURS
            and difference.channel in reconciliation.GATEWAY_CHANNELS,
        }  # fmt: skip
        return TemplateResponse(request, "backoffice/payments/difference_resolve.html", context)
