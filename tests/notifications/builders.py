"""Builders for notification tests (the shared factories stay untouched)."""

import datetime as dt
import re

from gridcare.core.models import User
from gridcare.notifications import selectors
from gridcare.notifications.models import OutboxMessage, Template
from tests import factories

NOON = dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Ho_Chi_Minh
NIGHT = dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC)  # 23:00 in Asia/Ho_Chi_Minh


def contact_account(world, *, phone="", email="", zalo="", portal=False, language="vi", team=None):
    """An account with the given contacts (and a portal user when `portal`)."""
    acct = factories.account(world, phone=phone, email=email, team=team)
    changed = []
    if zalo:
        acct.zalo_user_id = zalo
        changed.append("zalo_user_id")
    if language != "vi":
        acct.preferred_language = language
        changed.append("preferred_language")
    if changed:
        acct.save(update_fields=changed)
    if portal:
        customer = acct.customer
        customer.user = User.objects.create_user(username=acct.code, password="x-not-used-123")
        customer.save(update_fields=["user"])
    return acct


def template(*, key="test_notice", channel="sms", language="vi", body="Xin chào {customer_code}", subject="Tiêu đề",
             parameters=None, zns_template_id="", topic="programmes"):  # fmt: skip
    return Template.objects.update_or_create(
        key=key, channel=channel, language=language,
        defaults={"topic": topic, "body": body, "subject": subject, "parameters": parameters or {}, "zns_template_id": zns_template_id},
    )[0]  # fmt: skip


def code_sent(message: OutboxMessage) -> str:
    """The one-time code in a message, read from the text as its recipient gets it (the notice keeps it sealed)."""
    text = selectors.outbox_message_text(message=message)
    found = re.findall(r"\b\d{6}\b", text)
    assert len(found) == 1, text
    return found[0]
