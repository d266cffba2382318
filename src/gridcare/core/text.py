"""Text folded for search: Vietnamese typed without diacritics finds the name written with them."""

import unicodedata

# `đ` is a letter of its own, not `d` with a combining mark: NFD leaves it whole.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """`text` in lower case without diacritics and with single spaces: `Nguyễn  Văn Đức` -> `nguyen van duc`."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_LETTERS))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())
