"""Subscription callbacks (webhooks) go only to public addresses: host names are resolved, and private, loopback
and link-local answers refused (SSRF), unless GRIDCARE_OPENADR_PRIVATE_CALLBACKS allows them (demo, tests)."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from gridcare.flexibility import openadr


def _loopback_name() -> str:
    """A host name of this machine that resolves (through /etc/hosts, a real lookup) to a loopback address."""
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    if not all(a.startswith("127.") or a == "::1" for a in addresses):
        pytest.skip(f"{name} does not resolve to a loopback address here")
    return name


@pytest.fixture
def receiver():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook", "http://10.1.2.3/hook", "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://[fe80::1]/hook", "http://100.64.0.1/hook",
        "http://0.0.0.0/hook", "http://localhost/hook", "http://api.localhost/hook", "https://no-such-host.invalid/hook",
        "ftp://93.184.216.34/hook", "http:///hook", "http://93.184.216.34:99999/hook",
    ],
)  # fmt: skip
def test_private_loopback_link_local_and_unresolvable_callbacks_are_refused(settings, url):
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = False
    assert not openadr.callback_allowed(url)


def test_a_host_name_is_resolved_before_it_is_allowed(settings):
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = False
    assert not openadr.callback_allowed(f"https://{_loopback_name()}/openadr/callback")
    assert openadr.callback_allowed("https://93.184.216.34/openadr/callback")  # a public address


def test_the_setting_allows_private_addresses_for_the_demo_and_tests(settings):
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = True
    assert openadr.callback_allowed("http://127.0.0.1:8161/hook")
    assert openadr.callback_allowed(f"http://{_loopback_name()}:8161/hook")
    assert not openadr.callback_allowed("https://no-such-host.invalid/hook")  # it must still resolve
    assert not openadr.callback_allowed("file:///etc/passwd")


def test_a_webhook_reaches_a_local_server_only_when_the_setting_allows_it(settings, receiver):
    port, received = receiver
    url = f"http://{_loopback_name()}:{port}/callback?ven=1"
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = False
    assert openadr._post(url, b'{"a": 1}', {"Content-Type": "application/json"}, timeout=5) is None
    assert received == []
    settings.GRIDCARE_OPENADR_PRIVATE_CALLBACKS = True
    assert openadr._post(url, b'{"a": 1}', {"Content-Type": "application/json"}, timeout=5) == 204
    assert received == [b'{"a": 1}']
