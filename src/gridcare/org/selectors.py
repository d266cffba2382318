"""Reads for units: the tree and what a staff member may see."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from gridcare.org import policy
from gridcare.org.models import Commune, StaffMembership, Unit


def unit_and_descendants(*, unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it."""
    return Unit.objects.filter(path__startswith=unit.path)


def visible_unit_ids(*, user) -> list[int] | None:
    """Unit ids a staff user may see; None means every unit (superusers). Decided by `org.policy`."""
    return policy.visible_unit_ids(user=user)


def units_for_user(*, user) -> QuerySet[Unit]:
    return units_with_ids(ids=visible_unit_ids(user=user))


def units_with_ids(*, ids: list[int] | None) -> QuerySet[Unit]:
    """The units of these ids; None means every unit."""
    return Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)


def unit_by_pk(*, pk) -> Unit | None:
    """One unit, or None."""
    return Unit.objects.filter(pk=pk).first()


def staff_membership_of(*, user) -> StaffMembership | None:
    """The staff member's membership (with its unit), or None for a user who is not staff of a unit."""
    return StaffMembership.objects.filter(user=user).select_related("unit").first()


def active_user_named(*, username: str):
    """The active login with this user name, or None."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


def visible_commune_ids(*, user) -> list[int] | None:
    """Communes served by the units a staff user may see; None means all."""
    ids = visible_unit_ids(user=user)
    if ids is None:
        return None
    return list(Commune.objects.filter(units__in=ids).values_list("pk", flat=True).distinct())
