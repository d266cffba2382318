import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import gridcare.portal

LOCALE = Path(gridcare.portal.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_portal_string_is_translated_and_compiled(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    messages = [m for m in catalogue if m.id]
    assert messages
    assert [m.id for m in messages if not m.string or m.fuzzy] == []
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in messages if (compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)) != m.string]
    assert stale == [], "run compilemessages"
