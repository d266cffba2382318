"""Web Push endpoints: only known push services (no SSRF), and never taken over from another customer."""

import pytest

from gridcare.core.models import AuditEntry
from gridcare.notifications import services
from gridcare.notifications.channels.base import OutgoingMessage
from gridcare.notifications.channels.webpush import WebPushSender
from gridcare.notifications.models import PushSubscription
from gridcare.notifications.pushendpoints import push_endpoint_allowed
from tests import factories
from tests.notifications.builders import NOON
from tests.portal.builders import portal_login

ALLOWED = [
    "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91b",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAAB",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
    "https://web.push.apple.com/QGuQyavXutnMH",
    "https://fcm.googleapis.com:443/fcm/send/x",
]
REFUSED = [
    "http://fcm.googleapis.com/fcm/send/x",  # not https
    "https://fcm.googleapis.com:8443/fcm/send/x",  # another port
    "https://127.0.0.1/push/x",  # loopback literal
    "https://[::1]/push/x",
    "https://10.0.0.5/push/x",  # private network
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://localhost/push/x",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://push.example.net/send/abc",  # unknown service
    "https://fcm.googleapis.com.evil.example/x",  # look-alike
    "https://evilfcm.googleapis.com/x",
    "https://notify.windows.com/x",  # the wildcard is for sub-domains
    "https://fcm.googleapis.com@10.0.0.5/x",  # user info hiding the real host
    "https://user:pw@fcm.googleapis.com/x",
    "https://fcm.googleapis.com./x",
    "ftp://fcm.googleapis.com/x",
    "not a url",
]


@pytest.mark.parametrize("endpoint", ALLOWED)
def test_endpoints_of_known_push_services_are_allowed(endpoint):
    assert push_endpoint_allowed(endpoint)


@pytest.mark.parametrize("endpoint", REFUSED)
def test_other_endpoints_are_refused(endpoint):
    assert not push_endpoint_allowed(endpoint)


def test_a_local_server_is_allowed_only_when_the_setting_names_its_origin(settings):
    local = "http://127.0.0.1:8765/push/x"
    assert not push_endpoint_allowed(local)
    settings.GRIDCARE_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "http://127.0.0.1:8765"]
    assert push_endpoint_allowed(local)
    assert not push_endpoint_allowed("http://127.0.0.1:8766/push/x")  # another port of the same host
    assert not push_endpoint_allowed("https://updates.push.services.mozilla.com/x")  # no longer listed
    settings.GRIDCARE_PUSH_SERVICE_HOSTS = (
        "fcm.googleapis.com, *.notify.windows.com"  # the environment's form
    )
    assert push_endpoint_allowed("https://a.notify.windows.com/w/")
    settings.GRIDCARE_PUSH_SERVICE_HOSTS = ["10.0.0.5", "*.internal"]  # patterns never match an IP or a port
    assert not push_endpoint_allowed("https://10.0.0.5/x")


@pytest.fixture
def two_customers(world):
    mine, other = factories.account(world), factories.account(world, name="Trần Thị Bình")
    return mine, other


def _subscribe(client, account, endpoint, keys=None):
    body = {"endpoint": endpoint, "keys": keys or {"p256dh": "BPublic", "auth": "secret"}}
    return client.post(f"/accounts/{account.code}/notifications/push/", body, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["https://169.254.169.254/latest/meta-data/", "https://push.example.net/x",
                                      "https://fcm.googleapis.com:8443/fcm/send/x"])  # fmt: skip
def test_the_portal_refuses_an_endpoint_that_is_no_push_service(client, two_customers, endpoint):
    mine, _other = two_customers
    client.force_login(portal_login(mine))
    response = _subscribe(client, mine, endpoint)
    assert response.status_code == 400 and response.json()["code"] == "push_endpoint_refused"
    assert response.json()["message"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_an_endpoint_of_another_customer_is_not_taken_over(client, two_customers):
    mine, other = two_customers
    endpoint = "https://fcm.googleapis.com/fcm/send/theirs"
    theirs = services.push_subscription_add(
        account=other, endpoint=endpoint, p256dh="their-key", auth="their-auth", now=NOON
    )
    client.force_login(portal_login(mine))
    response = _subscribe(client, mine, endpoint, {"p256dh": "my-key", "auth": "my-auth"})
    # The answer is the one of a successful registration: nothing tells that the browser belongs to someone else.
    assert response.status_code == 201 and response.json()["code"] == "ok"
    theirs.refresh_from_db()
    assert (theirs.account_id, theirs.p256dh, theirs.auth, theirs.active) == (
        other.pk,
        "their-key",
        "their-auth",
        True,
    )
    assert not PushSubscription.objects.filter(account=mine).exists()
    entry = AuditEntry.objects.get(reason__startswith="push_subscription_takeover_refused")
    assert (entry.object_type, entry.object_id, entry.after) == (
        "notifications.pushsubscription", str(theirs.pk), {"refused_account": mine.pk},
    )  # fmt: skip


@pytest.mark.django_db
def test_one_customer_moves_their_browser_between_their_accounts(world):
    first = factories.account(world)
    second = factories.account(world)
    second.customer = first.customer
    second.save(update_fields=["customer"])
    endpoint = "https://fcm.googleapis.com/fcm/send/mine"
    services.push_subscription_add(account=first, endpoint=endpoint, p256dh="k", auth="a", now=NOON)
    services.push_subscription_add(account=second, endpoint=endpoint, p256dh="k2", auth="a2", now=NOON)
    assert PushSubscription.objects.get(endpoint=endpoint).account_id == second.pk


@pytest.mark.django_db
def test_the_sender_never_calls_an_endpoint_outside_the_allow_list(world, settings):
    settings.GRIDCARE_VAPID_PRIVATE_KEY = "unused-before-the-endpoint-check"
    message = OutgoingMessage(
        key="gc1", language="vi", subject="s", body="b", params={}, urgent=False, email="", phone="",
        zns_template_id="",
        push_subscriptions=({"endpoint": "http://127.0.0.1:9/push/x", "keys": {"p256dh": "k", "auth": "a"}},),
    )  # fmt: skip
    result = WebPushSender().send(message)
    assert not result.ok and not result.retryable and "not a known push service" in result.error
