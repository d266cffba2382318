"""The notifications catalogues: every message translated to English and French, and used at run time."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

import gridcare.notifications
from gridcare.notifications.models import Channel, Topic

LOCALE = Path(gridcare.notifications.__file__).parent / "locale"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_message_is_translated(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as f:
        catalog = read_po(f, locale=language)
    untranslated = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags)]
    assert untranslated == []


def test_labels_follow_the_active_language():
    with translation.override("en"):
        assert str(Topic.PLANNED_OUTAGE.label) == "planned outages"
    with translation.override("fr"):
        assert str(Channel.INBOX.label) == "messagerie du portail"
    with translation.override("vi"):
        assert str(Topic.PLANNED_OUTAGE.label) == "lịch ngừng cấp điện"
