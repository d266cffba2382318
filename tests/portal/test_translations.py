from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import gridcare.portal

LOCALE = Path(gridcare.portal.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_portal_string_is_translated(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    untranslated = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    compiled = path.with_suffix(".mo")
    assert compiled.stat().st_mtime >= path.stat().st_mtime - 1, "run compilemessages"
