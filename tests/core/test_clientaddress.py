"""The client address, taken one way everywhere: proxy-aware, never believing what a client writes."""

import pathlib
import re

import pytest
from django.test import RequestFactory

from gridcare.core.clientaddress import address_group, client_address

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "gridcare"


def _request(peer, forwarded=None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("proxies", "peer", "forwarded", "expected"),
    [
        (0, "198.51.100.1", None, "198.51.100.1"),
        (
            0,
            "198.51.100.1",
            "203.0.113.9",
            "198.51.100.1",
        ),  # no trusted proxy: the header is the client's word
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the forged entry in front is ignored
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (1, "10.0.0.1", None, "10.0.0.1"),
        (1, "10.0.0.1", " 2001:DB8::1 ", "2001:db8::1"),
        (0, "", None, None),
    ],
)
def test_client_address(settings, proxies, peer, forwarded, expected):
    settings.GRIDCARE_TRUSTED_PROXY_COUNT = proxies
    assert client_address(_request(peer, forwarded)) == expected


def test_drf_counts_proxies_from_the_same_setting(settings):
    from django.conf import settings as live

    assert live.REST_FRAMEWORK["NUM_PROXIES"] == live.GRIDCARE_TRUSTED_PROXY_COUNT


def test_ipv6_addresses_are_grouped_by_64_network():
    assert address_group("2001:db8:1:2::5") == address_group("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert address_group("2001:db8:1:3::5") != address_group("2001:db8:1:2::5")
    assert address_group("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_group("192.0.2.1") == "192.0.2.1"


def test_nothing_else_in_the_code_reads_the_peer_or_the_forwarded_header():
    readers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "clientaddress.py"
        and re.search(r"REMOTE_ADDR|HTTP_X_FORWARDED_FOR", path.read_text())
    )
    assert readers == []
