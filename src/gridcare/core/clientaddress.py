"""The client's network address, taken one way for throttles, lockouts and the audit log.

Behind N trusted reverse proxies (`GRIDCARE_TRUSTED_PROXY_COUNT`, the same number DRF reads as
`NUM_PROXIES`), each proxy appends the address it saw to `X-Forwarded-For`; entries before those are
whatever the client sent and are never believed. With no trusted proxy the header is ignored and the
peer (`REMOTE_ADDR`) is the client. The rule is DRF's own (`addrs[-min(N, len(addrs))]`), so a request
gets the same address in the API's throttles and in gridcare's sign-in counters.
"""

import ipaddress

from django.conf import settings


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address of the client that sent `request` (None when it cannot be told)."""
    if request is None:
        return None
    peer = _valid(request.META.get("REMOTE_ADDR"))
    proxies = int(getattr(settings, "GRIDCARE_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            # A proxy that wrote something else than an address: fall back to the peer (the proxy itself).
            return _valid(forwarded[-min(proxies, len(forwarded))]) or peer
    return peer


def address_group(address: str | None) -> str | None:
    """The unit that address counters count: the address itself, or its /64 network for IPv6.

    One IPv6 subscriber usually holds a whole /64, so counting single IPv6 addresses would let one
    client take a fresh counter per request.
    """
    if not address:
        return None
    parsed = ipaddress.ip_address(address)
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
