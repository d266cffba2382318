"""Notifications pages (defined in `gridcare.notifications.admin`) on the back-office site.

The outbox gets the back office's unit scoping on top of its own page: a "unit" list filter limited
to the staff member's units, and a capped row count (the outbox holds millions of rows).
"""

from django.utils.translation import gettext_lazy as _

from gridcare.backoffice.overview import overview_column
from gridcare.backoffice.scoping import UnitScopedAdmin
from gridcare.backoffice.search import account_ids_by_key
from gridcare.backoffice.site import admin_site
from gridcare.notifications.admin import OutboxMessageAdmin, register
from gridcare.notifications.models import OutboxMessage


class ScopedOutboxMessageAdmin(UnitScopedAdmin, OutboxMessageAdmin):
    """The outbox of the accounts the staff member's units serve."""

    search_help_text = _(
        "Tìm theo mã khách hàng, số điện thoại hoặc số công tơ (tin của 180 ngày gần nhất), hoặc theo khoá sự kiện."
    )

    account_code = overview_column("account", ordering="account__code")

    def account_ids_for_search(self, term: str) -> list[int]:
        return account_ids_by_key(term)


register(admin_site)
admin_site.unregister(OutboxMessage)
admin_site.register(OutboxMessage, ScopedOutboxMessageAdmin)
