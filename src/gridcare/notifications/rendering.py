"""Templates into messages: parameters checked before sending, values formatted for the reader's language.

SMS decision: SMS goes out **without Vietnamese diacritics** (GSM-7, 160 characters a segment,
153 when concatenated). Unicode SMS would carry diacritics but only 70 characters a segment, and
brand-name SMS routes in Vietnam commonly reject or mangle them. So the text is transliterated once,
here (`sms_text`: "Điện lực" → "Dien luc"), the length budget is checked on that exact text, and a
character that would still not fit GSM-7 is an error before sending, never a silent "?".
"""

import dataclasses
import datetime as dt
import string
import unicodedata
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gridcare.core.formatting import format_day, format_kwh, format_vnd
from gridcare.core.sealing import SealBroken, unseal
from gridcare.notifications.models import Channel, Template

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_SMS_REPLACEMENTS = {
    "đ": "d",
    "Đ": "D",
    "₫": "d",
    "–": "-",
    "—": "-",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
}


class TemplateError(ValueError):
    """A template or its parameters cannot produce a valid message; `code` is stable."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.details = details


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    params: dict[str, str]
    zns_template_id: str = ""


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a template text; attribute or index access is refused."""
    names = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier():
            raise TemplateError(
                "bad_placeholder", str(_("Tham số không hợp lệ: {%(field)s}.") % {"field": field})
            )
        names.add(field)
    return names


def sms_text(text: str) -> str:
    """Transliterate to GSM-7: strip Vietnamese diacritics, map đ/₫ and typographic marks."""
    mapped = "".join(_SMS_REPLACEMENTS.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFD", mapped)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))


def sms_segments(text: str) -> int:
    """Number of GSM-7 segments the text needs (160 alone, 153 each when concatenated)."""
    return 1 if len(text) <= 160 else -(-len(text) // 153)


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and "sealed" in value


def sealed_hidden(context: dict[str, Any]) -> dict[str, Any]:
    """The context with sealed values (one-time codes) shown as asterisks: what staff may read."""
    return {name: "******" if _is_sealed(value) else value for name, value in context.items()}


def format_value(value: Any, *, language: str) -> str:
    """One context value as text: typed values are formatted for the language, dicts pick the language.

    Raises `TemplateError("sealed_unreadable")` for a sealed value this installation cannot open.
    """
    if isinstance(value, dict):
        if _is_sealed(value):  # a secret (a one-time code) kept encrypted in the notice: see core.sealing
            try:
                return unseal(str(value["sealed"]))
            except SealBroken as exc:
                raise TemplateError(
                    "sealed_unreadable", str(_("Không đọc được tham số đã mã hoá (SECRET_KEY đã đổi?)."))
                ) from exc
        if "vnd" in value:
            return format_vnd(int(value["vnd"]), language=language)
        if "kwh" in value:
            return format_kwh(value["kwh"], language=language)
        if "date" in value:
            return format_day(dt.date.fromisoformat(str(value["date"])), language=language)
        if "datetime" in value:
            moment = dt.datetime.fromisoformat(str(value["datetime"]))
            local = moment.astimezone(dt.timezone(dt.timedelta(hours=7))) if moment.tzinfo else moment
            return f"{local:%H:%M} {format_day(local.date(), language=language)}"
        return str(value.get(language) or value.get("vi") or "")
    return "" if value is None else str(value)


def template_find(*, key: str, channel: str, language: str) -> Template:
    """The active template for (key, channel, language), falling back to Vietnamese."""
    found = {
        t.language: t
        for t in Template.objects.filter(key=key, channel=channel, active=True, language__in=[language, "vi"])
    }
    template = found.get(language) or found.get("vi")
    if template is None:
        raise TemplateError(
            "template_missing",
            str(_("Chưa có mẫu %(key)s cho kênh %(channel)s.") % {"key": key, "channel": channel}),
            key=key, channel=channel, language=language,
        )  # fmt: skip
    return template


def render(*, template: Template, context: dict[str, Any], language: str) -> Rendered:
    """Fill a template, checking that every parameter is given and within its maximum length."""
    names = placeholders(template.subject) | placeholders(template.body)
    missing = sorted(n for n in names if n not in context)
    if missing:
        raise TemplateError(
            "parameter_missing",
            str(_("Thiếu tham số: %(names)s.") % {"names": ", ".join(missing)}),
            names=missing,
        )
    params = {name: format_value(context[name], language=language) for name in sorted(names)}
    limits = template.parameters or {}
    for name, value in params.items():
        limit = limits.get(name)
        if limit is not None and len(value) > int(limit):
            raise TemplateError(
                "parameter_too_long",
                str(_("Tham số %(name)s dài %(length)d ký tự, tối đa %(limit)d.") % {"name": name, "length": len(value), "limit": int(limit)}),
                name=name, length=len(value), limit=int(limit),
            )  # fmt: skip
    subject = template.subject.format(**params)
    body = template.body.format(**params)
    if template.channel == Channel.SMS:
        body = sms_text(body)
        bad = sorted({ch for ch in body if ch not in GSM7_BASIC})
        if bad:
            raise TemplateError(
                "sms_charset",
                str(_("Ký tự không gửi được qua SMS: %(chars)s.") % {"chars": " ".join(bad)}),
                chars=bad,
            )
        budget = int(getattr(settings, "GRIDCARE_SMS_MAX_SEGMENTS", 2))
        if sms_segments(body) > budget:
            raise TemplateError(
                "sms_too_long",
                str(_("Tin SMS dài %(length)d ký tự, vượt %(segments)d tin nhắn.") % {"length": len(body), "segments": budget}),
                length=len(body), segments=budget,
            )  # fmt: skip
    if template.channel == Channel.ZALO and not template.zns_template_id:
        raise TemplateError("zns_template_missing", str(_("Mẫu Zalo chưa có mã mẫu ZNS đã duyệt.")))
    return Rendered(subject=subject, body=body, params=params, zns_template_id=template.zns_template_id)
