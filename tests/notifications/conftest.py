import base64

import pytest

from tests.notifications.servers import PushServer, SmsServer, ZnsServer, smtp_server


class FakeClock:
    """Seconds since the epoch that only move when the code sleeps or the test says so."""

    def __init__(self, start):
        self.t = start.timestamp()
        self.slept = 0.0

    def __call__(self):
        return self.t

    def sleep(self, seconds):
        self.slept += seconds
        self.t += seconds

    def advance(self, seconds):
        self.t += seconds


@pytest.fixture
def clock():
    from tests.notifications.builders import NOON

    return FakeClock(NOON)


@pytest.fixture
def sms_server(settings):
    server = SmsServer().start()
    settings.GRIDCARE_SMS_URL = f"{server.url}/v1/messages"
    settings.GRIDCARE_SMS_API_KEY = server.api_key
    settings.GRIDCARE_NOTIFY_HTTP_TIMEOUT = 2.0
    yield server
    server.stop()


@pytest.fixture
def zns_server(settings):
    server = ZnsServer().start()
    settings.GRIDCARE_ZNS_URL = server.url
    settings.GRIDCARE_ZNS_OAUTH_URL = server.url
    settings.GRIDCARE_ZNS_APP_ID = "app-1"
    settings.GRIDCARE_ZNS_SECRET_KEY = "zns-secret"
    settings.GRIDCARE_ZNS_REFRESH_TOKEN = "refresh-0"
    settings.GRIDCARE_NOTIFY_HTTP_TIMEOUT = 2.0
    yield server
    server.stop()


@pytest.fixture
def push_server(settings):
    from py_vapid import Vapid

    from gridcare.notifications.pushendpoints import DEFAULT_PUSH_SERVICE_HOSTS

    server = PushServer().start()
    # The local push service is reachable only because the allow-list names its origin exactly.
    settings.GRIDCARE_PUSH_SERVICE_HOSTS = [*DEFAULT_PUSH_SERVICE_HOSTS, server.url]
    vapid = Vapid()
    vapid.generate_keys()
    # The raw 32-byte private scalar, base64url: the form `vapid --gen` tools and web-push libraries print.
    raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.GRIDCARE_VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    settings.GRIDCARE_VAPID_SUBJECT = "mailto:cskh@example.vn"
    settings.GRIDCARE_NOTIFY_HTTP_TIMEOUT = 2.0
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    with smtp_server() as (port, messages):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_TIMEOUT = 5
        yield messages
