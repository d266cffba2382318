"""Which Web Push endpoints gridcare will call: only known push services (no SSRF through a subscription).

A browser's subscription names the URL the server will POST to. Accepting any URL would let a customer make
gridcare's workers call internal addresses, so an endpoint is accepted only when

- it is `https://` on the default port, without user name or password, and its host is a name, not an IP
  literal, and matches an entry of `GRIDCARE_PUSH_SERVICE_HOSTS` (`fcm.googleapis.com`, or `*.notify.windows.com`
  for any sub-domain), or
- its origin (`scheme://host:port`) is itself an entry of the setting: the explicit form for a push relay of
  one's own or a local test server. Nothing reaches it unless the setting names it exactly.
"""

import ipaddress
import urllib.parse

from gridcare.notifications import conf

# The push services of the browsers that customers use (Chrome, Edge, Firefox, Safari, Samsung Internet, Opera).
DEFAULT_PUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Samsung Internet, Opera, Chromium-based browsers
    "updates.push.services.mozilla.com",  # Firefox
    "*.notify.windows.com",  # Edge (Windows Push Notification Services)
    "web.push.apple.com",  # Safari (macOS, iOS 16.4+)
)


def push_service_hosts() -> tuple[str, ...]:
    """The allow-list (a list setting, or a comma-separated environment variable)."""
    value = conf.setting("PUSH_SERVICE_HOSTS", DEFAULT_PUSH_SERVICE_HOSTS)
    if isinstance(value, str):
        value = value.split(",")
    return tuple(item.strip().lower() for item in value if item.strip())


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def push_endpoint_allowed(endpoint: str) -> bool:
    """Whether gridcare may send Web Push messages to `endpoint` (see the module's rules)."""
    try:
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if (
        not host
        or parts.username is not None
        or parts.password is not None
        or any(c.isspace() for c in endpoint)
    ):
        return False
    allowed = push_service_hosts()
    scheme = parts.scheme.lower()
    origin = f"{scheme}://{host}:{port or {'https': 443, 'http': 80}.get(scheme, 0)}"
    if origin in allowed or (port is not None and f"{scheme}://{host}:{port}" in allowed):
        return True  # named exactly by the operator (or by a test)
    if scheme != "https" or port not in (None, 443) or _is_ip_literal(host) or host.endswith("."):
        return False
    return any(_host_matches(host, pattern) for pattern in allowed if "://" not in pattern)
