"""VietQR payloads, read back by a decoder we did not write (vietnam_qr_pay), and the bill payment reference."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vietnam_qr_pay import QRPay
from vietnam_qr_pay.crc16 import crc16ccitt

from gridcare.billing.vietqr import (
    CollectionAccount,
    VietQRError,
    bill_number_from_reference,
    bill_numbers_in_memo,
    crc16_ccitt_false,
    payment_reference,
    vietqr_payload,
)

ACCOUNT = CollectionAccount(
    bank_bin="970436", account_number="0011001234567", account_name="CONG TY DIEN LUC"
)


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (b"", 0xFFFF),
        (b"A", 0xB915),  # the published check values of CRC-16/CCITT-FALSE
        (b"123456789", 0x29B1),
    ],
)
def test_crc_matches_the_published_check_values(data, crc):
    assert crc16_ccitt_false(data) == crc


def test_payload_is_the_napas_layout_written_out_by_hand():
    payload = vietqr_payload(account=ACCOUNT, amount=123_400, reference="TD20251100000012348")
    beneficiary = "0006970436" + "01130011001234567"
    merchant = "0010A000000727" + "0127" + beneficiary + "0208QRIBFTTA"
    expected = "0002010102123857" + merchant + "530370454061234005802VN62230819TD202511000000123486304"
    assert payload[:-4] == expected
    # The CRC, by the decoder package's own (table-driven) implementation.
    assert payload[-4:] == f"{crc16ccitt(expected):04X}"


def test_decoder_reads_back_bank_account_amount_and_reference():
    qr = QRPay(vietqr_payload(account=ACCOUNT, amount=1_005, reference="TD20251100000012348"))
    assert qr.is_valid
    assert (qr.provider.guid, qr.provider.service) == ("A000000727", "QRIBFTTA")
    assert (qr.consumer.bank_bin, qr.consumer.bank_number) == ("970436", "0011001234567")
    assert (qr.init_method, qr.currency, qr.amount, qr.nation) == ("12", "704", "1005", "VN")
    assert qr.additional_data.purpose == "TD20251100000012348"


def test_without_an_amount_the_code_is_static():
    qr = QRPay(vietqr_payload(account=ACCOUNT, amount=None, reference="TD20251100000012348"))
    assert qr.is_valid and qr.init_method == "11" and qr.amount is None


def test_a_changed_character_breaks_the_crc():
    payload = vietqr_payload(account=ACCOUNT, amount=123_400, reference="TD20251100000012348")
    tampered = payload.replace("5406123400", "5406923400")
    assert not QRPay(tampered).is_valid


@pytest.mark.parametrize("amount", [0, -5, 10**13, 12.5])
def test_amounts_that_no_bank_accepts_are_refused(amount):
    with pytest.raises(VietQRError):
        vietqr_payload(account=ACCOUNT, amount=amount, reference="TD1")


@pytest.mark.parametrize("reference", ["", "td123", "TD 123", "TĐ123", "X" * 26])
def test_references_that_a_memo_would_mangle_are_refused(reference):
    with pytest.raises(VietQRError):
        vietqr_payload(account=ACCOUNT, amount=1, reference=reference)


def test_bad_bank_bin_is_refused():
    with pytest.raises(VietQRError):
        vietqr_payload(account=CollectionAccount("97043", "1", "X"), amount=1, reference="TD1")


@given(
    amount=st.integers(min_value=1, max_value=10**13 - 1),
    period=st.integers(min_value=200001, max_value=209912),
    serial=st.integers(min_value=0, max_value=10**9 - 1),
    account_number=st.from_regex(r"[0-9]{6,19}", fullmatch=True),
)
def test_any_bill_any_amount_decodes_to_what_was_encoded(amount, period, serial, account_number):
    reference = payment_reference(bill_number=f"{period}-{serial:09d}")
    qr = QRPay(
        vietqr_payload(
            account=CollectionAccount("970418", account_number, "X"), amount=amount, reference=reference
        )
    )
    assert qr.is_valid
    assert qr.amount == str(amount) and qr.consumer.bank_number == account_number
    assert bill_number_from_reference(qr.additional_data.purpose) == f"{period}-{serial:09d}"


def test_reference_is_prefix_digits_and_mod97_check_digits():
    # 202511000000123 × 100 = 20251100000012300; mod 97 = 50 (by hand: long division); 98 − 50 = 48.
    assert payment_reference(bill_number="202511-000000123") == "TD20251100000012348"
    assert bill_number_from_reference("TD20251100000012348") == "202511-000000123"


def test_reference_of_a_number_that_is_not_a_bill_runs_is_refused():
    with pytest.raises(VietQRError):
        payment_reference(bill_number="DC-202511-000000123")


@given(serial=st.integers(min_value=0, max_value=10**9 - 1), position=st.integers(min_value=2, max_value=16),
       digit=st.integers(min_value=1, max_value=9))  # fmt: skip
def test_one_wrong_digit_or_a_swap_is_never_another_bill(serial, position, digit):
    reference = payment_reference(bill_number=f"202511-{serial:09d}")
    wrong = list(reference)
    wrong[position] = str((int(wrong[position]) + digit) % 10)
    assert bill_number_from_reference("".join(wrong)) is None
    swapped = list(reference)
    swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
    if swapped != list(reference):
        assert bill_number_from_reference("".join(swapped)) is None


def test_references_are_found_in_memos_as_banks_mangle_them():
    ref = "TD20251100000012348"
    assert bill_numbers_in_memo(f"MBVCB.3456789.{ref}.CT tu 0011000 NGUYEN VAN A") == ["202511-000000123"]
    assert bill_numbers_in_memo("td 2025 1100 0000 1234 8 thanh toan tien dien") == ["202511-000000123"]
    assert bill_numbers_in_memo(f"{ref} {ref}") == ["202511-000000123"]
    assert bill_numbers_in_memo("TD20251100000012349 sai so kiem tra") == []
    assert bill_numbers_in_memo("thanh toan tien dien thang 11") == []
