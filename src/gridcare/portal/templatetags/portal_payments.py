"""Template helpers of the portal's payment pages: what is left to pay on a bill, local times."""

from django import template
from django.utils import timezone, translation

from gridcare.core import formatting
from gridcare.payments import selectors

register = template.Library()


@register.simple_tag
def bill_payment(bill):
    """{"paid", "outstanding", "owed"} of one bill: allocated so far, left to pay (after credit), whether it is owed."""
    owed = bill.kind == "invoice" and bill.status == "issued"
    if not owed:
        return {"paid": 0, "outstanding": 0, "owed": False}
    balance = selectors.account_balance(account=bill.account_id, today=formatting.local_date(timezone.now()))
    left = next((row.outstanding for row in balance.bills if row.bill.pk == bill.pk), 0)
    return {"paid": selectors.bill_paid_amount(bill=bill), "outstanding": left, "owed": True}


@register.filter
def moment(value):
    """`HH:MM dd/mm/yyyy` in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    local = value.astimezone(formatting.BUSINESS_TZ)
    return f"{local:%H:%M} {formatting.format_day(local.date(), language=translation.get_language())}"
