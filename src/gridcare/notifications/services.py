"""Writes of the notifications area: `notify`, preferences, push subscriptions, OTP codes, alerts, outbox states.

`notify` is the one call other areas make. It writes the outbox rows in the caller's transaction
(set-based: one INSERT … SELECT over the recipients, their contacts and their preferences), and
asks for delivery only when that transaction commits.
"""

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gridcare.core import throttle
from gridcare.core.audit import audit_record
from gridcare.core.bulk import bulk_insert, copy_int64_column, copy_int64_columns, insert_once, is_postgresql
from gridcare.core.formatting import BUSINESS_TZ
from gridcare.core.sealing import seal
from gridcare.customers.models import Account
from gridcare.notifications import conf, queueing
from gridcare.notifications.models import (
    CHOOSABLE_TOPICS,
    QUEUED_CHANNELS,
    Channel,
    ConsumptionAlert,
    Notice,
    OtpChallenge,
    OtpPurpose,
    OutboxMessage,
    OutboxStatus,
    Preference,
    ProviderState,
    PushSubscription,
    Topic,
    Urgency,
)
from gridcare.notifications.pushendpoints import push_endpoint_allowed

# Channels that buzz a phone: they wait for the end of quiet hours unless the notice is urgent.
INTRUSIVE_CHANNELS = (Channel.PUSH, Channel.SMS, Channel.ZALO)
ALL_CHANNELS = (Channel.INBOX, Channel.PUSH, Channel.EMAIL, Channel.ZALO, Channel.SMS)
_STAGE = "gc_notify_recipients"


