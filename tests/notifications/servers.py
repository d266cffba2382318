"""Local servers that speak the providers' protocols, on 127.0.0.1 with ephemeral ports.

Each records what it accepted and can be told to fail (HTTP 500), throttle (429 + Retry-After),
time out (answer after a delay) or reject a token. Used by the tests and by benchmarks/fanout.py.
"""

import asyncio
import contextlib
import json
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Listener(ThreadingHTTPServer):
    # A provider's front end accepts many connections at once; Python's default backlog of 5 made
    # the kernel reset connections when two workers opened their 16 each at the same moment.
    request_queue_size = 128
    daemon_threads = True


class ProviderServer:
    """Base: a threaded HTTP server; `mode` is one of ok / fail / throttle / slow; `fail_next` fails n requests."""

    def __init__(self):
        self.lock = threading.Lock()
        self.mode = "ok"
        self.fail_next = 0
        self.delay = 0.0
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server was answering at once
        self.accepted: dict[str, dict] = {}  # idempotency key -> payload
        self.arrivals: list[
            float
        ] = []  # time.monotonic() of each new acceptance (benchmarks' sustained rate)
        self.duplicates = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real providers (every reply has a Content-Length)
            disable_nagle_algorithm = (
                True  # headers and body leave as two writes: no 40 ms delayed-ACK stalls
            )

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with server.lock:
                    server.requests += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    failing = server.fail_next > 0
                    if failing:
                        server.fail_next -= 1
                try:
                    self.answer(body, failing)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def answer(self, body, failing):
                if server.mode == "slow" or server.delay:
                    time.sleep(server.delay or 2.0)
                if server.mode == "fail" or failing:
                    return self.reply(500, {"error": "internal"})
                if server.mode == "throttle":
                    return self.reply(429, {"error": "too many requests"}, {"Retry-After": "7"})
                status, payload, headers = server.handle(self.path, self.headers, body)
                return self.reply(status, payload, headers)

            def reply(self, status, payload, headers=None):
                data = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = _Listener(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def accept(self, key: str, payload: dict) -> tuple[bool, str]:
        """Record a message once per idempotency key (with its arrival time); returns (new, message id)."""
        with self.lock:
            if key in self.accepted:
                self.duplicates[key] += 1
                return False, self.accepted[key]["_id"]
            payload["_id"] = f"m{len(self.accepted) + 1}"
            self.accepted[key] = payload
            self.arrivals.append(time.monotonic())
            return True, payload["_id"]


class SmsServer(ProviderServer):
    """The generic SMS HTTP API of channels/sms.py, deduplicating by client_ref."""

    api_key = "sms-test-key"

    def handle(self, path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "unauthorised"}, {}
        data = json.loads(body)
        if not data.get("to", "").startswith("+") or not data.get("text"):
            return 400, {"error": "invalid recipient or text"}, {}
        new, message_id = self.accept(data["client_ref"], data)
        return 200, {"message_id": message_id, "status": "accepted" if new else "duplicate"}, {}


class ZnsServer(ProviderServer):
    """Zalo ZNS: OAuth refresh (rotating refresh tokens) and the template message API."""

    def __init__(self, refresh_token="refresh-0"):  # noqa: S107 - a test server's fake token
        super().__init__()
        self.refresh_token = refresh_token
        self.access_token = None
        self.refreshes = 0
        self.template_limits = {"customer_code": 30, "code": 10}

    def handle(self, path, headers, body):
        if path == "/v4/oa/access_token":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            if headers.get("secret_key") != "zns-secret" or form.get("refresh_token") != self.refresh_token:
                return 400, {"error": -14014, "message": "invalid refresh token"}, {}
            self.refreshes += 1
            self.access_token = f"access-{self.refreshes}"
            self.refresh_token = f"refresh-{self.refreshes}"
            return (
                200,
                {
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "expires_in": "90000",
                },
                {},
            )
        if path == "/message/template":
            if headers.get("access_token") != self.access_token or self.access_token is None:
                return 200, {"error": -124, "message": "Access token is invalid"}, {}
            data = json.loads(body)
            if not data["phone"].startswith("84"):
                return 200, {"error": -108, "message": "Phone number is invalid"}, {}
            for name, value in data["template_data"].items():
                if len(value) > self.template_limits.get(name, 200):
                    return 200, {"error": -1139, "message": f"param {name} too long"}, {}
            _new, message_id = self.accept(data["tracking_id"], data)
            return 200, {"error": 0, "message": "Success", "data": {"msg_id": message_id}}, {}
        return 404, {"error": "not found"}, {}

    def expire_token(self):
        self.access_token = "expired-on-server"


class PushServer(ProviderServer):
    """A Web Push service: POST /push/<id> with an encrypted body and a VAPID Authorization header."""

    def __init__(self):
        super().__init__()
        self.gone: set[str] = set()

    def handle(self, path, headers, body):
        subscription = path.rsplit("/", 1)[-1]
        if subscription in self.gone:
            return 410, None, {}
        auth = headers.get("Authorization", "")
        if not auth.startswith("vapid t=") or headers.get("Content-Encoding") != "aes128gcm" or not body:
            return 400, {"error": "bad request"}, {}
        topic = headers.get("Topic", "")
        self.accept(
            f"{subscription}:{topic}",
            {"urgency": headers.get("Urgency"), "ttl": headers.get("TTL"), "size": len(body)},
        )
        return 201, None, {"Location": f"{self.url}/messages/{subscription}-{topic}"}


class Received(list):
    """The messages an SMTP server took; `delay` slows each DATA answer, `max_in_flight` counts overlap."""

    delay = 0.0
    in_flight = 0
    max_in_flight = 0


@contextlib.contextmanager
def smtp_server():
    """An aiosmtpd SMTP server on an ephemeral port; yields (port, messages list)."""
    import socket

    from aiosmtpd.controller import Controller

    messages = Received()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.endswith("@refused.invalid"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            messages.in_flight += 1
            messages.max_in_flight = max(messages.max_in_flight, messages.in_flight)
            try:
                if messages.delay:
                    await asyncio.sleep(messages.delay)
                messages.append(envelope.content.decode("utf8", errors="replace"))
            finally:
                messages.in_flight -= 1
            return "250 Message accepted for delivery"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, messages
    finally:
        controller.stop()
