"""OpenADR 3.0.1 VTN endpoints (the specification's OpenAPI definition, `openadr3.yaml` 3.0.1).

Who calls: VENs — the energy-management systems of enrolled customers — with a bearer token from `auth/token`
(OAuth2 client credentials). A VEN sees its own customer's programmes and events, and its own VEN, resources,
subscriptions and reports. Programmes and events are written by gridcare's staff in the back office, so the
"BL" writes (POST/PUT/DELETE of programs and events) answer 403. Errors are `problem` objects; the token
endpoint's are RFC 6749 `authError`s.
"""

import base64
import binascii
import datetime as dt
import functools
import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from urllib.parse import unquote

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridcare.core import throttle
from gridcare.core.clientaddress import client_address
from gridcare.flexibility import openadr, selectors, services
from gridcare.flexibility.models import Event, Ven, VenReport, VenResource, VenSubscription

MAX_LIMIT = 50
MAX_BODY = 256 * 1024
TOKEN_FAILURES = 20  # per address and 15 minutes
TOKEN_WINDOW = dt.timedelta(minutes=15)
TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
          413: "Payload Too Large", 429: "Too Many Requests"}  # fmt: skip


class Problem(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def problem(status: int, detail: str) -> JsonResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": str(detail),
    }
    return JsonResponse(body, status=status)


def _json(data, status=200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False)


def vtn_view(methods: dict[str, Callable]):
    """A VTN resource: bearer authentication, method dispatch, problems for errors."""

    @csrf_exempt
    @wraps(next(iter(methods.values())))
    def view(request: HttpRequest, **kwargs):
        handler = methods.get(request.method)
        if handler is None:
            response = problem(405, _("Phương thức không được hỗ trợ ở địa chỉ này."))
            response["Allow"] = ", ".join(methods)
            return response
        header = request.headers.get("Authorization", "")
        now = timezone.now()
        ven = (
            services.ven_for_token(token=header[7:].strip(), now=now)
            if header[:7].lower() == "bearer "
            else None
        )
        if ven is None:
            return problem(403, _("Cần mã truy cập hợp lệ (Authorization: Bearer …) lấy từ auth/token."))
        try:
            return handler(request, ven=ven, now=now, **kwargs)
        except Problem as error:
            return problem(error.status, error.detail)
        except services.FlexibilityError as error:
            return problem(400, error.message)

    return view


def _body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise Problem(413, _("Nội dung gửi lên quá lớn."))
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, _("Nội dung không phải JSON hợp lệ.")) from None
    if not isinstance(data, dict):
        raise Problem(400, _("Nội dung phải là một đối tượng JSON."))
    if not _storable(data):
        raise Problem(400, _("Nội dung chứa ký tự không lưu được (ký tự NUL hoặc mã Unicode lẻ)."))
    return data


