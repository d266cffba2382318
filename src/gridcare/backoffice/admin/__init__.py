"""Registrations of every record on the back-office site (`gridcare.backoffice.site.admin_site`).

They live here, in the interface layer, rather than in each app's `admin.py`: the site belongs to the
back office, and a lower layer never imports a higher one (import-linter contract in pyproject.toml).
Django's admin autodiscovery imports this package, which imports the modules below.
"""

from gridcare.backoffice.admin import core, customers, metering, network, notifications, org, otp, tariffs  # noqa: F401
