"""Writes for customers, accounts, premises, service points and social categories; every one is audited.

Each function saves inside one transaction; the database's audit triggers (`core.audit_triggers`) write an
`AuditEntry` with the field values before and after, and the function names who and why (`acting_as`), so
the audit log has an entry exactly when the change was committed.
Social categories are sensitive: reading them is audited too (`social_categories_read_record`).
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from gridcare.core.audit import acting_as, audit_record
from gridcare.core.models import AuditEntry
from gridcare.customers import signin
from gridcare.customers.models import (
    Account,
    AccountLink,
    BillDelivery,
    ContactChange,
    Customer,
    Premise,
    ServicePoint,
    SocialCategoryAssignment,
)


def _save_audited(*, instance: models.Model, user: Any, reason: str) -> models.Model:
    # The database's audit triggers record the row before and after; this names who and why.
    with acting_as(user=user, reason=reason):
        instance.save()
    return instance


def _delete_audited(*, instance: models.Model, user: Any, reason: str) -> None:
    with acting_as(user=user, reason=reason):
        instance.delete()


def _update_audited(
    *, instance: models.Model, changes: dict[str, Any], user: Any, reason: str
) -> models.Model:
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    return _save_audited(instance=instance, user=user, reason=reason)


@transaction.atomic
def customer_save(*, customer: Customer, user: Any = None, reason: str = "") -> Customer:
    """Create or save a customer and audit the values before and after."""
    return _save_audited(instance=customer, user=user, reason=reason)


@transaction.atomic
def customer_update(*, customer: Customer, user: Any = None, reason: str = "", **changes: Any) -> Customer:
    """Change fields of a customer (validated) and audit them."""
    return _update_audited(instance=customer, changes=changes, user=user, reason=reason)


@transaction.atomic
def customer_delete(*, customer: Customer, user: Any = None, reason: str = "") -> None:
    """Delete a customer (only possible without accounts) and audit what it was."""
    _delete_audited(instance=customer, user=user, reason=reason)


@transaction.atomic
def account_save(*, account: Account, user: Any = None, reason: str = "") -> Account:
    """Create or save an account (contract) and audit the values before and after."""
    return _save_audited(instance=account, user=user, reason=reason)


@transaction.atomic
def account_update(*, account: Account, user: Any = None, reason: str = "", **changes: Any) -> Account:
    """Change fields of an account (validated, e.g. an E.164 phone) and audit them."""
    return _update_audited(instance=account, changes=changes, user=user, reason=reason)


@transaction.atomic
def account_delete(*, account: Account, user: Any = None, reason: str = "") -> None:
    """Delete an account without history and audit what it was."""
    _delete_audited(instance=account, user=user, reason=reason)


@transaction.atomic
def premise_save(*, premise: Premise, user: Any = None, reason: str = "") -> Premise:
    """Create or save a premise and audit the values before and after."""
    return _save_audited(instance=premise, user=user, reason=reason)


@transaction.atomic
def premise_delete(*, premise: Premise, user: Any = None, reason: str = "") -> None:
    """Delete an unused premise and audit what it was."""
    _delete_audited(instance=premise, user=user, reason=reason)


@transaction.atomic
def service_point_save(*, service_point: ServicePoint, user: Any = None, reason: str = "") -> ServicePoint:
    """Create or save a service point and audit the values before and after."""
    return _save_audited(instance=service_point, user=user, reason=reason)


@transaction.atomic
def service_point_delete(*, service_point: ServicePoint, user: Any = None, reason: str = "") -> None:
    """Delete an unused service point and audit what it was."""
    _delete_audited(instance=service_point, user=user, reason=reason)


@transaction.atomic
def social_category_save(
    *, assignment: SocialCategoryAssignment, user: Any = None, reason: str = ""
) -> SocialCategoryAssignment:
    """Create or save a customer's social category and audit the values before and after."""
    return _save_audited(instance=assignment, user=user, reason=reason)


