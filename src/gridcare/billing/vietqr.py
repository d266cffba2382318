"""NAPAS VietQR payloads (EMVCo merchant-presented QR) and the payment reference that identifies a bill.

Pure: no Django, no database. The payload is the EMVCo "merchant-presented mode" text that every Vietnamese
banking app reads; each field is `ID (2 digits) + length (2 digits) + value`:

    00 02 01                    payload format indicator
    01 02 12                    point of initiation: 12 = dynamic (one amount, one bill), 11 = static
    38 .. 00 10 A000000727      VietQR (NAPAS) merchant account information: the NAPAS GUID,
          01 .. 00 06 <BIN>     the beneficiary: the bank's 6-digit BIN (NAPAS acquirer id)
                01 .. <account> and the account number,
          02 08 QRIBFTTA        the service: fast transfer (Napas 247) to an account
    53 03 704                   currency: VND (ISO 4217 numeric)
    54 .. <amount>              amount, whole đồng
    58 02 VN                    country
    62 .. 08 .. <reference>     additional data: purpose of transaction, which banks copy into the transfer memo
    63 04 <CRC>                 CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over everything before it,
                                "6304" included, 4 uppercase hex digits

Payment reference (what the customer's bank writes in the memo, and what a bank statement line is matched by):
`TD` + the bill number's digits + 2 check digits (ISO 7064 MOD 97-10 over those digits, as in IBANs), for
example bill `202511-000000123` → `TD20251100000012348`. Uppercase ASCII letters and digits only, so it
survives what banks do to memos (uppercasing, dropping diacritics and punctuation, cutting at 50 characters,
adding their own prefix or suffix); the check digits catch every single wrong digit and every swap of two
neighbouring digits, so a mistyped reference never settles somebody else's bill.
"""

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
REFERENCE_PREFIX = "TD"  # tiền điện
_BILL_NUMBER = re.compile(r"^(\d{6})-(\d{9})$")
# In a memo the reference may be glued to the bank's own text: letters or digits around it are allowed.
_IN_MEMO = re.compile(REFERENCE_PREFIX + r"(\d{17})")


class VietQRError(ValueError):
    """A value that cannot go into a VietQR payload (the message says which and why)."""


@dataclass(frozen=True)
class CollectionAccount:
    """The utility's account that receives transfers: bank BIN (6 digits), account number, account name."""

    bank_bin: str
    account_number: str
    account_name: str


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if not value:
        raise VietQRError(f"field {tag} is empty")
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _ascii_token(value: str, *, what: str, pattern: str, max_length: int) -> str:
    if not re.fullmatch(pattern, value) or len(value) > max_length:
        raise VietQRError(
            f"{what} {value!r} is not valid (expected {pattern}, at most {max_length} characters)"
        )
    return value


def vietqr_payload(*, account: CollectionAccount, amount: int | None, reference: str) -> str:
    """The VietQR text for a transfer of `amount` đồng (None: the payer types it) with `reference` as the memo."""
    bank_bin = _ascii_token(account.bank_bin, what="bank BIN", pattern=r"\d{6}", max_length=6)
    number = _ascii_token(
        account.account_number, what="account number", pattern=r"[0-9A-Za-z]+", max_length=19
    )
    memo = _ascii_token(reference, what="reference", pattern=r"[0-9A-Z]+", max_length=25)
    if amount is not None and (not isinstance(amount, int) or amount <= 0 or amount >= 10**13):
        raise VietQRError(f"amount {amount!r} must be a whole number of đồng between 1 and 9,999,999,999,999")
    beneficiary = _field("00", bank_bin) + _field("01", number)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary) + _field("02", SERVICE_TO_ACCOUNT)
    body = (
        _field("00", "01")
        + _field("01", "11" if amount is None else "12")
        + _field("38", merchant)
        + _field("53", CURRENCY_VND)
        + (_field("54", str(amount)) if amount is not None else "")
        + _field("58", COUNTRY)
        + _field("62", _field("08", memo))
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def _mod97_check(digits: str) -> str:
    """ISO 7064 MOD 97-10 check digits of a string of digits (two digits, 02–98)."""
    return f"{98 - (int(digits) * 100) % 97:02d}"


def payment_reference(*, bill_number: str) -> str:
    """The transfer reference of a bill (`TD` + its number's 15 digits + 2 check digits)."""
    match = _BILL_NUMBER.match(bill_number)
    if not match:
        raise VietQRError(f"bill number {bill_number!r} is not a bill run's number (YYYYMM-NNNNNNNNN)")
    digits = match.group(1) + match.group(2)
    return f"{REFERENCE_PREFIX}{digits}{_mod97_check(digits)}"


def bill_number_from_reference(reference: str) -> str | None:
    """The bill number a reference stands for, or None when it is not one (wrong form or check digits)."""
    text = re.sub(r"[^0-9A-Z]", "", reference.upper())
    if not (text.startswith(REFERENCE_PREFIX) and len(text) == 19 and text[2:].isdigit()):
        return None
    digits, check = text[2:17], text[17:]
    if _mod97_check(digits) != check:
        return None
    return f"{digits[:6]}-{digits[6:]}"


def bill_numbers_in_memo(memo: str) -> list[str]:
    """Every valid bill reference found in a bank memo, as bill numbers, in order of appearance (no repeats).

    Banks uppercase memos, drop diacritics and punctuation and add their own words; spaces, dots and dashes
    inside the reference are ignored.
    """
    squeezed = re.sub(r"[^0-9A-Z]", "", memo.upper())
    found: list[str] = []
    for match in _IN_MEMO.finditer(squeezed):
        number = bill_number_from_reference(match.group(0))
        if number and number not in found:
            found.append(number)
    return found
