"""E-mail through Django's e-mail backend (SMTP in production), one connection per sending thread.

A batch may send on several threads (`thread_safe`): each has its own backend instance and SMTP
connection (a connection carries one conversation at a time), all closed when the batch ends.

SMTP has no idempotency key: a retry after a crash between the server's acceptance and our record
can repeat a message (at-least-once). The Message-ID is the outbox key, so mail systems that drop
repeated Message-IDs show it once.
"""

import contextlib
import smtplib
import threading
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from gridcare.notifications.channels.base import OutgoingMessage, SendResult


class EmailSender:
    thread_safe = True

    def __init__(self):
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list = []

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = get_connection(fail_silently=False)
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(Exception):
                connection.close()

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.email:
            return SendResult.failed(error="no e-mail address", retryable=False)
        connection = self._connection()
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.email],
            headers={"Message-ID": f"<{message.key}@gridcare.notifications>", "Content-Language": message.language},
            connection=connection,
        )  # fmt: skip
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult.failed(
                error=f"recipient refused: {exc.recipients}", retryable=False, address=message.email
            )
        except (smtplib.SMTPException, OSError) as exc:
            with contextlib.suppress(Exception):
                connection.close()  # the next message on this thread opens a new one
            return SendResult.failed(error=f"SMTP: {exc}", retryable=True, address=message.email)
        return SendResult.accepted(address=message.email, provider_ref=message.key)


class EmailAdapter:
    @contextlib.contextmanager
    def open(self) -> Iterator[EmailSender]:
        sender = EmailSender()
        try:
            yield sender
        finally:
            sender.close()
