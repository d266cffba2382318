"""gridcare's programmes and events as OpenADR 3.0.1 objects, and the webhooks of VEN subscriptions.

A VEN (a customer's energy-management system) answers an event with a report whose payload type is
`OPT_STATUS` and value `OPT_IN` or `OPT_OUT` (OpenADR 3.0.1 defines no opt-out object; payload types may be
"enumerated or private strings"); each event asks for it in its `reportDescriptors`.
"""

import datetime as dt
import http.client
import ipaddress
import json
import logging
import socket
import ssl
from urllib.parse import urlparse

from django.conf import settings

from gridcare.core.formatting import BUSINESS_TZ
from gridcare.flexibility.models import (
    Event,
    EventParticipant,
    Programme,
    Ven,
    VenReport,
    VenResource,
    VenSubscription,
)

logger = logging.getLogger(__name__)

OPT_STATUS = "OPT_STATUS"
OPT_IN, OPT_OUT = "OPT_IN", "OPT_OUT"
RESPONSES = {OPT_IN: EventParticipant.Response.ACKNOWLEDGED, OPT_OUT: EventParticipant.Response.OPTED_OUT}
# Subscriptions name operations as the 3.0.1 schema does (CREATE, UPDATE, DELETE, READ), or as HTTP verbs as some
# clients do (ElaadNL's openadr3-client); both are accepted and kept as the VEN gave them.
OBJECT_TYPES = {"PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE"}
OPERATION_VERBS = {"CREATE": "POST", "UPDATE": "PUT", "DELETE": "DELETE", "READ": "GET"}


