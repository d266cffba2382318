"""The one interface every external channel implements."""

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any, Protocol

import httpx

from gridcare.notifications import conf


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

    @classmethod
    def accepted(cls, *, address: str, provider_ref: str = "") -> "SendResult":
        return cls(ok=True, address=address, provider_ref=provider_ref)

    @classmethod
    def failed(cls, *, error: str, retryable: bool, address: str = "", retry_after: float | None = None) -> "SendResult":
        return cls(ok=False, error=error, retryable=retryable, address=address, retry_after=retry_after)


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult: ...


class Adapter(Protocol):
    def open(self) -> contextlib.AbstractContextManager[Sender]: ...


def http_failure(response: httpx.Response, *, address: str) -> SendResult:
    """Map an HTTP error status to a result: 429 and 5xx are retried (honouring Retry-After), 4xx are not."""
    retry_after = None
    if "retry-after" in response.headers:
        with contextlib.suppress(ValueError):
            retry_after = float(response.headers["retry-after"])
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult.failed(
        error=f"HTTP {response.status_code}: {response.text[:200]}", retryable=retryable, address=address,
        retry_after=retry_after,
    )  # fmt: skip


@contextlib.contextmanager
def http_client() -> Iterator[httpx.Client]:
    """An HTTP client with the configured timeout, reused for one batch."""
    timeout = conf.float_setting("NOTIFY_HTTP_TIMEOUT", 10.0)
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        yield client
