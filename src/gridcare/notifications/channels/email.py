"""E-mail through Django's e-mail backend (SMTP in production), one connection per batch.

SMTP has no idempotency key: a retry after a crash between the server's acceptance and our record
can repeat a message (at-least-once). The Message-ID is the outbox key, so mail systems that drop
repeated Message-IDs show it once.
"""

import contextlib
import smtplib
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from gridcare.notifications.channels.base import OutgoingMessage, SendResult


class EmailSender:
    def __init__(self, connection):
        self.connection = connection

    def send(self, message: OutgoingMessage) -> SendResult:
        if not message.email:
            return SendResult.failed(error="no e-mail address", retryable=False)
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.email],
            headers={"Message-ID": f"<{message.key}@gridcare.notifications>", "Content-Language": message.language},
            connection=self.connection,
        )  # fmt: skip
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult.failed(error=f"recipient refused: {exc.recipients}", retryable=False, address=message.email)
        except (smtplib.SMTPException, OSError) as exc:
            with contextlib.suppress(Exception):
                self.connection.close()
            return SendResult.failed(error=f"SMTP: {exc}", retryable=True, address=message.email)
        return SendResult.accepted(address=message.email, provider_ref=message.key)


class EmailAdapter:
    @contextlib.contextmanager
    def open(self) -> Iterator[EmailSender]:
        connection = get_connection(fail_silently=False)
        try:
            yield EmailSender(connection)
        finally:
            with contextlib.suppress(Exception):
                connection.close()
