"""An amount of đồng in Vietnamese words, as invoices print it ("Số tiền bằng chữ"). Pure: no Django.

Rules (the ones invoice software and EVN bills follow):
- numbers are read in groups of three digits: đơn vị, nghìn, triệu, then tỷ, and above a tỷ the same again
  (nghìn tỷ, triệu tỷ, tỷ tỷ); a group of zeros is skipped ("một triệu đồng");
- a group after the first one is read in full: 1.005 is "một nghìn không trăm lẻ năm";
- a zero ten before a unit is "lẻ" (or "linh", as the South and some software write it): 105 "một trăm lẻ năm";
- 10–19 are "mười …", 20 and up "… mươi …";
- after "mươi" (20 and up) a 1 is "mốt" and a 4 is "tư"; after "mười" or "mươi" a 5 is "lăm"
  (15 "mười lăm", 25 "hai mươi lăm"); elsewhere 5 is "năm" (105 "một trăm lẻ năm");
- the first letter is capital and the text ends with "đồng"; a negative amount (a credit note) starts "Âm".
"""

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu")


def _group(n: int, *, full: bool, zero_ten: str) -> list[str]:
    """Words of 0 < n < 1000; `full` reads the hundreds even when they are 0 (a group that is not the first)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_ten)
            words.append(_DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt" if tens > 1 else "một")
    elif units == 4:
        words.append("tư" if tens > 1 else "bốn")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS[units])
    return words


def _below_billion(n: int, *, leading: bool, zero_ten: str) -> list[str]:
    """Words of 0 < n < 10⁹ (`leading`: nothing is read before it, so its first group is read short)."""
    groups = [n // 1_000_000, n // 1_000 % 1_000, n % 1_000]
    words: list[str] = []
    for i, group in enumerate(groups):
        if not group:
            continue
        words += _group(group, full=bool(words) or not leading, zero_ten=zero_ten)
        scale = _SCALES[2 - i]
        if scale:
            words.append(scale)
    return words


def _words(n: int, *, leading: bool, zero_ten: str) -> list[str]:
    billions, rest = divmod(n, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += _words(billions, leading=leading, zero_ten=zero_ten) + ["tỷ"]
    if rest:
        words += _below_billion(rest, leading=leading and not words, zero_ten=zero_ten)
    return words


def amount_in_words(amount: int, *, zero_ten: str = "lẻ") -> str:
    """`amount` đồng in Vietnamese words: 123400 → "Một trăm hai mươi ba nghìn bốn trăm đồng"."""
    if zero_ten not in ("lẻ", "linh"):
        raise ValueError("zero_ten is 'lẻ' or 'linh'")
    if amount == 0:
        return "Không đồng"
    words = _words(abs(amount), leading=True, zero_ten=zero_ten)
    if amount < 0:
        words = ["âm", *words]
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]
