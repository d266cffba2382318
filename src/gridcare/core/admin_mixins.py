"""Small building blocks for admin pages shared by several apps."""


class ReadOnlyAdminMixin:
    """An admin page that shows records and never adds, changes or deletes them (logs, receipts)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
