"""Reads of the notifications area: recipients by grid element, preferences with defaults, inbox, reports."""

import datetime as dt
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from gridcare.core.bulk import is_postgresql
from gridcare.customers.models import Account, ServicePoint
from gridcare.metering import consumption
from gridcare.metering import selectors as metering_selectors
from gridcare.metering.models import Reading
from gridcare.notifications.models import (
    CHOOSABLE_TOPICS,
    Channel,
    ConsumptionAlert,
    Notice,
    OutboxMessage,
    Preference,
    PushSubscription,
    Topic,
)
from gridcare.org import policy
from gridcare.org.models import Unit

ELECTRONIC_BILL_CHANNELS = (Channel.PUSH, Channel.EMAIL, Channel.ZALO)


def accounts_on_grid(*, feeder_ids=(), transformer_station_ids=()) -> QuerySet[Account]:
    """Accounts with a service point under the given feeders or transformer stations (one query).

    The service points give the account ids directly (no join back to the accounts inside the sub-query).
    """
    points = ServicePoint.objects.filter(
        Q(transformer_station_id__in=list(transformer_station_ids))
        | Q(transformer_station__feeder_id__in=list(feeder_ids))
    )
    return Account.objects.filter(pk__in=points.values("account_id")).order_by("pk")


def preferences_for_account(*, account: Account) -> dict[str, dict[str, bool]]:
    """{topic: {channel: enabled}} as delivery will apply it (stored choices over the defaults)."""
    has_push = PushSubscription.objects.filter(account=account, active=True).exists()
    contact = {
        Channel.INBOX: account.customer.user_id is not None or account.links.exists(),
        Channel.EMAIL: bool(account.email),
        Channel.ZALO: bool(account.zalo_user_id and account.phone),
        Channel.PUSH: has_push,
        Channel.SMS: bool(account.phone),
    }
    default = {c: contact[c] for c in contact}
    default[Channel.SMS] = contact[Channel.SMS] and not (account.email or account.zalo_user_id or has_push)
    stored = {
        (p.topic, p.channel): p.enabled for p in Preference.objects.filter(account=account).order_by("pk")
    }
    return {
        topic.value: {c.value: contact[c] and stored.get((topic.value, c.value), default[c]) for c in Channel}
        for topic in CHOOSABLE_TOPICS
    }


def preferences_refused(*, account: Account, channels: list[str]) -> set[tuple[str, str]]:
    """(topic, channel) pairs among `channels` that the account has explicitly switched off."""
    rows = Preference.objects.filter(account=account, channel__in=list(channels), enabled=False)
    return set(rows.order_by("pk").values_list("topic", "channel"))


def consumption_alert_for_account(*, account: Account) -> ConsumptionAlert | None:
    """The account's consumption alert, if it ever set one (active or not)."""
    return ConsumptionAlert.objects.filter(account=account).first()


def inbox_for_account(*, account: Account, limit: int = 50, without_topics=()) -> QuerySet[OutboxMessage]:
    """The account's in-app inbox, newest first (render each with `rendering.render`), without the given topics."""
    rows = OutboxMessage.objects.filter(account=account, channel=Channel.INBOX)
    if without_topics:
        rows = rows.exclude(notice__topic__in=list(without_topics))
    return rows.select_related("notice").order_by("-created_at", "-pk")[:limit]


