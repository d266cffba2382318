"""The one interface every external channel implements."""

import contextlib
import dataclasses
import functools
import http.client
import json
import ssl
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from gridcare.notifications import conf

if TYPE_CHECKING:
    import httpx


@dataclasses.dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message for one account on one channel; `key` is stable across retries."""

    key: str
    language: str
    subject: str
    body: str
    params: dict[str, str]
    urgent: bool
    email: str = ""
    phone: str = ""
    zns_template_id: str = ""
    push_subscriptions: tuple[dict[str, Any], ...] = ()


@dataclasses.dataclass(frozen=True)
class SendResult:
    """The outcome of one provider call: accepted, or failed (retryable or not) with a reason."""

    ok: bool
    address: str = ""
    provider_ref: str = ""
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None
    # Web Push subscriptions the push service said are gone (404/410): the recording thread turns
    # them off, so that a sender running on a pool thread never touches the database.
    gone_endpoints: tuple[str, ...] = ()

    @classmethod
    def accepted(
        cls, *, address: str, provider_ref: str = "", gone_endpoints: tuple[str, ...] = ()
    ) -> "SendResult":
        return cls(ok=True, address=address, provider_ref=provider_ref, gone_endpoints=gone_endpoints)

    @classmethod
    def failed(
        cls, *, error: str, retryable: bool, address: str = "", retry_after: float | None = None,
        gone_endpoints: tuple[str, ...] = (),
    ) -> "SendResult":  # fmt: skip
        return cls(
            ok=False, error=error, retryable=retryable, address=address, retry_after=retry_after,
            gone_endpoints=gone_endpoints,
        )  # fmt: skip


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult: ...


class Adapter(Protocol):
    def open(self) -> contextlib.AbstractContextManager[Sender]: ...


def http_failure(response: "httpx.Response | JsonReply", *, address: str) -> SendResult:
    """Map an HTTP error status to a result: 429 and 5xx are retried (honouring Retry-After), 4xx are not."""
    retry_after = None
    if response.headers.get("retry-after") is not None:
        with contextlib.suppress(ValueError):
            retry_after = float(response.headers["retry-after"])
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult.failed(
        error=f"HTTP {response.status_code}: {response.text[:200]}", retryable=retryable, address=address,
        retry_after=retry_after,
    )  # fmt: skip


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The default TLS context (httpx's: certifi's CA bundle), built once per process (~20 ms each time)."""
    import httpx  # imported when first needed: a worker start-up that sends SMS only does without it

    return httpx.create_ssl_context(trust_env=False)


@contextlib.contextmanager
def http_client() -> "Iterator[httpx.Client]":
    """An HTTP client with the configured timeout, reused for one batch (thread-safe: one pool of connections)."""
    import httpx

    timeout = conf.float_setting("NOTIFY_HTTP_TIMEOUT", 10.0)
    with httpx.Client(timeout=timeout, trust_env=False, verify=_ssl_context()) as client:
        yield client


# Errors of a `JsonPoster` request after which the provider may or may not have the message.
HTTP_ERRORS = (OSError, http.client.HTTPException)


@dataclasses.dataclass(frozen=True)
class JsonReply:
    status_code: int
    headers: Mapping[str, str]  # http.client's headers: case-insensitive `get`
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class JsonPoster:
    """POST JSON to one URL over kept-alive HTTP/1.1 connections, one per thread (so thread-safe).

    A lean alternative to httpx for the hot path of a provider that takes one request per message
    (about a third of httpx's CPU per request). The timeout applies to connecting and to each read,
    as httpx's does. A kept-alive connection the server has meanwhile closed is retried once on a
    new connection: only for providers that deduplicate by a key in the body (the SMS client_ref),
    since the first attempt may have reached them.
    """

    def __init__(self, url: str, *, timeout: float, headers: Mapping[str, str]):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json",
                        "User-Agent": "gridcare-notifications", **headers}  # fmt: skip
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self.https:
                connection = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=_ssl_context()
                )
            else:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.connection = connection
            with self._lock:
                self._open.append(connection)
        return connection

    def post(self, payload: Any) -> JsonReply:
        """Send one request and read the whole reply; raises one of `HTTP_ERRORS` when no reply came."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in (1, 2):
            connection = self._connection()
            reused = connection.sock is not None
            try:
                connection.request("POST", self.path, body=body, headers=self.headers)
                response = connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if reused and attempt == 1:
                    continue  # the server closed the idle connection: once more on a fresh one
                raise
            except BaseException:
                connection.close()  # a timeout or a half-read reply leaves the connection unusable
                raise
            if response.will_close:
                connection.close()
            return JsonReply(status_code=response.status, headers=response.headers, content=content)
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            for connection in self._open:
                connection.close()
            self._open.clear()


@contextlib.contextmanager
def json_poster(url: str, *, headers: Mapping[str, str]) -> Iterator[JsonPoster]:
    """A `JsonPoster` with the configured timeout for one batch; its connections are closed afterwards."""
    poster = JsonPoster(url, timeout=conf.float_setting("NOTIFY_HTTP_TIMEOUT", 10.0), headers=headers)
    try:
        yield poster
    finally:
        poster.close()
