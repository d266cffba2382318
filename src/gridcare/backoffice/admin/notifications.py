"""Notifications pages (defined in `gridcare.notifications.admin`) on the back-office site."""

from gridcare.backoffice.site import admin_site
from gridcare.notifications.admin import register

register(admin_site)
