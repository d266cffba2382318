"""Registrations of every record on the back-office site (`gridcare.backoffice.site.admin_site`).

They live here, in the interface layer, one module per area (`core.py`, `customers.py`, `billing.py`…),
rather than in each app's `admin.py`: the site belongs to the back office, and a lower layer never imports
a higher one (import-linter contract in pyproject.toml). Django's admin autodiscovery imports this package,
which imports every module in it, so a new area only adds its own module here.
"""

import importlib
import pkgutil

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
