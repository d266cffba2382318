"""English and French are full translations of the back-office, API and records catalogues, not fallbacks."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

import gridcare

APPS = ["core", "org", "network", "customers", "metering", "api", "backoffice"]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("app", APPS)
def test_every_message_is_translated(app, lang):
    path = Path(gridcare.__file__).parent / app / "locale" / lang / "LC_MESSAGES" / "django.po"
    with path.open("rb") as f:
        catalogue = read_po(f)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or "fuzzy" in m.flags)]
    assert untranslated == []
    assert path.with_suffix(".mo").stat().st_mtime >= path.stat().st_mtime - 1


def test_model_names_are_translated_at_runtime():
    from gridcare.customers.models import Account

    with translation.override("fr"):
        assert str(Account._meta.verbose_name) == "contrat (code client)"
    with translation.override("en"):
        assert str(Account._meta.verbose_name) == "contract (customer code)"
    with translation.override("vi"):
        assert str(Account._meta.verbose_name) == "hợp đồng (mã khách hàng)"
