"""The audit log: who read or changed what, when, with the values before and after.

Billing inputs and customer records (the models apps list as `audited_models`) are audited by database
triggers (`audit_triggers`), whatever writes them: a save, a queryset update, a bulk write, raw SQL. Other
changes and reads are audited by services calling `audit_record` (or `audit_model_change`) inside their
transaction. Either way an entry exists exactly when the change it describes was committed, and the actor,
address and reason come from `acting_as` unless given.
"""

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

from django.db import models
from django.utils import timezone

from gridcare.core.audit_triggers import is_audited
from gridcare.core.models import AuditEntry

_actor: contextvars.ContextVar = contextvars.ContextVar("gridcare_audit_actor", default=(None, None, ""))


@contextlib.contextmanager
def acting_as(*, user: Any = None, address: str | None = None, reason: str | None = None) -> Iterator[None]:
    """Attribute audit entries written inside this block to `user` from `address`, for `reason`.

    What is not given is kept from the enclosing block (a service inside a request keeps the request's
    address and, when it is not told the user, the request's user).
    """
    outer_user, outer_address, outer_reason = _actor.get()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    token = _actor.set((
        user if user is not None else outer_user,
        address if address is not None else outer_address,
        reason if reason is not None else outer_reason,
    ))  # fmt: skip
    try:
        yield
    finally:
        _actor.reset(token)


def current_context() -> tuple[Any, str | None, str]:
    """(user, address, reason) of the innermost `acting_as`."""
    return _actor.get()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def model_snapshot(*, instance: models.Model) -> dict[str, Any]:
    """The concrete field values of a model instance, as JSON-ready data."""
    return {
        field.attname: _jsonable(getattr(instance, field.attname)) for field in instance._meta.concrete_fields
    }


def _acting(*, user: Any, reason: str) -> tuple[Any, str | None, str]:
    """Who acts (a signed-in user or None for the system), from where and why: the arguments, else the context."""
    ctx_user, address, ctx_reason = _actor.get()
    actor = user if user is not None else ctx_user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return actor, address, reason or ctx_reason


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    user: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit entry; the actor defaults to the one of the current request."""
    actor, address, reason = _acting(user=user, reason=reason)
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    return AuditEntry.objects.create(
        at=now or timezone.now(),
        actor=actor,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        address=address,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason[:200],
    )


def audit_model_change(
    *, instance: models.Model, before: dict | None, user: Any = None, reason: str = ""
) -> AuditEntry | None:
    """Audit a create (before=None) or an update of `instance`; no entry when nothing changed.

    Models audited by the database (`audit_triggers`) are not audited twice: their entry is already written.
    """
    if is_audited(type(instance)):
        return None
    after = model_snapshot(instance=instance)
    if before is not None and before == after:
        return None
    return audit_record(
        action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        before=before,
        after=after,
        user=user,
        reason=reason,
    )


def audit_records(
    *,
    action: str,
    object_type: str,
    changes: list[tuple[Any, dict | None, dict | None]],
    user: Any = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Write one audit entry per `(object_id, before, after)` in one INSERT (for set-based updates)."""
    actor, address, reason = _acting(user=user, reason=reason)
    label = (actor.get_username() if actor is not None else "system")[:150]
    at = now or timezone.now()
    entries = [
        AuditEntry(at=at, actor=actor, actor_label=label, address=address, action=action, object_type=object_type,
                   object_id=str(object_id), before=_jsonable(before) if before is not None else None,
                   after=_jsonable(after) if after is not None else None, reason=reason[:200])
        for object_id, before, after in changes
    ]  # fmt: skip
    AuditEntry.objects.bulk_create(entries, batch_size=5000)
    return len(entries)
