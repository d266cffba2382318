"""Providers' shared pace: send slots reserved by every worker together, and at most one waiting delivery task per channel."""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from gridcare.notifications import conf
from gridcare.notifications.models import ProviderState


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
