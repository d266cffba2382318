"""The notifications labels follow the active language.

Whether every string of the source is translated, and every .mo is its .po compiled: tests/core/test_catalogues.py.
"""

from django.utils import translation

from gridcare.notifications.models import Channel, Topic


def test_labels_follow_the_active_language():
    with translation.override("en"):
        assert str(Topic.PLANNED_OUTAGE.label) == "planned outages"
    with translation.override("fr"):
        assert str(Channel.INBOX.label) == "messagerie du portail"
    with translation.override("vi"):
        assert str(Topic.PLANNED_OUTAGE.label) == "lịch ngừng cấp điện"
