"""`notify`, the one call other areas make, and `notify_address`.

`notify` writes the outbox rows in the caller's transaction (set-based: one INSERT … SELECT over the
recipients, their contacts and their preferences), and asks for delivery only when that transaction commits.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from gridcare.core.bulk import insert_once, is_postgresql
from gridcare.customers.models import Account
from gridcare.notifications import conf, queueing
from gridcare.notifications.models import Channel, Notice, OutboxMessage, OutboxStatus, Topic, Urgency
from gridcare.notifications.services.base import NotificationError, db_datetime
from gridcare.notifications.services.quiet_hours import INTRUSIVE_CHANNELS, quiet_until
from gridcare.notifications.services.recipients import STAGE_TABLE, inline_recipients, stage_recipients

ALL_CHANNELS = (Channel.INBOX, Channel.PUSH, Channel.EMAIL, Channel.ZALO, Channel.SMS)

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
        f"MAX(CASE WHEN channel = '{c}' THEN CASE WHEN enabled THEN 1 ELSE 0 END END) AS p_{c}"
        for c in ALL_CHANNELS
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
        "CASE WHEN x.has_email OR x.has_zalo_id OR x.has_push THEN 0 ELSE 1 END"
        if channel == Channel.SMS
        else "1"
    )
    return f"{contact} AND COALESCE(x.p_{channel}, {default}) = 1"


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
        raise NotificationError(
            "unknown_topic", str(_("Chủ đề không tồn tại: %(topic)s.") % {"topic": topic})
        )
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
            inline = inline_recipients(recipients)
            if inline is not None:
                source, recipient_count, first_account = inline
            else:
                source = stage_recipients(cursor, recipients)
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
                f"CASE WHEN {_channel_chosen(c, honour_preferences)} THEN {_CHANNEL_BIT[c]} ELSE 0 END"
                for c in ordered
            )
            fence = "OFFSET 0" if is_postgresql() else ""
            intrusive = ", ".join(f"'{c}'" for c in INTRUSIVE_CHANNELS)
            if _created:
                # A new notice has no rows yet, and the staged ids (made unique) are
                # distinct: nothing can conflict, so skip the slower speculative insertion.
                verb, tail = "INSERT", ""
            else:
                verb, tail = (
                    ("INSERT", "ON CONFLICT DO NOTHING") if is_postgresql() else ("INSERT OR IGNORE", "")
                )
            flags = ", ".join(f"{expr} AS {name}" for name, expr in _CONTACT_FLAGS.items()).replace(
                "{true}", true
            )
            preferences = _preference_join(honour_preferences, source, few)
            preference_columns = "".join(f", p.p_{c}" for c in ALL_CHANNELS) if honour_preferences else ""
            sql = f"""
                {verb} INTO notifications_outboxmessage
                    (notice_id, account_id, channel, urgent, status, attempts, available_at, created_at, context,
                     claim_token, address, provider_ref, last_error, sent_at, delivered_at)
                SELECT %s, y.account_id, ch.c, %s,
                       CASE WHEN ch.c = '{Channel.INBOX.value}' THEN '{OutboxStatus.DELIVERED.value}'
                            ELSE '{OutboxStatus.QUEUED.value}' END, 0,
                       CASE WHEN ch.c IN ({intrusive}) THEN %s ELSE %s END, %s, y.context, '', '', '', '',
                       CASE WHEN ch.c = '{Channel.INBOX.value}' THEN %s END, CASE WHEN ch.c = '{Channel.INBOX.value}' THEN %s END
                FROM (SELECT x.account_id, x.context, ({mask}) AS mask
                        FROM (SELECT a.id AS account_id, r.context AS context, {flags}{preference_columns}
                                FROM {source} r
                                JOIN customers_account a ON a.id = r.account_id
                                {preferences}
                               WHERE a.status <> '{Account.Status.CLOSED.value}' {fence}) x
                      {fence}) y
                JOIN ({channel_sql}) ch ON (y.mask & ch.b) <> 0
                {tail}
            """  # noqa: S608 - only constants, enum values and quoted channel names are interpolated
            at, held_at = db_datetime(now), db_datetime(held)
            # Every row of a notice carries the notice's time (the outbox's partition key): a repeated key
            # then meets its earlier rows in the unique (notice, account, channel, created_at) index.
            params = [notice.pk, urgent, held_at, at, db_datetime(notice.created_at), at, at]
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
                cursor.execute(
                    "SELECT current_setting('work_mem'), current_setting('enable_hashjoin'), current_setting('jit')"
                )
                previous_work_mem, previous_hashjoin, previous_jit = cursor.fetchone()
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true)", [conf.setting("NOTIFY_WORK_MEM", "256MB")]
                )
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
                cursor.execute(f"DELETE FROM {STAGE_TABLE}")  # noqa: S608
            added = recipient_count if new_recipients is None else new_recipients
            changes, values = ["recipients = recipients + %s", "messages = messages + %s"], [added, inserted]
            if _created and recipient_count == 1:
                changes.append("account_id = %s")  # a notice to one customer: found by staff search directly
                values.append(first_account)
            elif (
                notice.account_id is not None
                and recipient_count
                and (recipient_count > 1 or first_account != notice.account_id)
            ):
                changes.append(
                    "account_id = NULL"
                )  # the same key sent to more customers later: no longer a single one
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
    *,
    account: Account,
    channel: str,
    address: str,
    topic: str,
    template: str,
    context: dict[str, Any] | None = None,
    key: str | None = None,
    now: dt.datetime,
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
