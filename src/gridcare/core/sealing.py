"""Secrets that must travel through stored data, sealed so that only this installation can read them.

A one-time code is queued with its message and read by the delivery worker after the caller's
transaction commits; it must not sit in clear in the notice (staff can open notices in the back
office, and a database copy would hold live codes). `seal` encrypts and authenticates a text with a
key derived from `SECRET_KEY` (Fernet: AES-128-CBC with HMAC-SHA256); `unseal` gives it back, or
raises `SealBroken` when the token was altered or sealed under another `SECRET_KEY`.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SealBroken(ValueError):
    """The sealed text cannot be read back (altered, or sealed with another SECRET_KEY)."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"gridcare.core.sealing:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str) -> str:
    """The text encrypted and authenticated, as URL-safe ASCII."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The text a `seal` call produced on this installation."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SealBroken("sealed value cannot be read with this SECRET_KEY") from exc
