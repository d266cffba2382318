"""Sealed secrets: readable back on this installation only, and never in clear."""

import pytest

from gridcare.core.sealing import SealBroken, seal, unseal


def test_a_sealed_text_reads_back_and_does_not_show():
    token = seal("482913")
    assert "482913" not in token and token.isascii()
    assert unseal(token) == "482913"
    assert seal("482913") != token  # a fresh nonce each time: equal codes do not look equal


def test_an_altered_or_foreign_token_is_refused(settings):
    token = seal("482913")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(SealBroken):
        unseal(tampered)
    settings.SECRET_KEY = "another-installation-" + "y" * 40
    with pytest.raises(SealBroken):
        unseal(token)
