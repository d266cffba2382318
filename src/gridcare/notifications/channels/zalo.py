"""Zalo Notification Service (ZNS): approved template messages by phone number, with OA token refresh.

Send: `POST {GRIDCARE_ZNS_URL}/message/template`, header `access_token`, JSON `phone` (84…, no "+"),
`template_id`, `template_data`, `tracking_id` (our outbox key: the idempotency key of retries).
Success is `error == 0` with `data.msg_id`; `-124` (invalid token) refreshes the token once and
retries. Refresh: `POST {GRIDCARE_ZNS_OAUTH_URL}/v4/oa/access_token`, header `secret_key`, form
`app_id`, `grant_type=refresh_token`, `refresh_token`; the reply's new refresh token is stored.

A batch sends with several requests in flight (`thread_safe`). The token is read (and refreshed when
it expires) on the thread that opened the sender, under the provider row's lock, before the first
send; the pool's threads only use it. A pool thread whose token is rejected (-124) does not refresh
(refresh tokens are single-use: that must happen once, under the lock, and be stored at once): its
message is retried later, and the sender refreshes on its own thread when the batch ends.
"""

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator

import httpx
from django.db import transaction
from django.utils import timezone

from gridcare.notifications import conf
from gridcare.notifications.channels.base import OutgoingMessage, SendResult, http_client, http_failure
from gridcare.notifications.models import ProviderState
from gridcare.notifications.services import provider_tokens_store

INVALID_TOKEN = -124
# Errors that say "later" rather than "never" (quota and rate limits of the OA).
RETRYABLE_ERRORS = {-32, -144}


class TokenError(RuntimeError):
    pass


class ZnsSender:
    thread_safe = True

    def __init__(self, client: httpx.Client):
        self.client = client
        self.base = conf.setting("ZNS_URL", "https://business.openapi.zalo.me").rstrip("/")
        self.oauth = conf.setting("ZNS_OAUTH_URL", "https://oauth.zaloapp.com").rstrip("/")
        self.token: str | None = None
        self.token_expires_at: dt.datetime | None = None
        self.home = threading.get_ident()  # the only thread that touches the database
        self.rejected: str | None = None  # a token a pool thread saw rejected
        self.unavailable = ""  # why no token could be had when the batch began

    def on_home_thread(self) -> bool:
        return threading.get_ident() == self.home

    def cached_token(self) -> str | None:
        """The token read on the home thread, while it is valid (no database access: any thread)."""
        if (
            self.token
            and self.token_expires_at
            and self.token_expires_at > timezone.now()
            and self.token != self.rejected
        ):
            return self.token
        return None

    def _state(self) -> ProviderState:
        state, _created = ProviderState.objects.get_or_create(provider="zalo")
        return state

    def access_token(self, *, force: bool = False) -> str:
        """A valid OA access token, refreshed (once across workers) when missing, expired or rejected."""
        if not force and (cached := self.cached_token()):
            return cached
        if not self.on_home_thread():
            raise TokenError("Zalo token expired or rejected during a batch: retried with a new one")
        stale = self.token if force else None
        state = self._state()
        now = timezone.now()
        if not force and state.access_token and state.token_expires_at and state.token_expires_at > now:
            self.token, self.token_expires_at = state.access_token, state.token_expires_at
            return self.token
        with transaction.atomic():
            state = ProviderState.objects.select_for_update().get(pk=state.pk)
            if (
                state.access_token
                and state.access_token != stale
                and state.token_expires_at
                and state.token_expires_at > now
            ):
                self.token, self.token_expires_at = (
                    state.access_token,
                    state.token_expires_at,
                )  # refreshed meanwhile
                return self.token
            refresh_token = state.refresh_token or conf.setting("ZNS_REFRESH_TOKEN", "")
            response = self.client.post(
                f"{self.oauth}/v4/oa/access_token",
                headers={"secret_key": conf.setting("ZNS_SECRET_KEY", "")},
                data={
                    "app_id": conf.setting("ZNS_APP_ID", ""),
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
            )
            data = response.json() if response.status_code == 200 else {}
            if not data.get("access_token"):
                raise TokenError(
                    f"Zalo token refresh failed: HTTP {response.status_code} {response.text[:200]}"
                )
            expires_at = now + dt.timedelta(seconds=int(data.get("expires_in", 90000)) - 300)
            provider_tokens_store(
                provider="zalo", access_token=data["access_token"],
                refresh_token=data.get("refresh_token") or refresh_token, expires_at=expires_at,
            )  # fmt: skip
            self.token, self.token_expires_at, self.rejected = data["access_token"], expires_at, None
            return self.token

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = message.phone.lstrip("+")
        if not phone:
            return SendResult.failed(error="no phone number for Zalo", retryable=False)
        if self.unavailable:
            return SendResult.failed(error=self.unavailable, retryable=True, address=phone)
        payload = {
            "phone": phone, "template_id": message.zns_template_id, "template_data": message.params,
            "tracking_id": message.key,
        }  # fmt: skip
        try:
            for attempt in range(2):
                token = self.access_token(force=attempt > 0)
                response = self.client.post(
                    f"{self.base}/message/template", json=payload, headers={"access_token": token}
                )
                if response.status_code != 200:
                    return http_failure(response, address=phone)
                data = response.json()
                if data.get("error") != INVALID_TOKEN:
                    break
                self.rejected = token
                if not self.on_home_thread():
                    break  # retried later; the home thread refreshes when the batch ends
        except TokenError as exc:
            return SendResult.failed(error=str(exc), retryable=True, address=phone)
        except httpx.HTTPError as exc:
            return SendResult.failed(error=f"{type(exc).__name__}: {exc}", retryable=True, address=phone)
        error = data.get("error")
        if error == 0:
            return SendResult.accepted(
                address=phone, provider_ref=str((data.get("data") or {}).get("msg_id", ""))
            )
        return SendResult.failed(
            error=f"ZNS error {error}: {data.get('message', '')}", retryable=error in RETRYABLE_ERRORS or error == INVALID_TOKEN,
            address=phone,
        )  # fmt: skip


class ZnsAdapter:
    @contextlib.contextmanager
    def open(self) -> Iterator[ZnsSender]:
        with http_client() as client:
            sender = ZnsSender(client)
            try:
                sender.access_token()  # read (or refresh) on this thread, before any pool thread sends
            except (TokenError, httpx.HTTPError) as exc:  # no token: the batch's messages wait for a retry
                sender.unavailable = f"{type(exc).__name__}: {exc}"
            yield sender
            if sender.rejected is not None:  # a pool thread saw the token rejected: refresh it now, here
                with contextlib.suppress(TokenError):
                    sender.access_token(force=True)