@transaction.atomic
def social_category_assign(
    *,
    customer: Customer,
    category: str,
    active_from: dt.date,
    active_to: dt.date | None = None,
    evidence: str = "",
    user: Any = None,
    reason: str = "",
) -> SocialCategoryAssignment:
    """Give a customer a social category over a date range (validated) and audit it."""
    assignment = SocialCategoryAssignment(
        customer=customer, category=category, active_from=active_from, active_to=active_to, evidence=evidence
    )
    assignment.full_clean()
    return _save_audited(instance=assignment, user=user, reason=reason)


@transaction.atomic
def social_category_delete(
    *, assignment: SocialCategoryAssignment, user: Any = None, reason: str = ""
) -> None:
    """Delete a social category assignment and audit what it was."""
    _delete_audited(instance=assignment, user=user, reason=reason)


def social_categories_read_record(
    *,
    assignments: Iterable[SocialCategoryAssignment],
    user: Any,
    address: str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> list[AuditEntry]:
    """Audit that `user` read these social category assignments (one entry each, one insert)."""
    at = now or timezone.now()
    label = user.get_username() if user is not None and user.is_authenticated else "system"
    actor = user if user is not None and user.is_authenticated else None
    entries = [
        AuditEntry(
            at=at,
            actor=actor,
            actor_label=label[:150],
            address=address,
            action=AuditEntry.Action.READ,
            object_type=SocialCategoryAssignment._meta.label_lower,
            object_id=str(assignment.pk),
            after={"customer_id": assignment.customer_id, "category": assignment.category},
            reason=reason[:200],
        )  # fmt: skip
        for assignment in assignments
    ]
    return AuditEntry.objects.bulk_create(entries)


def account_signin_unlock(*, account: Account, user: Any, now: dt.datetime, reason: str = "") -> int:
    """Lift the portal sign-in lock of `account`'s code (staff, after checking the caller); audited.

    Returns how many addresses were unlocked; nothing is written when the code had no recent failure.
    """
    identifier = signin.signin_identifier(customer_code=account.code)
    status = signin.account_lock_status(identifier=identifier, now=now)
    if status.failures == 0:
        return 0
    with transaction.atomic():
        audit_record(
            action=AuditEntry.Action.UPDATE, object_type=Account._meta.label_lower, object_id=account.pk,
            before={"signin_locked": status.addresses_locked > 0, "signin_failures": status.failures},
            after={"signin_locked": False, "signin_failures": 0}, user=user,
            reason=(reason or "mở khoá đăng nhập cổng khách hàng")[:200], now=now,
        )  # fmt: skip
        unlocked = signin.account_unlock(identifier=identifier, now=now)
    return unlocked


# --- the customer's own portal: links to other contracts, contact changes, bill delivery, password ------------


@transaction.atomic
def account_link_add(*, user: Any, account: Account, now: dt.datetime) -> AccountLink:
    """Let a portal login use a contract it does not own (after the caller checked the contract's one-time code)."""
    with acting_as(user=user, reason="portal: thêm hợp đồng dùng chung"):
        link, _created = AccountLink.objects.get_or_create(
            user=user, account=account, defaults={"verified_at": now, "created_at": now}
        )
    return link


@transaction.atomic
def account_link_remove(*, user: Any, account: Account) -> int:
    """Stop a login using a linked contract (its own contracts cannot be unlinked); how many links went."""
    with acting_as(user=user, reason="portal: bỏ hợp đồng dùng chung"):
        removed, _by_model = AccountLink.objects.filter(user=user, account=account).delete()
    return removed


@transaction.atomic
def contact_change_request(
    *, account: Account, kind: str, new_value: str, user: Any, now: dt.datetime
) -> ContactChange:
    """Record a requested change of e-mail, phone or Zalo, pending its confirmation (an earlier pending one is superseded)."""
    old = {ContactChange.Kind.EMAIL: account.email, ContactChange.Kind.PHONE: account.phone,
           ContactChange.Kind.ZALO: account.zalo_user_id}[kind]  # fmt: skip
    with acting_as(user=user, reason="portal: yêu cầu đổi thông tin liên lạc"):
        ContactChange.objects.filter(account=account, kind=kind, status=ContactChange.Status.PENDING).update(
            status=ContactChange.Status.SUPERSEDED
        )
        return ContactChange.objects.create(
            account=account,
            kind=kind,
            old_value=old,
            new_value=new_value,
            requested_at=now,
            requested_by=user,
        )


@transaction.atomic
def contact_change_confirm(*, change: ContactChange, user: Any, now: dt.datetime) -> Account:
    """Apply a confirmed contact change to its contract (validated, audited).

    A new phone drops the Zalo link (Zalo was confirmed for the old number) and, when bills came by Zalo,
    the bill choice (the notification defaults reach the new phone by SMS).
    """
    account = Account.objects.select_for_update().get(pk=change.account_id)
    changes: dict[str, Any] = {}
    if change.kind == ContactChange.Kind.EMAIL:
        changes["email"] = change.new_value
    elif change.kind == ContactChange.Kind.PHONE:
        changes["phone"] = change.new_value
        changes["zalo_user_id"] = ""
        if account.bill_delivery == BillDelivery.ZALO:
            changes["bill_delivery"] = ""
    else:
        changes["zalo_user_id"] = change.new_value
    with acting_as(user=user, reason="portal: xác nhận đổi thông tin liên lạc"):
        _update_audited(
            instance=account, changes=changes, user=user, reason="portal: xác nhận đổi thông tin liên lạc"
        )
        ContactChange.objects.filter(pk=change.pk).update(
            status=ContactChange.Status.CONFIRMED, confirmed_at=now
        )
    change.status, change.confirmed_at = ContactChange.Status.CONFIRMED, now
    return account


@transaction.atomic
def contact_remove(*, account: Account, kind: str, user: Any, now: dt.datetime, reason: str) -> ContactChange:
    """Clear a contract's e-mail or Zalo link, recorded as a confirmed contact change (audited).

    A bill choice that used the removed channel falls back to the notification defaults ("").
    """
    field = {ContactChange.Kind.EMAIL: "email", ContactChange.Kind.ZALO: "zalo_user_id"}[kind]
    account = Account.objects.select_for_update().get(pk=account.pk)
    changes: dict[str, Any] = {field: ""}
    if (
        account.bill_delivery
        == {ContactChange.Kind.EMAIL: BillDelivery.EMAIL, ContactChange.Kind.ZALO: BillDelivery.ZALO}[kind]
    ):
        changes["bill_delivery"] = ""
    with acting_as(user=user, reason=reason[:200]):
        ContactChange.objects.filter(account=account, kind=kind, status=ContactChange.Status.PENDING).update(
            status=ContactChange.Status.SUPERSEDED
        )
        change = ContactChange.objects.create(
            account=account, kind=kind, old_value=getattr(account, field), new_value="",
            status=ContactChange.Status.CONFIRMED, requested_at=now, confirmed_at=now,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
        _update_audited(instance=account, changes=changes, user=user, reason=reason[:200])
    return change


@transaction.atomic
def account_bill_delivery_set(*, account: Account, bill_delivery: str, user: Any) -> Account:
    """Store how the customer wants bills of this contract (audited)."""
    return _update_audited(
        instance=account,
        changes={"bill_delivery": bill_delivery},
        user=user,
        reason="portal: chọn cách nhận hoá đơn",
    )


@transaction.atomic
def portal_password_set(*, user: Any, password: str, reason: str, now: dt.datetime) -> None:
    """Give a portal login a new password (validated by the caller) and audit that it changed, never the value.

    Other sessions of the login end by themselves: Django checks each session's password hash.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEntry.Action.UPDATE, object_type=user._meta.label_lower, object_id=user.pk,
        before={"password": "…"}, after={"password": "đã đổi"}, user=user, reason=reason[:200], now=now,
    )  # fmt: skip
