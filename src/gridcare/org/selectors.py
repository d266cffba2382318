"""Reads for units: the tree and what a staff member may see."""

from django.db.models import QuerySet

from gridcare.org import policy
from gridcare.org.models import Commune, Unit


def unit_and_descendants(*, unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it."""
    return Unit.objects.filter(path__startswith=unit.path)


def visible_unit_ids(*, user) -> list[int] | None:
    """Unit ids a staff user may see; None means every unit (superusers). Decided by `org.policy`."""
    return policy.visible_unit_ids(user=user)


def units_for_user(*, user) -> QuerySet[Unit]:
    ids = visible_unit_ids(user=user)
    return Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)


def visible_commune_ids(*, user) -> list[int] | None:
    """Communes served by the units a staff user may see; None means all."""
    ids = visible_unit_ids(user=user)
    if ids is None:
        return None
    return list(Commune.objects.filter(units__in=ids).values_list("pk", flat=True).distinct())