class NotificationError(ValueError):
    """A refused request, with a stable `code` for interfaces and a message for people."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details


@dataclasses.dataclass(frozen=True)
class RecipientNumbers:
    """Recipients with whole numbers of their own (a bill's amount…), for `notify(recipients=…)`.

    `numbers` maps a context key to (unit, values): unit "vnd" or "kwh" gives each row the context
    `{key: {unit: n}}` (how templates format money and energy), None gives `{key: n}`. The arrays travel
    to PostgreSQL in binary and the database builds each row's context; nothing is formatted per
    recipient in Python.
    """

    account_ids: np.ndarray
    numbers: dict[str, tuple[str | None, np.ndarray]]

    UNITS = (None, "vnd", "kwh")

    def __post_init__(self):
        ids = np.asarray(self.account_ids, dtype=np.int64)
        object.__setattr__(self, "account_ids", ids)
        for key, (unit, values) in self.numbers.items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key) or unit not in self.UNITS:
                raise ValueError(f"bad context key or unit: {key!r}, {unit!r}")
            if len(values) != len(ids):
                raise ValueError(f"{key!r}: {len(values)} values for {len(ids)} recipients")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("an account appears twice among the recipients")

    def contexts(self) -> dict[int, dict[str, Any]]:
        """The same as a {account_id: context} mapping (for SQLite)."""
        contexts: dict[int, dict[str, Any]] = {account: {} for account in self.account_ids.tolist()}
        for key, (unit, values) in self.numbers.items():
            for context, n in zip(contexts.values(), np.asarray(values).tolist(), strict=True):
                context[key] = n if unit is None else {unit: n}
        return contexts


def _stage_numbers(cursor, table: str, recipients: RecipientNumbers) -> None:
    """PostgreSQL: binary COPY of the ids and numbers, then one INSERT that builds each context."""
    keys = list(recipients.numbers)
    cursor.execute("DROP TABLE IF EXISTS gc_notify_numbers")
    columns = "".join(f", v{i} bigint" for i in range(len(keys)))
    cursor.execute(f"CREATE TEMPORARY TABLE gc_notify_numbers (account_id bigint NOT NULL{columns}) ON COMMIT DROP")
    arrays = {"account_id": recipients.account_ids}
    arrays.update({f"v{i}": np.asarray(recipients.numbers[k][1], dtype=np.int64) for i, k in enumerate(keys)})
    copy_int64_columns(table="gc_notify_numbers", columns=arrays)
    parts = []
    for i, key in enumerate(keys):
        unit = recipients.numbers[key][0]
        parts.append(f"'{key}', " + (f"v{i}" if unit is None else f"jsonb_build_object('{unit}', v{i})"))
    # Keys and units are checked by RecipientNumbers.
    sql = f"INSERT INTO {table} (account_id, context) SELECT account_id, jsonb_build_object({', '.join(parts)}) FROM gc_notify_numbers ORDER BY account_id"  # noqa: S608, E501
    cursor.execute(sql)


# --- quiet hours -------------------------------------------------------------------------------


def quiet_until(*, now: dt.datetime) -> dt.datetime | None:
    """The end of the current quiet period when `now` is inside one, else None."""
    start, end = conf.quiet_hours()
    if start == end:
        return None
    local = now.astimezone(BUSINESS_TZ)
    inside = (start <= local.hour or local.hour < end) if start > end else (start <= local.hour < end)
    if not inside:
        return None
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), tzinfo=BUSINESS_TZ)


# --- fan-out ---------------------------------------------------------------------------------


def _stage_table_create(cursor) -> str:
    if is_postgresql():
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (account_id bigint NOT NULL, context jsonb) ON COMMIT DROP"
        )
    else:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (account_id integer PRIMARY KEY, context text)")
    cursor.execute(f"DELETE FROM {_STAGE}")  # noqa: S608 - a constant table name
    return _STAGE


def _unique_ids(recipients: Any) -> np.ndarray:
    """Account ids as a sorted int64 array without repeats (sort and compare: faster than np.unique's hashing)."""
    try:
        ids = np.array(recipients if isinstance(recipients, np.ndarray | list | tuple) else list(recipients), dtype=np.int64)
    except (TypeError, ValueError):
        ids = np.fromiter((int(i) for i in recipients), dtype=np.int64)
    ids = np.sort(ids.ravel())
    if len(ids) > 1:
        ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
    return ids


def _stage_recipients(cursor, recipients: Any) -> str:
    """Stage the recipients as (account_id, context) rows, unique and in account order; returns the table."""
    table = _stage_table_create(cursor)
    if isinstance(recipients, QuerySet):
        # Staged like a list, in the database: the planner then knows how many recipients there are
        # (a grid query inlined into the fan-out was estimated at 1 % of its rows, and planned for that).
        sql, params = recipients.values("pk").query.sql_with_params()
        # In account order, as a list is staged: the outbox's unique index then grows at its right end.
        cursor.execute(f"INSERT INTO {table} (account_id) SELECT DISTINCT q.* FROM ({sql}) q ORDER BY 1", params)  # noqa: S608
    elif isinstance(recipients, RecipientNumbers) and is_postgresql():
        _stage_numbers(cursor, table, recipients)
    elif isinstance(recipients, Mapping | RecipientNumbers):
        if isinstance(recipients, RecipientNumbers):
            recipients = recipients.contexts()
        rows = ((int(k), json.dumps(v, ensure_ascii=False)) for k, v in recipients.items())
        bulk_insert(table=table, columns=["account_id", "context"], rows=rows)
    else:
        ids = _unique_ids(recipients)
        if is_postgresql():
            # Binary COPY straight from the array: no text per id on either side.
            copy_int64_column(table=table, column="account_id", values=ids)
        else:
            bulk_insert(table=table, columns=["account_id"], rows=((i,) for i in ids.tolist()))
    # Fresh statistics, so that the planner joins the staged ids to accounts rather than scanning accounts.
    cursor.execute(f"ANALYZE {table}")  # noqa: S608 - a constant table name
    return table


# What reaches each account, computed once per account (not once per account and channel). PostgreSQL
# plans each EXISTS both ways and picks at run time: an index probe per account for a few recipients
# (one recipient: 0.6 ms instead of 160 ms for hashing every portal user and push subscription of
# the utility), one hash of the whole sub-query for many.
_CONTACT_FLAGS = {
    # The portal inbox reaches the contract's own login, and a login that linked the contract (customers.AccountLink).
    "inbox_ok": "(EXISTS (SELECT 1 FROM customers_customer cu WHERE cu.id = a.customer_id AND cu.user_id IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM customers_accountlink l WHERE l.account_id = a.id))",
    "has_push": "EXISTS (SELECT 1 FROM notifications_pushsubscription s WHERE s.account_id = a.id AND s.active = {true})",
    "has_email": "a.email <> ''",
    "has_zalo": "a.zalo_user_id <> '' AND a.phone <> ''",
    "has_zalo_id": "a.zalo_user_id <> ''",
    "has_phone": "a.phone <> ''",
}
_CONTACT_OF = {
    Channel.INBOX: "x.inbox_ok",
    Channel.PUSH: "x.has_push",
    Channel.EMAIL: "x.has_email",
    Channel.ZALO: "x.has_zalo",
    Channel.SMS: "x.has_phone",
}


def _preference_join(honour_preferences: bool, source: str, few: bool) -> str:
    """The topic's stored choices as one row per account (p_<channel>: 1 on, 0 off, NULL not chosen).

    For few recipients only theirs are read (index probes); for many, the whole topic's choices in one
    pass are cheaper than matching them against the staged ids.
    """
    if not honour_preferences:
        return ""
    columns = ", ".join(
        f"MAX(CASE WHEN channel = '{c}' THEN CASE WHEN enabled THEN 1 ELSE 0 END END) AS p_{c}" for c in ALL_CHANNELS
    )
    only_staged = f"AND account_id IN (SELECT account_id FROM {source} staged)" if few else ""  # noqa: S608 - the staging table's constant name
    return f"""LEFT JOIN (SELECT account_id, {columns} FROM notifications_preference
                              WHERE topic = %s {only_staged} GROUP BY account_id) p ON p.account_id = a.id"""  # noqa: S608


def _channel_chosen(channel: str, honour_preferences: bool) -> str:
    """Whether the account (row `x`) gets this channel: it reaches the account, and the choice or default is on."""
    contact = _CONTACT_OF[channel]
    if not honour_preferences:
        return contact
    # SMS by default only for customers no other channel reaches (SMS is slow and costs money).
    default = (
        "CASE WHEN x.has_email OR x.has_zalo_id OR x.has_push THEN 0 ELSE 1 END" if channel == Channel.SMS else "1"
    )
    return f"{contact} AND COALESCE(x.p_{channel}, {default}) = 1"


# A list of at most this many ids is written into the statement instead of a temporary table (PostgreSQL).
_INLINE_RECIPIENTS = 1000


def _inline_recipients(recipients: Any) -> tuple[str, int, int | None] | None:
    """PostgreSQL, a short list of account ids: (the ids as an SQL array source, their count, the first), else None.

    A temporary table costs a catalog write to create, and a fill, an ANALYZE and a count: four round trips
    that a one-customer notice (a receipt, a one-time code) paid on every call.
    """
    if not is_postgresql() or not isinstance(recipients, np.ndarray | list | tuple | set | frozenset):
        return None
    if len(recipients) > _INLINE_RECIPIENTS:
        return None
    ids = _unique_ids(recipients)
    array = ",".join(str(i) for i in ids.tolist())  # integers of an int64 array: nothing else reaches the SQL
    source = f"(SELECT unnest('{{{array}}}'::bigint[]) AS account_id, NULL::jsonb AS context)"
    return source, len(ids), (int(ids[0]) if len(ids) else None)


def _notice_get_or_create(*, key: str, defaults: dict[str, Any]) -> tuple[Notice, bool]:
    """`Notice.objects.get_or_create` in one round trip for a new key (`insert_once`) instead of four (a read,
    a savepoint, the insert, its release)."""
    notice = Notice(key=key, **defaults)
    if insert_once(notice):
        return notice, True
    return Notice.objects.get(key=key), False  # the key is known (or a concurrent call just committed it)


# One bit per channel, in the channels' text order: the rows of an account then come out in the order
# of the unique (notice, account, channel) index, which grows at its right end.
_CHANNEL_BIT = {channel: 1 << i for i, channel in enumerate(sorted(ALL_CHANNELS))}


def notify(
    *,
    topic: str,
    recipients: Any,
    template: str,
    context: dict[str, Any] | None = None,
    urgency: str = Urgency.NORMAL,
    key: str | None = None,
    channels: Sequence[str] | None = None,
    honour_preferences: bool = True,
    now: dt.datetime | None = None,
) -> Notice:
    """Queue a message for the recipients on the channels they chose; delivered only if the transaction commits.

    `recipients` is a queryset of accounts, an iterable / numpy array of account ids, a mapping
    {account_id: per-recipient context}, or `RecipientNumbers` (ids with numbers, the fast way to give
    each recipient an amount). `key` makes the call idempotent (default: a new key).
    """
    if topic not in Topic.values:
        raise NotificationError("unknown_topic", str(_("Chủ đề không tồn tại: %(topic)s.") % {"topic": topic}))
    if now is None:
        from django.utils import timezone

        now = timezone.now()
    wanted = [c for c in ALL_CHANNELS if channels is None or c in channels]
    urgent = urgency == Urgency.URGENT
    held = now if urgent else (quiet_until(now=now) or now)
    # No savepoint of its own inside the caller's transaction: nothing here is retried after an error, and a
    # receipt sent from a payment's transaction saves two round trips.
    with transaction.atomic(savepoint=False):
        notice, _created = _notice_get_or_create(
            key=key or f"{template}:{uuid.uuid4().hex}",
            defaults={"topic": topic, "template_key": template, "context": context or {}, "urgency": urgency, "created_at": now},
        )  # fmt: skip
        with connection.cursor() as cursor:
            inline = _inline_recipients(recipients)
            if inline is not None:
                source, recipient_count, first_account = inline
            else:
                source = _stage_recipients(cursor, recipients)
                cursor.execute(f"SELECT COUNT(*), MIN(r.account_id) FROM {source} r")  # noqa: S608
                recipient_count, first_account = cursor.fetchone()
            few = recipient_count <= conf.int_setting("NOTIFY_FEW_RECIPIENTS", 2000)
            true = "TRUE" if is_postgresql() else "1"
            ordered = sorted(wanted, key=_CHANNEL_BIT.__getitem__)
            channel_sql = " UNION ALL ".join(f"SELECT '{c}' AS c, {_CHANNEL_BIT[c]} AS b" for c in ordered)
            # The chosen channels as one bit mask per account, computed once per account (`OFFSET 0` keeps
            # PostgreSQL from re-evaluating it for each of the account's channel pairs, and the flags from
            # being evaluated once per use: `has_push` serves two channels).
            mask = " | ".join(
                f"CASE WHEN {_channel_chosen(c, honour_preferences)} THEN {_CHANNEL_BIT[c]} ELSE 0 END" for c in ordered
            )
            fence = "OFFSET 0" if is_postgresql() else ""
            intrusive = ", ".join(f"'{c}'" for c in INTRUSIVE_CHANNELS)
            if _created:
                # A new notice has no rows yet, and the staged ids (made unique) are
                # distinct: nothing can conflict, so skip the slower speculative insertion.
                verb, tail = "INSERT", ""
            else:
                verb, tail = ("INSERT", "ON CONFLICT DO NOTHING") if is_postgresql() else ("INSERT OR IGNORE", "")
            flags = ", ".join(f"{expr} AS {name}" for name, expr in _CONTACT_FLAGS.items()).replace("{true}", true)
            preferences = _preference_join(honour_preferences, source, few)
            preference_columns = "".join(f", p.p_{c}" for c in ALL_CHANNELS) if honour_preferences else ""
            sql = f"""
                {verb} INTO notifications_outboxmessage
                    (notice_id, account_id, channel, urgent, status, attempts, available_at, created_at, context,
                     claim_token, address, provider_ref, last_error, sent_at, delivered_at)
                SELECT %s, y.account_id, ch.c, %s,
                       CASE WHEN ch.c = 'inbox' THEN 'delivered' ELSE 'queued' END, 0,
                       CASE WHEN ch.c IN ({intrusive}) THEN %s ELSE %s END, %s, y.context, '', '', '', '',
                       CASE WHEN ch.c = 'inbox' THEN %s END, CASE WHEN ch.c = 'inbox' THEN %s END
                FROM (SELECT x.account_id, x.context, ({mask}) AS mask
                        FROM (SELECT a.id AS account_id, r.context AS context, {flags}{preference_columns}
                                FROM {source} r
                                JOIN customers_account a ON a.id = r.account_id
                                {preferences}
                               WHERE a.status <> 'closed' {fence}) x
                      {fence}) y
                JOIN ({channel_sql}) ch ON (y.mask & ch.b) <> 0
                {tail}
            """  # noqa: S608 - only constants and quoted channel names are interpolated
            at, held_at = _db_datetime(now), _db_datetime(held)
            # Every row of a notice carries the notice's time (the outbox's partition key): a repeated key
            # then meets its earlier rows in the unique (notice, account, channel, created_at) index.
            params = [notice.pk, urgent, held_at, at, _db_datetime(notice.created_at), at, at]
            if honour_preferences:
                params.append(topic)
            new_recipients = None
            if not _created:
                # A repeated key counts only the customers this notice had no message for yet.
                cursor.execute(
                    f"""SELECT COUNT(*) FROM {source} r WHERE NOT EXISTS (SELECT 1 FROM notifications_outboxmessage m
                         WHERE m.notice_id = %s AND m.account_id = r.account_id)""",  # noqa: S608
                    [notice.pk],
                )
                new_recipients = cursor.fetchone()[0]
            previous_work_mem = None
            if is_postgresql() and not few:
                # Memory to hash a million recipients against the accounts in one pass (no spill to disk),
                # for this statement only; the caller's setting is put back right after.
                cursor.execute("SELECT current_setting('work_mem'), current_setting('enable_hashjoin'), current_setting('jit')")
                previous_work_mem, previous_hashjoin, previous_jit = cursor.fetchone()
                cursor.execute("SELECT set_config('work_mem', %s, true)", [conf.setting("NOTIFY_WORK_MEM", "256MB")])
                # No JIT: the plan's cost (one row per account and channel before the mask filters them)
                # makes PostgreSQL compile it with inlining and optimisation, 0.8 s of a 2 s publish to
                # 100,000 customers, for a statement that runs once (docs/notifications.md).
                cursor.execute("SELECT set_config('jit', 'off', true)")
                # Staged ids and accounts are both in id order: a merge join (no hash of a million
                # accounts) keeps the rows in (account, channel) order, the unique index's (−0.5 s a million).
                cursor.execute("SELECT set_config('enable_hashjoin', 'off', true)")
            cursor.execute(sql, params)
            inserted = max(cursor.rowcount, 0)
            if previous_work_mem is not None:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [previous_work_mem])
                cursor.execute("SELECT set_config('enable_hashjoin', %s, true)", [previous_hashjoin])
                cursor.execute("SELECT set_config('jit', %s, true)", [previous_jit])
            if not is_postgresql():
                cursor.execute(f"DELETE FROM {_STAGE}")  # noqa: S608
            added = recipient_count if new_recipients is None else new_recipients
            changes, values = ["recipients = recipients + %s", "messages = messages + %s"], [added, inserted]
            if _created and recipient_count == 1:
                changes.append("account_id = %s")  # a notice to one customer: found by staff search directly
                values.append(first_account)
            elif notice.account_id is not None and recipient_count and (recipient_count > 1 or first_account != notice.account_id):
                changes.append("account_id = NULL")  # the same key sent to more customers later: no longer a single one
            # The new counts come back from the same statement (no second read).
            cursor.execute(
                f"UPDATE {Notice._meta.db_table} SET {', '.join(changes)} WHERE id = %s "  # noqa: S608 - constant clauses
                "RETURNING recipients, messages, account_id",
                [*values, notice.pk],
            )
            notice.recipients, notice.messages, notice.account_id = cursor.fetchone()
        external = [c for c in wanted if c != Channel.INBOX]
        if inserted and external:
            transaction.on_commit(lambda: queueing.delivery_enqueue(channels=external))
    return notice


@transaction.atomic
def notify_address(
    *, account: Account, channel: str, address: str, topic: str, template: str, context: dict[str, Any] | None = None,
    key: str | None = None, now: dt.datetime,
) -> Notice:
    """Queue one urgent message about `account` to an address that is not its contact (yet, or any more).

    For a new e-mail or phone to confirm and for the old phone told of a change: the address travels in the
    row's context (`deliver_to`), which the sender uses instead of the contract's own contact.
    """
    if channel not in (Channel.EMAIL, Channel.SMS, Channel.ZALO):
        raise NotificationError("address_channel", str(_("Không gửi được tin tới địa chỉ này qua kênh này.")))
    notice, created = Notice.objects.get_or_create(
        key=key or f"{template}:{uuid.uuid4().hex}",
        defaults={"topic": topic, "template_key": template, "context": context or {}, "urgency": Urgency.URGENT,
                  "created_at": now, "recipients": 1, "messages": 1, "account": account},
    )  # fmt: skip
    if created:
        OutboxMessage.objects.create(
            notice=notice, account=account, channel=channel, urgent=True, status=OutboxStatus.QUEUED, attempts=0,
            available_at=now, created_at=now, context={DELIVER_TO: address},
        )  # fmt: skip
        transaction.on_commit(lambda: queueing.delivery_enqueue(channels=[channel]))
    return notice


# The outbox row's context key that names an address other than the contract's contact (`notify_address`).
DELIVER_TO = "deliver_to"


def _db_datetime(value: dt.datetime):
    """A datetime as the database backend stores it (raw SQL skips the ORM's adaptation)."""
    return connection.ops.adapt_datetimefield_value(value)


# --- preferences -------------------------------------------------------------------------------


def account_contact_channels(*, account: Account) -> set[str]:
    """Channels whose contact details exist for the account (a channel that could reach them)."""
    reachable = set()
    if account.email:
        reachable.add(Channel.EMAIL)
    if account.phone:
        reachable.add(Channel.SMS)
        if account.zalo_user_id:
            reachable.add(Channel.ZALO)
    if PushSubscription.objects.filter(account=account, active=True).exists():
        reachable.add(Channel.PUSH)
    if account.customer.user_id is not None or account.links.exists():
        reachable.add(Channel.INBOX)
    return reachable


# Topics a customer may switch off entirely (marketing, not a service notice). Every other topic is a
# service notice (bills, payments, outages, service requests, demand response, alerts the customer set):
# it keeps at least one channel that reaches the customer outside the portal.
SWITCH_OFF_ALLOWED_TOPICS = frozenset({Topic.PROGRAMMES})


@transaction.atomic
def preferences_set(*, account: Account, topic: str, channels: Iterable[str]) -> list[Preference]:
    """Choose the channels of one topic; refuses a choice that leaves a service notice unable to reach the customer.

    At least one chosen channel of a service notice must reach the customer outside the portal (push,
    e-mail, SMS or Zalo with its contact present); when none can, the customer keeps SMS or paper at the
    counter. "Programmes and news" may be switched off on every channel.
    """
    if topic not in [t.value for t in CHOOSABLE_TOPICS]:
        raise NotificationError("unknown_topic", str(_("Chủ đề không tồn tại: %(topic)s.") % {"topic": topic}))
    chosen = set(channels)
    unknown = chosen - set(Channel.values)
    if unknown:
        raise NotificationError("unknown_channel", str(_("Kênh không tồn tại: %(c)s.") % {"c": ", ".join(sorted(unknown))}))
    reachable = account_contact_channels(account=account) - {Channel.INBOX}
    if topic not in SWITCH_OFF_ALLOWED_TOPICS and reachable and not (chosen & reachable):
        names = ", ".join(str(Channel(c).label) for c in sorted(reachable))
        raise NotificationError(
            "no_reachable_channel",
            str(_("«%(topic)s» là thông báo dịch vụ: cần giữ ít nhất một kênh liên lạc được với quý khách ngoài cổng "
                  "khách hàng (%(c)s). Chỉ «%(optional)s» mới tắt hẳn được.")
                % {"topic": Topic(topic).label, "c": names, "optional": Topic.PROGRAMMES.label}),
            reachable=sorted(reachable),
        )  # fmt: skip
    rows = []
    for channel in Channel.values:
        pref, _created = Preference.objects.update_or_create(
            account=account, topic=topic, channel=channel, defaults={"enabled": channel in chosen}
        )
        rows.append(pref)
    return rows


@transaction.atomic
def push_subscription_add(
    *, account: Account, endpoint: str, p256dh: str, auth: str, now: dt.datetime
) -> PushSubscription:
    """Register (or re-activate) a browser's Web Push subscription for the account.

    Only endpoints of known push services are accepted (`pushendpoints`). An endpoint already registered
    for another customer is never moved: the existing subscription is returned unchanged (the caller
    answers as if registered, revealing nothing) and the attempt is audited. Between the accounts of one
    customer the browser moves, as before.
    """
    if not push_endpoint_allowed(endpoint):
        raise NotificationError("push_endpoint_refused", str(_("Địa chỉ dịch vụ thông báo đẩy không được chấp nhận.")))
    existing = PushSubscription.objects.select_for_update().select_related("account").filter(endpoint=endpoint).first()
    if existing is not None and existing.account.customer_id != account.customer_id:
        audit_record(
            action="update", object_type="notifications.pushsubscription", object_id=existing.pk,
            after={"refused_account": account.pk}, now=now,
            reason=f"push_subscription_takeover_refused: kept for account {existing.account_id}",
        )  # fmt: skip
        return existing
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"account": account, "p256dh": p256dh, "auth": auth, "active": True, "created_at": now}
    )
    return subscription


