"""Amounts in Vietnamese words, against examples written out by hand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcare.core.amount_words import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (110, "Một trăm mười đồng"),
        (1_005, "Một nghìn không trăm lẻ năm đồng"),
        (1_050, "Một nghìn không trăm năm mươi đồng"),
        (123_400, "Một trăm hai mươi ba nghìn bốn trăm đồng"),
        (1_000_000, "Một triệu đồng"),
        (2_000_001, "Hai triệu không trăm lẻ một đồng"),
        (1_234_567, "Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng"),
        (105_000_000_000, "Một trăm lẻ năm tỷ đồng"),
        (2_000_000_005, "Hai tỷ không trăm lẻ năm đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (-21_600, "Âm hai mươi mốt nghìn sáu trăm đồng"),
    ],
)
def test_amounts_read_as_an_invoice_prints_them(amount, words):
    assert amount_in_words(amount) == words


def test_linh_instead_of_le_where_the_company_writes_it():
    assert amount_in_words(105) == "Một trăm lẻ năm đồng"
    assert amount_in_words(105, zero_ten="linh") == "Một trăm linh năm đồng"
    with pytest.raises(ValueError):
        amount_in_words(105, zero_ten="linh lẻ")


@given(st.integers(min_value=1, max_value=10**15))
def test_every_amount_is_words_that_end_in_dong_without_doubled_spaces(amount):
    text = amount_in_words(amount)
    assert text.endswith(" đồng") and text[0].isupper() and "  " not in text
    assert not any(ch.isdigit() for ch in text)
    # "lẻ" only ever stands between "trăm" and a digit word.
    words = text.lower().split()
    for i, word in enumerate(words):
        if word == "lẻ":
            assert words[i - 1] == "trăm"


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=999))
def test_thousands_then_a_small_rest_reads_the_rest_in_full(thousands, rest):
    text = amount_in_words(thousands * 1000 + rest)
    tail = text.split(" nghìn ", 1)[1]
    assert tail.startswith(("không trăm", "một trăm", "hai trăm", "ba trăm", "bốn trăm", "năm trăm", "sáu trăm",
                            "bảy trăm", "tám trăm", "chín trăm"))  # fmt: skip