def when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = (
        "PT"
        + (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{seconds}S" if seconds else "")
    )
    return text if text != "PT" else "PT0S"


def _stamps(created: dt.datetime, modified: dt.datetime) -> dict:
    return {"createdDateTime": when(created), "modificationDateTime": when(modified)}


def program_object(programme: Programme) -> dict:
    start = dt.datetime.combine(programme.active_from, dt.time(), tzinfo=BUSINESS_TZ)
    period = {"start": when(start), "duration": "PT0S"}
    if programme.active_to is not None:
        period["duration"] = duration(
            dt.datetime.combine(programme.active_to, dt.time(), tzinfo=BUSINESS_TZ) - start
        )
    created = dt.datetime.combine(programme.active_from, dt.time(), tzinfo=BUSINESS_TZ)
    return {
        "id": str(programme.pk), "objectType": "PROGRAM", **_stamps(created, created),
        "programName": programme.code, "programLongName": programme.name,
        "retailerName": programme.unit.code, "retailerLongName": programme.unit.name,
        "programType": "LOAD_SHIFT" if programme.purpose == Programme.Purpose.SHIFT else "PEAK_REDUCTION",
        "country": "VN", "principalSubdivision": None, "timeZoneOffset": "PT7H", "intervalPeriod": period,
        "programDescriptions": None, "bindingEvents": False, "localPrice": False,
        "payloadDescriptors": [
            {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE", "units": None, "currency": None},
            {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "DISPATCH_SETPOINT_RELATIVE", "units": "KW", "currency": None},
        ],
        "targets": None,
    }  # fmt: skip


def event_object(event: Event, participant: EventParticipant | None) -> dict:
    """The event as one VEN sees it: level 1 of SIMPLE and the reduction it committed to (kW, negative)."""
    payloads = [{"type": "SIMPLE", "values": [1]}]
    if participant is not None:
        payloads.append({"type": "DISPATCH_SETPOINT_RELATIVE", "values": [-participant.commitment_kw]})
    return {
        "id": str(event.pk), "objectType": "EVENT", **_stamps(event.called_at, event.modified_at),
        "programID": str(event.programme_id), "eventName": event.name, "priority": 0, "targets": None,
        "reportDescriptors": [
            {"payloadType": OPT_STATUS, "readingType": None, "units": None, "targets": None, "aggregate": False,
             "startInterval": -1, "numIntervals": -1, "historical": True, "frequency": -1, "repeat": 1},
        ],
        "payloadDescriptors": [
            {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE", "units": None, "currency": None},
            {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "DISPATCH_SETPOINT_RELATIVE", "units": "KW", "currency": None},
        ],
        "intervalPeriod": {"start": when(event.starts_at), "duration": duration(event.ends_at - event.starts_at)},
        "intervals": [{"id": 0, "payloads": payloads}],
    }  # fmt: skip


def ven_object(ven: Ven) -> dict:
    return {
        "id": str(ven.pk), "objectType": "VEN", **_stamps(ven.created_at, ven.modified_at), "venName": ven.ven_name,
        "attributes": ven.attributes or None, "targets": ven.targets or None,
        "resources": [resource_object(r) for r in ven.resources.order_by("pk")] or None,
    }  # fmt: skip


def resource_object(resource: VenResource) -> dict:
    return {
        "id": str(resource.pk), "objectType": "RESOURCE", **_stamps(resource.created_at, resource.modified_at),
        "resourceName": resource.resource_name, "venID": str(resource.ven_id),
        "attributes": resource.attributes or None, "targets": resource.targets or None,
    }  # fmt: skip


def subscription_object(subscription: VenSubscription) -> dict:
    return {
        "id": str(subscription.pk), "objectType": "SUBSCRIPTION",
        **_stamps(subscription.created_at, subscription.modified_at), "clientName": subscription.client_name,
        "programID": str(subscription.programme_id) if subscription.programme_id else "",
        "objectOperations": subscription.object_operations, "targets": subscription.targets or None,
    }  # fmt: skip


def report_object(report: VenReport) -> dict:
    return {
        "id": str(report.pk), "objectType": "REPORT", **_stamps(report.created_at, report.modified_at),
        "programID": str(report.event.programme_id), "eventID": str(report.event_id), "clientName": report.client_name,
        "reportName": report.report_name or None, "payloadDescriptors": report.payload_descriptors or None,
        "resources": report.resources,
    }  # fmt: skip


def opt_status(resources: list) -> str | None:
    """The last OPT_STATUS value in a report's resources (None: the report says nothing about taking part)."""
    found = None
    for resource in resources or []:
        for interval in (resource or {}).get("intervals") or []:
            for payload in (interval or {}).get("payloads") or []:
                if (payload or {}).get("type") == OPT_STATUS:
                    values = payload.get("values") or []
                    if values and values[-1] in RESPONSES:
                        found = values[-1]
    return found


# --- webhooks ------------------------------------------------------------------------------------------


def _private_allowed() -> bool:
    return bool(getattr(settings, "GRIDCARE_OPENADR_PRIVATE_CALLBACKS", False))


def _resolve(host: str, port: int, *, public_only: bool) -> list[str]:
    """The addresses `host` resolves to; none when it does not resolve or (`public_only`) when any of them is
    not a public address: private, loopback, link-local (cloud metadata at 169.254.169.254), shared, reserved."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if public_only and (not address.is_global or address.is_multicast):
            return []
        addresses.append(str(address))
    return addresses


def _target(url: str) -> tuple[object, list[str]] | None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError:
        return None
    host = parsed.hostname
    if not _private_allowed() and (host == "localhost" or host.endswith(".localhost")):
        return None
    addresses = _resolve(host, port, public_only=not _private_allowed())
    return (parsed, addresses) if addresses else None


def callback_allowed(url: str) -> bool:
    """An http(s) URL whose host resolves, and only to public addresses (any address when the setting
    GRIDCARE_OPENADR_PRIVATE_CALLBACKS allows private ones: the demo, tests, a closed network)."""
    return _target(url) is not None


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate still verified for the URL's host name."""

    def __init__(self, host, port, *, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int | None:
    """POST to the address the URL's host was checked to resolve to (no second lookup that a DNS answer could
    turn to an internal address, no redirects followed); the status, or None when the URL is refused."""
    target = _target(url)
    if target is None:
        return None
    parsed, addresses = target
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if parsed.scheme == "https":
        connection = _PinnedHTTPS(
            parsed.hostname, port, address=addresses[0], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(addresses[0], port, timeout=timeout)
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    try:
        connection.request(
            "POST", path, body=body, headers={"Host": parsed.netloc.rpartition("@")[2], **headers}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def subscribers(
    *, ven_ids: list[int], object_type: str, operation: str
) -> list[tuple[VenSubscription, dict]]:
    """The subscriptions (and their object-operation entry) of these VENs that want `object_type` `operation`."""
    found = []
    for subscription in VenSubscription.objects.filter(ven_id__in=ven_ids).order_by("pk"):
        for entry in subscription.object_operations or []:
            verbs = {OPERATION_VERBS.get(op, op) for op in entry.get("operations") or []}
            if object_type in (entry.get("objects") or []) and operation in verbs:
                found.append((subscription, entry))
                break
    return found


def event_webhooks_send(*, event_id: int, operation: str) -> int:
    """POST the event (as each VEN sees it) to the callbacks of the participants' VENs that subscribed; the count sent."""
    event = Event.objects.select_related("programme").get(pk=event_id)
    participants = {p.account_id: p for p in event.participants.all()}
    vens = {v.pk: v for v in Ven.objects.filter(account_id__in=participants)}
    sent = 0
    for subscription, entry in subscribers(ven_ids=list(vens), object_type="EVENT", operation=operation):
        if subscription.programme_id not in (None, event.programme_id):
            continue
        url = entry.get("callbackUrl") or ""
        participant = participants.get(vens[subscription.ven_id].account_id)
        body = {
            "objectType": "EVENT",
            "operation": operation,
            "object": event_object(event, participant),
            "targets": None,
        }
        headers = {"Content-Type": "application/json"}
        if entry.get("bearerToken"):
            headers["Authorization"] = f"Bearer {entry['bearerToken']}"
        try:
            status = _post(url, json.dumps(body).encode(), headers, timeout=5)
            if status is None:  # its host now resolves to an internal address, or not at all
                logger.warning("OpenADR webhook to %s refused: not a public address", urlparse(url).hostname)
            sent += status is not None and 200 <= status < 300
        except (
            OSError,
            http.client.HTTPException,
        ) as error:  # a VEN's server being down must not stop the others
            logger.warning("OpenADR webhook to %s failed: %s", urlparse(url).hostname, error)
    return sent
