"""Provider servers of the notification tests, for the callback endpoints."""

from tests.notifications.conftest import clock, sms_server, zns_server  # noqa: F401 - fixtures
