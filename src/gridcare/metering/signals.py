"""Events of metering that higher layers react to (metering never imports them)."""

from django.dispatch import Signal

# Sent after new register readings were committed; kwargs: `since` (date: alerts should look at readings read on
# or after it) and `now`. Notifications listen to it to evaluate customers' consumption alerts.
readings_recorded = Signal()