def outbox_ids_for_accounts(*, account_ids: list[int], since: dt.datetime, limit: int = 1000) -> list[int]:
    """Ids of the messages to these accounts of notices created since `since`, newest first.

    The outbox has no index led by the account (it would slow every fan-out down). A notice to one
    customer (one-time codes, alerts: most notices) names its account, which is indexed; on PostgreSQL
    the other notices are probed through the (notice, account, channel) index, one probe per recent
    notice to many customers: a few milliseconds per thousand such notices, whatever the outbox's size.
    """
    if not account_ids:
        return []
    if not is_postgresql():
        rows = OutboxMessage.objects.filter(account_id__in=account_ids, notice__created_at__gte=since)
        return list(rows.order_by("-pk").values_list("pk", flat=True)[:limit])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            (SELECT m.id FROM notifications_notice n
               JOIN notifications_outboxmessage m ON m.notice_id = n.id AND m.account_id = n.account_id
              WHERE n.account_id = ANY(%s) AND n.created_at >= %s)
            UNION ALL
            (SELECT o.id FROM notifications_notice n
             CROSS JOIN LATERAL (SELECT m.id FROM notifications_outboxmessage m
                                  WHERE m.notice_id = n.id AND m.account_id = ANY(%s)) o
              WHERE n.account_id IS NULL AND n.created_at >= %s)
             ORDER BY 1 DESC LIMIT %s
            """,
            [list(account_ids), since, list(account_ids), since, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def notice_ids_by_key(*, term: str, limit: int = 200) -> list[int]:
    """Notices whose key contains `term` (a bill run, an outage…), newest first."""
    return list(
        Notice.objects.filter(key__icontains=term).order_by("-pk").values_list("pk", flat=True)[:limit]
    )


def messages_for_notice(*, notice_id: int) -> dict[str, dict[str, int]]:
    """{channel: {status: count}} for one notice: what went out where."""
    result: dict[str, dict[str, int]] = {}
    rows = (
        OutboxMessage.objects.filter(notice_id=notice_id)
        .values("channel", "status")
        .annotate(n=Count("pk"))
        .order_by("channel", "status")
    )
    for row in rows:
        result.setdefault(row["channel"], {})[row["status"]] = row["n"]
    return result


def _disabled(channel: str, topic: str = Topic.BILLS) -> Exists:
    return Exists(
        Preference.objects.filter(account=OuterRef("pk"), topic=topic, channel=channel, enabled=False)
    )


def reachability_by_unit(*, unit_ids: list[int] | None = None) -> list[dict[str, Any]]:
    """Per managing unit: active accounts, the share reachable on each channel, and e-bill adoption.

    E-bill adoption: the account receives bills on at least one electronic channel (app push,
    e-mail or Zalo) that reaches it, instead of paper only.
    """
    accounts = Account.objects.exclude(status=Account.Status.CLOSED)
    if unit_ids is not None:
        accounts = accounts.filter(unit_id__in=unit_ids)
    has_push = Exists(PushSubscription.objects.filter(account=OuterRef("pk"), active=True))
    accounts = accounts.annotate(
        has_push=has_push,
        push_off=_disabled(Channel.PUSH), email_off=_disabled(Channel.EMAIL), zalo_off=_disabled(Channel.ZALO),
    )  # fmt: skip
    email = Q(email__gt="")
    sms = Q(phone__gt="")
    zalo = Q(zalo_user_id__gt="", phone__gt="")
    push = Q(has_push=True)
    inbox = Q(customer__user__isnull=False)
    ebill = (push & Q(push_off=False)) | (email & Q(email_off=False)) | (zalo & Q(zalo_off=False))
    rows = (
        accounts.values("unit_id")
        .annotate(
            total=Count("pk"),
            n_email=Count("pk", filter=email),
            n_sms=Count("pk", filter=sms),
            n_zalo=Count("pk", filter=zalo),
            n_push=Count("pk", filter=push),
            n_inbox=Count("pk", filter=inbox),
            n_unreachable=Count("pk", filter=~(email | sms | zalo | push)),
            n_ebill=Count("pk", filter=ebill),
        )  # fmt: skip
        .order_by("unit_id")
    )
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["unit_id"] for r in rows])}
    report = []
    for row in rows:
        total = row["total"] or 1
        entry = {"unit": units[row["unit_id"]], "unit_id": row["unit_id"], "total": row["total"]}
        for name in ("email", "sms", "zalo", "push", "inbox", "unreachable", "ebill"):
            entry[name] = row[f"n_{name}"]
            entry[f"{name}_share"] = round(100.0 * row[f"n_{name}"] / total, 1)
        report.append(entry)
    return report


def period_consumption_for_alerts(*, since: dt.date) -> dict[str, np.ndarray]:
    """For each active alert whose account has a new reading on or after `since`: its latest month and the one before.

    Both are periods of the one consumption rule (`metering.consumption.consumption_by_month`): the month closed by
    its last reading and opened by the last reading before it, as on the portal's chart and on the bills. The
    readings start at each account's last reading before the month before `since`'s, so no gap loses energy.
    """
    alerts = ConsumptionAlert.objects.filter(active=True)
    window = consumption.month_start(consumption.month_index(since) - 1)
    before = Reading.objects.filter(account_id=OuterRef("account_id"), read_on__lt=window).order_by(
        "-read_on"
    )
    bases = dict(
        alerts.annotate(base_on=Subquery(before.values("read_on")[:1])).values_list("account_id", "base_on")
    )
    empty = {
        k: np.array([], dtype=np.int64) for k in ("account_id", "kind", "threshold", "kwh", "previous_kwh")
    }
    empty["read_on"] = np.array([], dtype=object)
    if not bases:
        return empty
    base_day = {a: (b or window).toordinal() for a, b in bases.items()}
    earliest = dt.date.fromordinal(min(base_day.values()))
    series, _serials = metering_selectors.reading_series(
        readings=Reading.objects.filter(account_id__in=alerts.values("account_id"), read_on__gte=earliest)
    )
    starts = np.array([base_day.get(int(a), 0) for a in series.account.tolist()], dtype=np.int64)
    series = series.take(np.flatnonzero(series.day >= starts))
    if not len(series):
        return empty
    months = consumption.consumption_by_month(series=series)
    last = np.flatnonzero(
        np.r_[months.account[1:] != months.account[:-1], True]
    )  # each account's latest month
    accounts, kwh = months.account[last], months.consumption.kwh[last]
    latest_on = series.day[months.closing[last]]
    # The month before the latest, when it has readings (its row comes just before the latest one).
    before = np.maximum(last - 1, 0)
    has_before = (
        (last > 0) & (months.account[before] == accounts) & (months.month[before] == months.month[last] - 1)
    )
    prev = np.where(has_before, months.consumption.kwh[before], 0)
    alert_rows = {
        a.account_id: a for a in alerts.filter(account_id__in=accounts.tolist()).order_by("account_id")
    }
    since_day = since.toordinal()
    keep = [
        i for i, a in enumerate(accounts.tolist())
        if a in alert_rows and latest_on[i] >= since_day
        and (alert_rows[a].last_alerted_on is None or alert_rows[a].last_alerted_on.toordinal() < latest_on[i])
    ]  # fmt: skip
    picked = accounts[keep]
    return {
        "account_id": picked,
        "kind": np.array(
            [0 if alert_rows[int(a)].kind == ConsumptionAlert.Kind.KWH else 1 for a in picked], dtype=np.int64
        ),
        "threshold": np.array([alert_rows[int(a)].threshold for a in picked], dtype=np.int64),
        "kwh": kwh[keep],
        "previous_kwh": prev[keep],
        "read_on": np.array([dt.date.fromordinal(int(d)) for d in latest_on[keep]], dtype=object),
    }


def outbox_message_text(*, message: OutboxMessage, hide_sealed: bool = False) -> str:
    """The subject and text of one outbox message as its recipient gets it (or why it cannot be rendered).

    `hide_sealed` shows sealed parameters (one-time codes) as asterisks: staff see what was sent, not the code.
    """
    from gridcare.notifications.rendering import TemplateError, render, sealed_hidden, template_find

    language = message.account.preferred_language or "vi"
    context = {
        "customer_code": message.account.code, "customer_name": message.account.customer.name,
        **(message.notice.context or {}), **(message.context or {}),
    }  # fmt: skip
    if hide_sealed:
        context = sealed_hidden(context)
    try:
        template = template_find(key=message.notice.template_key, channel=message.channel, language=language)
        rendered = render(template=template, context=context, language=language)
    except TemplateError as exc:
        return f"[{exc.code}] {exc}"
    return f"{rendered.subject}\n{rendered.body}".strip()


def outbox_visible(*, user) -> QuerySet[OutboxMessage]:
    """The outbox messages a staff member may see (`org.policy`)."""
    return policy.records(OutboxMessage.objects.all(), user=user)
