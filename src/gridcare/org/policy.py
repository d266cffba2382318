"""Who may do what: gridcare's one access policy.

Every service, selector, back-office page, API endpoint, export and task asks this module; none
re-derives scope. Deny by default: an action that is not in `RULES` is for superusers only.

- `visible_unit_ids(user=...)`: the units a staff member sees (their unit and everything below it);
  `None` means every unit (superusers), `[]` nothing.
- `scope(queryset, user=..., unit_path=...)`: the rows of `queryset` whose unit (reached by the
  lookup path `unit_path`, e.g. `"account__unit"`) the user may see.
- `may(user=..., action=..., unit_id=...)` / `require(...)`: may the user do `action` (optionally on a
  record of unit `unit_id`)? `require` raises `AccessDenied`, which interfaces turn into 403/404.

Actions are dotted names `<area>.<verb>` (`billing.run_company_wide`, `tariffs.manage_catalogue`).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridcare.org.models import StaffMembership, StaffRole, Unit


class AccessDenied(PermissionDenied):
    """The user may not do this; `message` says why in the user's language."""

    code = "forbidden"

    def __init__(self, message=None):
        self.message = message or _("Bạn không có quyền thực hiện thao tác này.")
        super().__init__(self.message)


@dataclass(frozen=True)
class Rule:
    """Who may do an action: a Django permission (from the role's group), and how far their unit reaches.

    `unit_kinds`: the kinds of unit whose staff may do it (a company-wide job is not for a team);
    `roles`: the staff roles that may do it (None: any role holding `permission`).
    """

    permission: str | None = None
    roles: tuple[str, ...] | None = None
    unit_kinds: tuple[str, ...] | None = None


RULES: dict[str, Rule] = {
    # Correct a register reading (through metering.services.reading_correct; the admin never edits one).
    "metering.correct_reading": Rule(permission="metering.change_reading"),
}


def _membership(user) -> StaffMembership | None:
    return StaffMembership.objects.filter(user=user).select_related("unit").first() if user.pk else None


def is_active_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def visible_unit_ids(*, user) -> list[int] | None:
    """Unit ids a staff user may see; None means every unit (superusers), [] nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    if not user.is_staff:
        return []
    membership = _membership(user)
    if membership is None:
        return []
    return list(Unit.objects.filter(path__startswith=membership.unit.path).values_list("pk", flat=True))


def scope(queryset: QuerySet, *, user, unit_path: str) -> QuerySet:
    """The rows of `queryset` whose unit (`unit_path` lookup) the user may see."""
    ids = visible_unit_ids(user=user)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{unit_path}__in": ids})


def may(*, user, action: str, unit_id: int | None = None) -> bool:
    """May `user` do `action` (on a record of unit `unit_id`, when given)? Unknown actions: superusers only."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    rule = RULES.get(action)
    if rule is None or not user.is_staff:
        return False
    membership = _membership(user)
    if membership is None:
        return False
    if rule.roles is not None and membership.role not in rule.roles:
        return False
    if rule.unit_kinds is not None and membership.unit.kind not in rule.unit_kinds:
        return False
    if rule.permission is not None and not user.has_perm(rule.permission):
        return False
    if unit_id is not None:
        ids = visible_unit_ids(user=user)
        return ids is None or unit_id in ids
    return True


def require(*, user, action: str, unit_id: int | None = None, message=None) -> None:
    """Raise `AccessDenied` unless `may(...)`."""
    if not may(user=user, action=action, unit_id=unit_id):
        raise AccessDenied(message)


__all__ = ["AccessDenied", "RULES", "Rule", "StaffRole", "may", "require", "scope", "visible_unit_ids"]