# --- one-time codes ----------------------------------------------------------------------------


def _otp_hash(*, salt: str, code: str) -> str:
    return hmac.new(f"{settings.SECRET_KEY}:{salt}".encode(), code.encode(), hashlib.sha256).hexdigest()


OTP_GLOBAL_WINDOW = dt.timedelta(hours=1)


def _otp_global_slot_take(*, now: dt.datetime) -> bool:
    """Take one of the codes all accounts together may be sent this hour (SMS pumping); False when none is left.

    The count is in the shared cache (`core.throttle`), so every worker sees it; a refused issue counts too.
    """
    cap = conf.int_setting("OTP_MAX_PER_HOUR_GLOBAL", 0)
    if cap <= 0:
        return True
    throttle.hit(key="otp:issued:all", now=now, window=OTP_GLOBAL_WINDOW)
    return throttle.count(key="otp:issued:all", now=now, window=OTP_GLOBAL_WINDOW) <= cap


@transaction.atomic
def otp_issue(
    *, account: Account, channel: str, now: dt.datetime, purpose: str = OtpPurpose.SIGNIN, destination: str = ""
) -> OtpChallenge:
    """Create a short-lived code and queue it to the account on `channel` (SMS, Zalo or e-mail).

    The code is good only for its `purpose`. With a `destination` (a new phone number to confirm) the code goes
    there instead of to the contract's own contact. The hourly limits count every purpose together.
    """
    if channel not in (Channel.SMS, Channel.ZALO, Channel.EMAIL):
        raise NotificationError("otp_channel", str(_("Không gửi được mã qua kênh này.")))
    if purpose not in OtpPurpose.values:
        raise NotificationError("otp_purpose", str(_("Không gửi được mã cho việc này.")))
    if not destination and channel not in account_contact_channels(account=account):
        raise NotificationError("otp_no_contact", str(_("Hợp đồng chưa có thông tin liên lạc cho kênh này.")))
    per_hour = conf.int_setting("OTP_MAX_PER_HOUR", 5)
    Account.objects.select_for_update().filter(pk=account.pk).first()  # serialise issues per account
    recent = OtpChallenge.objects.filter(account=account, created_at__gt=now - dt.timedelta(hours=1)).count()
    if recent >= per_hour:
        raise NotificationError("otp_rate_limited", str(_("Quý khách đã yêu cầu quá nhiều mã, vui lòng thử lại sau một giờ.")))
    if not _otp_global_slot_take(now=now):
        raise NotificationError("otp_rate_limited", str(_("Quý khách đã yêu cầu quá nhiều mã, vui lòng thử lại sau một giờ.")))
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    ttl = conf.int_setting("OTP_TTL_SECONDS", 300)
    OtpChallenge.objects.filter(account=account, purpose=purpose, consumed_at__isnull=True).update(expires_at=now)
    challenge = OtpChallenge.objects.create(
        account=account, channel=channel, code_hash=_otp_hash(salt=salt, code=code), salt=salt,
        created_at=now, expires_at=now + dt.timedelta(seconds=ttl), purpose=purpose, destination=destination,
    )  # fmt: skip
    # The code is sealed: staff who open the notice, or a copy of the database, do not see a live code.
    context = {"code": {"sealed": seal(code)}, "minutes": ttl // 60}
    if destination:
        notify_address(
            account=account, channel=channel, address=destination, topic=Topic.SECURITY, template="otp_code",
            context=context, key=f"otp:{challenge.pk}", now=now,
        )  # fmt: skip
    else:
        notify(
            topic=Topic.SECURITY, recipients=[account.pk], template="otp_code", context=context,
            urgency=Urgency.URGENT, key=f"otp:{challenge.pk}", channels=[channel], honour_preferences=False, now=now,
        )  # fmt: skip
    return challenge


def otp_request(*, customer_code: str, channel: str, now: dt.datetime, purpose: str = OtpPurpose.SIGNIN) -> None:
    """Send a code for a typed customer code when its customer can sign in to the portal; silent otherwise.

    Runs in the background (`tasks.otp_send`), so that the portal answers in the same time whether
    the code exists, has a login, a contact on that channel or too many codes already. A code to add
    the contract to another login (`account_link`) needs no login of the contract's own.
    """
    account = Account.objects.select_related("customer__user").filter(code=customer_code).first()
    if account is None or account.status == Account.Status.CLOSED:
        return
    user = account.customer.user
    if purpose != OtpPurpose.ACCOUNT_LINK and (user is None or not user.is_active):
        return
    try:
        otp_issue(account=account, channel=channel, now=now, purpose=purpose)
    except NotificationError:
        return


@transaction.atomic
def otp_verify(
    *, account: Account, code: str, now: dt.datetime, purpose: str = OtpPurpose.SIGNIN, destination: str | None = None
) -> bool:
    """Check a code against the account's live challenge of that purpose; each try counts, a success consumes it.

    With `destination`, only a code sent to that address counts (a new phone number is confirmed by its own code).
    """
    live = OtpChallenge.objects.select_for_update().filter(
        account=account, purpose=purpose, consumed_at__isnull=True, expires_at__gt=now
    )
    if destination is not None:
        live = live.filter(destination=destination)
    challenge = (
        live
        .order_by("-created_at", "-pk")
        .first()
    )
    if challenge is None or challenge.attempts >= conf.int_setting("OTP_MAX_ATTEMPTS", 5):
        return False
    challenge.attempts += 1
    ok = hmac.compare_digest(challenge.code_hash, _otp_hash(salt=challenge.salt, code=str(code).strip()))
    if ok:
        challenge.consumed_at = now
    challenge.save(update_fields=["attempts", "consumed_at"])
    return ok


# --- consumption alerts ------------------------------------------------------------------------


@transaction.atomic
def consumption_alert_set(*, account: Account, kind: str, threshold: int, active: bool = True) -> ConsumptionAlert:
    """Set (or switch off) the account's consumption alert."""
    if kind not in ConsumptionAlert.Kind.values:
        raise NotificationError("alert_kind", str(_("Loại cảnh báo không hợp lệ.")))
    if int(threshold) <= 0 or (kind == ConsumptionAlert.Kind.PERCENT and int(threshold) > 1000):
        raise NotificationError("alert_threshold", str(_("Ngưỡng cảnh báo phải là số dương (tối đa 1000 phần trăm).")))
    alert, _created = ConsumptionAlert.objects.update_or_create(
        account=account, defaults={"kind": kind, "threshold": int(threshold), "active": active}
    )
    return alert


def consumption_alerts_evaluate(*, since: dt.date, now: dt.datetime) -> Notice | None:
    """Alert every account whose latest period (read on or after `since`) crosses its threshold, once per reading."""
    from gridcare.notifications.selectors import period_consumption_for_alerts

    periods = period_consumption_for_alerts(since=since)
    if not len(periods["account_id"]):
        return None
    kind_kwh = periods["kind"] == 0
    over_kwh = kind_kwh & (periods["kwh"] > periods["threshold"])
    previous = periods["previous_kwh"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(previous > 0, (periods["kwh"] - previous) * 100.0 / np.maximum(previous, 1), np.nan)
    over_pct = (~kind_kwh) & (previous > 0) & (pct > periods["threshold"])
    hit = np.flatnonzero(over_kwh | over_pct)
    if not len(hit):
        return None
    recipients = {
        int(periods["account_id"][i]): {
            "kwh": {"kwh": int(periods["kwh"][i])},
            "previous_kwh": {"kwh": int(previous[i])},
            "threshold": int(periods["threshold"][i]),
            "read_on": {"date": periods["read_on"][i].isoformat()},
        }
        for i in hit
    }
    with transaction.atomic():
        notice = notify(
            topic=Topic.CONSUMPTION_ALERT, recipients=recipients, template="consumption_alert",
            key=f"consumption_alert:{since.isoformat()}:{now:%Y%m%d%H%M%S%f}", now=now,
        )  # fmt: skip
        for account_id, ctx in recipients.items():
            ConsumptionAlert.objects.filter(account_id=account_id).update(
                last_alerted_on=dt.date.fromisoformat(ctx["read_on"]["date"])
            )
    return notice


# --- provider state and outbox transitions (used by the delivery workers) ----------------------


def rate_reserve(*, provider: str, count: int, now_epoch: float) -> float:
    """Reserve `count` send slots of a provider shared by all workers; returns when the first may go."""
    rate = conf.rate_limit(provider)
    if rate <= 0 or count <= 0:
        return now_epoch
    ProviderState.objects.get_or_create(provider=provider)
    with transaction.atomic():
        state = ProviderState.objects.select_for_update().get(provider=provider)
        start = max(state.next_free_at, now_epoch)
        state.next_free_at = start + count / rate
        state.save(update_fields=["next_free_at"])
    return start


def rate_rebook(*, provider: str, count: int, now_epoch: float, previous_end: float) -> float:
    """Reserve `count` slots anew for a sender that fell behind its reservation (which ended at `previous_end`).

    Its slots already past are lost (sending them late would crowd the seconds other workers hold).
    When nobody has reserved after it, its reservation's unused tail is given back first, so a lone
    worker simply continues from now; otherwise the new slots come after everyone else's.
    """
    rate = conf.rate_limit(provider)
    if rate <= 0 or count <= 0:
        return now_epoch
    with transaction.atomic():
        state = ProviderState.objects.select_for_update().get(provider=provider)
        if abs(state.next_free_at - previous_end) < 1e-6:  # still the last reservation: give its tail back
            state.next_free_at = now_epoch
        start = max(state.next_free_at, now_epoch)
        state.next_free_at = start + count / rate
        state.save(update_fields=["next_free_at"])
    return start


def outbox_claim(
    *, channel: str, limit: int, now: dt.datetime, lease_until: dt.datetime, token: str, urgent_only: bool = False
) -> list[int]:
    """Mark up to `limit` ready rows of a channel as sending under `token` (committed before any provider call)."""
    if channel not in QUEUED_CHANNELS:
        raise NotificationError("unknown_channel", f"no queue for channel {channel!r}")
    lock = "FOR UPDATE SKIP LOCKED" if is_postgresql() else ""
    urgent = " AND urgent = %s" if urgent_only else ""
    params: list[Any] = [token, _db_datetime(lease_until), _db_datetime(now)]
    if urgent_only:
        params.append(True)
    params.append(limit)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE notifications_outboxmessage
               SET status = 'sending', claim_token = %s, lease_expires_at = %s, attempts = attempts + 1
             WHERE id IN (SELECT id FROM notifications_outboxmessage
                           WHERE channel = '{channel}' AND status = 'queued' AND available_at <= %s{urgent}
                           ORDER BY available_at, id LIMIT %s {lock})
            RETURNING id
            """,  # noqa: S608 - the channel is one of QUEUED_CHANNELS: written out, so that the planner
            # can match the channel's partial queue index whatever the driver does with parameters.
            params,
        )
        return sorted(row[0] for row in cursor.fetchall())


@transaction.atomic
def outbox_lease_extend(*, ids: Sequence[int], token: str, until: dt.datetime) -> set[int]:
    """Extend the lease of those of `ids` still claimed under `token` (still `sending`); returns their ids.

    A row missing from the answer is no longer this claim's (its lease expired and another worker may
    hold it): the caller must not send it.
    """
    if not ids:
        return set()
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        "UPDATE notifications_outboxmessage SET lease_expires_at = %s "  # noqa: S608 - only placeholders
        f"WHERE id IN ({placeholders}) AND claim_token = %s AND status = 'sending' RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_db_datetime(until), *ids, token])
        return {row[0] for row in cursor.fetchall()}


def outbox_release_expired(*, now: dt.datetime) -> int:
    """Put rows whose worker died while sending back in the queue (or fail them after the last attempt)."""
    max_attempts = conf.int_setting("NOTIFY_MAX_ATTEMPTS", 6)
    expired = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, lease_expires_at__lt=now)
    failed = expired.filter(attempts__gte=max_attempts).update(
        status=OutboxStatus.FAILED, claim_token="", last_error="lease expired after the last attempt"
    )
    requeued = expired.update(
        status=OutboxStatus.QUEUED, claim_token="", available_at=now,
        last_error="worker stopped while sending; retried with the same idempotency key",
    )  # fmt: skip
    return failed + requeued


def _asynchronous_commit() -> None:
    """Commit without waiting for the WAL flush: a mark lost in a database crash only means a resend
    with the same idempotency key, and per-message flushes would cap delivery far below provider limits."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic
def outbox_mark_sent(*, pk: int, token: str, now: dt.datetime, address: str, provider_ref: str) -> bool:
    """Record a provider's acceptance; ignored when the row's claim is no longer ours."""
    _asynchronous_commit()
    return bool(
        OutboxMessage.objects.filter(pk=pk, claim_token=token, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SENT, sent_at=now, address=address[:254], provider_ref=provider_ref[:100],
            claim_token="", last_error="",
        )  # fmt: skip
    )


@transaction.atomic
def outbox_mark_sent_many(*, token: str, sent: Sequence[tuple[int, dt.datetime, str, str]]) -> int:
    """Record several acceptances (pk, at, address, provider_ref) in one round trip; rows no longer ours are skipped."""
    if not sent:
        return 0
    _asynchronous_commit()
    rows = [
        (_db_datetime(at), address[:254], provider_ref[:100], pk, token) for pk, at, address, provider_ref in sent
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE notifications_outboxmessage SET status = 'sent', sent_at = %s, address = %s, provider_ref = %s, "
            "claim_token = '', last_error = '' WHERE id = %s AND claim_token = %s AND status = 'sending'",
            rows,
        )
    return len(rows)


@transaction.atomic
def outbox_mark_failed(
    *, pk: int, token: str, now: dt.datetime, error: str, retryable: bool, attempts: int, retry_after: float | None = None
) -> str:
    """Schedule a retry with exponential backoff, or fail for good; returns the new status."""
    _asynchronous_commit()
    max_attempts = conf.int_setting("NOTIFY_MAX_ATTEMPTS", 6)
    if retryable and attempts < max_attempts:
        base = conf.float_setting("NOTIFY_BACKOFF_SECONDS", 30.0)
        delay = min(base * 2 ** (attempts - 1), conf.float_setting("NOTIFY_BACKOFF_MAX_SECONDS", 3600.0))
        delay = max(delay, retry_after or 0.0)
        status = OutboxStatus.QUEUED
        fields = {"available_at": now + dt.timedelta(seconds=delay)}
    else:
        status = OutboxStatus.FAILED
        fields = {}
    OutboxMessage.objects.filter(pk=pk, claim_token=token, status=OutboxStatus.SENDING).update(
        status=status, claim_token="", last_error=error[:500], **fields
    )
    return status


def inbox_mark_read(*, account: Account, ids: Iterable[int], now: dt.datetime) -> int:
    """Mark in-app inbox messages of the account as read."""
    return OutboxMessage.objects.filter(
        account=account, channel=Channel.INBOX, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=now)


def provider_tokens_store(*, provider: str, access_token: str, refresh_token: str, expires_at: dt.datetime) -> None:
    """Keep a provider's OAuth tokens (Zalo rotates the refresh token on every refresh)."""
    ProviderState.objects.update_or_create(
        provider=provider,
        defaults={"access_token": access_token, "refresh_token": refresh_token, "token_expires_at": expires_at},
    )


def subscription_deactivate(*, endpoint: str) -> None:
    """Stop using a Web Push subscription the push service reported gone (404/410)."""
    PushSubscription.objects.filter(endpoint=endpoint).update(active=False)


def outbox_requeue(*, ids: Iterable[int], now: dt.datetime) -> int:
    """Give failed messages a fresh set of attempts (staff action after fixing a template or a contact)."""
    return OutboxMessage.objects.filter(pk__in=list(ids), status=OutboxStatus.FAILED).update(
        status=OutboxStatus.QUEUED, attempts=0, available_at=now, claim_token="", last_error=""
    )


def delivery_schedule_claim(*, channel: str, at: dt.datetime, now: dt.datetime) -> bool:
    """Whether the caller should schedule a delivery task for `at`: no other is already due by then.

    Keeps the number of waiting delivery tasks per channel small however many `notify` calls ran.
    """
    ProviderState.objects.get_or_create(provider=channel)
    return bool(
        ProviderState.objects.filter(provider=channel)
        .filter(Q(next_task_at__isnull=True) | Q(next_task_at__lt=now) | Q(next_task_at__gt=at))
        .update(next_task_at=at)
    )