def _storable(value) -> bool:
    """No NUL character and no lone surrogate in any key or text (PostgreSQL's text and jsonb refuse both)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _page(request: HttpRequest, rows: list) -> list:
    try:
        skip = int(request.GET.get("skip", 0))
        limit = int(request.GET.get("limit", MAX_LIMIT))
    except ValueError:
        raise Problem(400, _("skip và limit phải là số nguyên.")) from None
    if skip < 0 or not 0 <= limit <= MAX_LIMIT:
        raise Problem(400, _("skip phải từ 0, limit từ 0 đến 50."))
    return rows[skip : skip + limit]


def _pk(object_id: str) -> int:
    if not object_id.isdigit() or len(object_id) > 18:
        raise Problem(404, _("Không tìm thấy đối tượng."))
    return int(object_id)


def _text(data: dict, name: str, *, required: bool = True, max_length: int = 128) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not (1 <= len(value) <= max_length):
        raise Problem(
            400,
            _("Trường %(name)s phải là chuỗi từ 1 đến %(max)s ký tự.") % {"name": name, "max": max_length},
        )
    return value


def _list(data: dict, name: str, *, required: bool = False) -> list:
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise Problem(400, _("Trường %(name)s phải là một danh sách.") % {"name": name})
    return value


def _forbidden_for_vens(request, *, ven, now, **kwargs):
    raise Problem(403, _("Chỉ đơn vị điện lực tạo, sửa hoặc xoá chương trình và sự kiện."))


@functools.cache
def _definition() -> dict:
    definition = json.loads(
        (Path(__file__).parent / "data" / "openadr3-3.0.1.json").read_text(encoding="utf-8")
    )
    definition["servers"] = [{"description": "gridcare", "url": "/openadr3/3.0.1"}]
    return definition


def definition(request: HttpRequest):
    """The specification's OpenAPI definition (3.0.1) this VTN implements, with this server's address."""
    return JsonResponse(_definition())


# --- auth ---------------------------------------------------------------------------------------------------


def _auth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": str(description)}, status=status)


@csrf_exempt
def token(request: HttpRequest):
    """fetchToken: client credentials (in the form body or HTTP Basic) for a bearer token."""
    if request.method != "POST":
        response = problem(405, _("Phương thức không được hỗ trợ ở địa chỉ này."))
        response["Allow"] = "POST"
        return response
    now = timezone.now()
    key = f"openadr-token:{client_address(request)}"
    if throttle.locked_until(key=key, limit=TOKEN_FAILURES, now=now, window=TOKEN_WINDOW):
        return problem(429, _("Quá nhiều lần thử, hãy thử lại sau ít phút."))
    if request.POST.get("grant_type") != "client_credentials":
        return _auth_error("unsupported_grant_type", _("grant_type phải là client_credentials."))
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return _auth_error("invalid_request", _("Tiêu đề Authorization Basic không hợp lệ."))
        basic_id, _colon, basic_secret = decoded.partition(":")
        client_id, secret = unquote(basic_id), unquote(basic_secret)
    if not client_id or not secret:
        return _auth_error("invalid_request", _("Thiếu client_id hoặc client_secret."))
    issued = services.ven_token_issue(client_id=client_id[:64], client_secret=secret[:4096], now=now)
    if issued is None:
        throttle.hit(key=key, now=now, window=TOKEN_WINDOW)
        return _auth_error("invalid_client", _("client_id hoặc client_secret không đúng."))
    access_token, lifetime = issued
    response = JsonResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": request.POST.get("scope", ""),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


# --- programs and events ------------------------------------------------------------------------------------


def _programmes(ven: Ven):
    return selectors.ven_programmes(ven=ven).select_related("unit")


def _program_list(request, *, ven, now):
    return _json([openadr.program_object(p) for p in _page(request, list(_programmes(ven)))])


def _program_get(request, *, ven, now, object_id):
    programme = _programmes(ven).filter(pk=_pk(object_id)).first()
    if programme is None:
        raise Problem(404, _("Không tìm thấy chương trình."))
    return _json(openadr.program_object(programme))


programs = vtn_view({"GET": _program_list, "POST": _forbidden_for_vens})
program = vtn_view({"GET": _program_get, "PUT": _forbidden_for_vens, "DELETE": _forbidden_for_vens})


def _events(ven: Ven):
    return selectors.ven_events(ven=ven).exclude(status=Event.Status.CANCELLED)


def _participants(ven: Ven, events) -> dict:
    return {p.event_id: p for p in selectors.ven_participations(ven=ven, event_ids=[e.pk for e in events])}


def _event_list(request, *, ven, now):
    rows = _events(ven)
    if request.GET.get("programID"):
        rows = (
            rows.filter(programme_id=_pk(request.GET["programID"]))
            if request.GET["programID"].isdigit()
            else rows.none()
        )
    rows = _page(request, list(rows))
    mine = _participants(ven, rows)
    return _json([openadr.event_object(e, mine.get(e.pk)) for e in rows])


def _event_get(request, *, ven, now, object_id):
    found = _events(ven).filter(pk=_pk(object_id)).first()
    if found is None:
        raise Problem(404, _("Không tìm thấy sự kiện."))
    return _json(openadr.event_object(found, _participants(ven, [found]).get(found.pk)))


events = vtn_view({"GET": _event_list, "POST": _forbidden_for_vens})
event = vtn_view({"GET": _event_get, "PUT": _forbidden_for_vens, "DELETE": _forbidden_for_vens})


# --- reports (a VEN's answers) ------------------------------------------------------------------------------


def _reports(ven: Ven):
    return selectors.ven_reports(ven=ven)


def _report_input(data: dict, ven: Ven) -> dict:
    program_id, event_id = _text(data, "programID"), _text(data, "eventID")
    resources = _list(data, "resources", required=True)
    for resource in resources:
        if (
            not isinstance(resource, dict)
            or not isinstance(resource.get("resourceName"), str)
            or not isinstance(resource.get("intervals"), list)
        ):
            raise Problem(400, _("Mỗi resource cần resourceName và intervals."))
    found = _events(ven).filter(pk=int(event_id) if event_id.isdigit() else 0).first()
    if found is None or str(found.programme_id) != program_id:
        raise Problem(400, _("Sự kiện %(event)s của chương trình %(program)s không gửi cho VEN này.") % {
            "event": event_id, "program": program_id})  # fmt: skip
    return {
        "event": found, "client_name": _text(data, "clientName"),
        "report_name": _text(data, "reportName", required=False), "resources": resources,
        "payload_descriptors": _list(data, "payloadDescriptors"),
    }  # fmt: skip


def _report_list(request, *, ven, now):
    rows = _reports(ven)
    for name, field in (("programID", "event__programme_id"), ("eventID", "event_id")):
        if request.GET.get(name):
            rows = (
                rows.filter(**{field: int(request.GET[name])}) if request.GET[name].isdigit() else rows.none()
            )
    if request.GET.get("clientName"):
        rows = rows.filter(client_name=request.GET["clientName"])
    return _json([openadr.report_object(r) for r in _page(request, list(rows))])


def _report_create(request, *, ven, now):
    created = services.ven_report_save(ven=ven, now=now, **_report_input(_body(request), ven))
    return _json(openadr.report_object(created), status=201)


def _report_found(ven, object_id) -> VenReport:
    found = _reports(ven).filter(pk=_pk(object_id)).first()
    if found is None:
        raise Problem(404, _("Không tìm thấy báo cáo."))
    return found


def _report_get(request, *, ven, now, object_id):
    return _json(openadr.report_object(_report_found(ven, object_id)))


def _report_update(request, *, ven, now, object_id):
    found = _report_found(ven, object_id)
    saved = services.ven_report_save(ven=ven, now=now, report=found, **_report_input(_body(request), ven))
    return _json(openadr.report_object(saved))


def _report_delete(request, *, ven, now, object_id):
    found = _report_found(ven, object_id)
    body = openadr.report_object(found)
    services.ven_report_delete(report=found)
    return _json(body)


reports = vtn_view({"GET": _report_list, "POST": _report_create})
report = vtn_view({"GET": _report_get, "PUT": _report_update, "DELETE": _report_delete})


# --- subscriptions ------------------------------------------------------------------------------------------


def _subscriptions(ven: Ven):
    return selectors.ven_subscriptions(ven=ven)


def _subscription_input(data: dict, ven: Ven) -> dict:
    program_id = _text(data, "programID")
    programme = _programmes(ven).filter(pk=int(program_id) if program_id.isdigit() else 0).first()
    if programme is None:
        raise Problem(
            400, _("Chương trình %(program)s không có khách hàng của VEN này.") % {"program": program_id}
        )
    operations = _list(data, "objectOperations", required=True)
    for entry in operations:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), list) for k in ("objects", "operations")
        ):
            raise Problem(400, _("Mỗi objectOperations cần objects, operations và callbackUrl."))
        if not set(entry["objects"]) <= openadr.OBJECT_TYPES or not entry["objects"]:
            raise Problem(400, _("objects chỉ gồm PROGRAM, EVENT, REPORT, SUBSCRIPTION, VEN, RESOURCE."))
        if not set(entry["operations"]) <= set(openadr.OPERATION_VERBS) | set(
            openadr.OPERATION_VERBS.values()
        ):
            raise Problem(
                400, _("operations chỉ gồm CREATE, UPDATE, DELETE, READ (hoặc POST, PUT, DELETE, GET).")
            )
        if not openadr.callback_allowed(entry.get("callbackUrl") or ""):
            raise Problem(400, _("callbackUrl phải là địa chỉ http(s) công khai."))
    return {"client_name": _text(data, "clientName"), "programme": programme, "object_operations": operations,
            "targets": _list(data, "targets")}  # fmt: skip


def _subscription_list(request, *, ven, now):
    rows = _subscriptions(ven)
    if request.GET.get("programID"):
        rows = (
            rows.filter(programme_id=int(request.GET["programID"]))
            if request.GET["programID"].isdigit()
            else rows.none()
        )
    if request.GET.get("clientName"):
        rows = rows.filter(client_name=request.GET["clientName"])
    rows = list(rows)
    wanted = request.GET.getlist("objects")
    if wanted:
        rows = [
            s for s in rows if any(set(wanted) & set(e.get("objects") or []) for e in s.object_operations)
        ]
    return _json([openadr.subscription_object(s) for s in _page(request, rows)])


def _subscription_found(ven, object_id) -> VenSubscription:
    found = _subscriptions(ven).filter(pk=_pk(object_id)).first()
    if found is None:
        raise Problem(404, _("Không tìm thấy đăng ký nhận tin."))
    return found


def _subscription_create(request, *, ven, now):
    created = services.ven_subscription_save(ven=ven, now=now, **_subscription_input(_body(request), ven))
    return _json(openadr.subscription_object(created), status=201)


def _subscription_get(request, *, ven, now, object_id):
    return _json(openadr.subscription_object(_subscription_found(ven, object_id)))


def _subscription_update(request, *, ven, now, object_id):
    found = _subscription_found(ven, object_id)
    saved = services.ven_subscription_save(
        ven=ven, now=now, subscription=found, **_subscription_input(_body(request), ven)
    )
    return _json(openadr.subscription_object(saved))


def _subscription_delete(request, *, ven, now, object_id):
    found = _subscription_found(ven, object_id)
    body = openadr.subscription_object(found)
    services.ven_subscription_delete(subscription=found)
    return _json(body)


subscriptions = vtn_view({"GET": _subscription_list, "POST": _subscription_create})
subscription = vtn_view(
    {"GET": _subscription_get, "PUT": _subscription_update, "DELETE": _subscription_delete}
)


# --- vens and resources -------------------------------------------------------------------------------------


def _own_ven(ven: Ven, object_id: str) -> Ven:
    if _pk(object_id) != ven.pk:
        raise Problem(404, _("Không tìm thấy VEN."))
    return ven


def _ven_list(request, *, ven, now):
    name = request.GET.get("venName")
    rows = [ven] if not name or name == ven.ven_name else []
    return _json([openadr.ven_object(v) for v in _page(request, rows)])


def _ven_create(request, *, ven, now):
    data = _body(request)
    if _text(data, "venName") == ven.ven_name:
        raise Problem(409, _("VEN này đã được đăng ký."))
    raise Problem(403, _("Đơn vị điện lực đăng ký VEN cho khách hàng; một mã truy cập chỉ dùng cho một VEN."))


def _ven_get(request, *, ven, now, object_id):
    return _json(openadr.ven_object(_own_ven(ven, object_id)))


def _ven_update(request, *, ven, now, object_id):
    own = _own_ven(ven, object_id)
    data = _body(request)
    if _text(data, "venName") != own.ven_name:
        raise Problem(409, _("Không đổi được tên VEN đã đăng ký."))
    saved = services.ven_update(
        ven=own, attributes=_list(data, "attributes"), targets=_list(data, "targets"), now=now
    )
    return _json(openadr.ven_object(saved))


def _ven_delete(request, *, ven, now, object_id):
    _own_ven(ven, object_id)
    raise Problem(403, _("Đơn vị điện lực mới xoá được VEN."))


vens = vtn_view({"GET": _ven_list, "POST": _ven_create})
ven = vtn_view({"GET": _ven_get, "PUT": _ven_update, "DELETE": _ven_delete})


def _resource_found(ven: Ven, resource_id: str) -> VenResource:
    found = selectors.ven_resource(ven=ven, resource_id=_pk(resource_id))
    if found is None:
        raise Problem(404, _("Không tìm thấy thiết bị."))
    return found


def _resource_list(request, *, ven, now, object_id):
    own = _own_ven(ven, object_id)
    rows = list(selectors.ven_resources(ven=own))
    if request.GET.get("resourceName"):
        rows = [r for r in rows if r.resource_name == request.GET["resourceName"]]
    return _json([openadr.resource_object(r) for r in _page(request, rows)])


def _resource_input(data: dict) -> dict:
    return {"resource_name": _text(data, "resourceName"), "attributes": _list(data, "attributes"),
            "targets": _list(data, "targets")}  # fmt: skip


def _resource_create(request, *, ven, now, object_id):
    own = _own_ven(ven, object_id)
    fields = _resource_input(_body(request))
    if selectors.ven_resource_name_taken(ven=own, resource_name=fields["resource_name"]):
        raise Problem(409, _("VEN đã có thiết bị tên này."))
    created = services.ven_resource_save(ven=own, now=now, **fields)
    return _json(openadr.resource_object(created), status=201)


def _resource_get(request, *, ven, now, object_id, resource_id):
    return _json(openadr.resource_object(_resource_found(_own_ven(ven, object_id), resource_id)))


def _resource_update(request, *, ven, now, object_id, resource_id):
    own = _own_ven(ven, object_id)
    found = _resource_found(own, resource_id)
    fields = _resource_input(_body(request))
    if selectors.ven_resource_name_taken(ven=own, resource_name=fields["resource_name"], other_than=found):
        raise Problem(409, _("VEN đã có thiết bị tên này."))
    saved = services.ven_resource_save(ven=own, now=now, resource=found, **fields)
    return _json(openadr.resource_object(saved))


def _resource_delete(request, *, ven, now, object_id, resource_id):
    found = _resource_found(_own_ven(ven, object_id), resource_id)
    body = openadr.resource_object(found)
    services.ven_resource_delete(resource=found)
    return _json(body)


resources = vtn_view({"GET": _resource_list, "POST": _resource_create})
resource = vtn_view({"GET": _resource_get, "PUT": _resource_update, "DELETE": _resource_delete})
