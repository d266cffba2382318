"""Recognition lists: built from data (demand-response results, and gridcare.insights' reading-date movers and top
savers) or from a list staff type or upload (CSV/XLSX), one entry per customer to thank."""

import csv
import datetime as dt
import io
import re

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridcare.campaigns.models import (
    Campaign,
    RecognitionEntry,
    RecognitionList,
)
from gridcare.campaigns.rules import (
    CampaignError,
    _user_or_none,
)
from gridcare.core.audit import acting_as
from gridcare.core.formatting import format_kwh, format_vnd
from gridcare.customers.models import Account
from gridcare.insights import selectors as insights
from gridcare.org import policy
from gridcare.org.models import Unit

MAX_RECOGNITION_ROWS = 5000


def insights_recognition_entries(
    *, source: str, campaign: Campaign, unit_ids: list[int] | None
) -> list[dict]:
    """Entries of the lists `gridcare.insights` computes from data: customers who agreed to move their reading date
    and the families that saved most against the same months a year earlier, over the campaign's year up to its end.
    """
    kind = {
        RecognitionList.Source.READING_DATE: "reading_date",
        RecognitionList.Source.TOP_SAVERS: "top_saver",
    }[source]
    rows = insights.recognition_candidates(
        kind, since=dt.date(campaign.year, 1, 1), until=campaign.active_to, unit_ids=unit_ids
    )
    reasons = {
        "reading_date": _("Phối hợp thay đổi ngày ghi chỉ số"),
        "top_saver": _("Tiết kiệm điện so với cùng kỳ năm trước"),
    }
    return [
        {"account_id": r.account_id, "account_code": r.account_code, "name": r.customer_name, "reason": str(reasons[kind]),
         "figure": format_kwh(r.figure) if r.figure_unit == "kWh" else str(_("%(days)s ngày") % {"days": r.figure})}
        for r in rows
    ]  # fmt: skip


def _demand_response_entries(*, campaign: Campaign, unit_ids: list[int] | None) -> list[dict]:
    from gridcare.flexibility import selectors as flexibility

    rows = flexibility.recognition_list(
        since=dt.date(campaign.year, 1, 1), until=campaign.active_to, unit_ids=unit_ids
    )
    return [
        {"account_id": r.account_id, "account_code": r.account_code, "name": r.customer_name,
         "reason": str(_("Tham gia điều chỉnh phụ tải %(events)s lần") % {"events": r.events}),
         "figure": format_kwh(r.delivered_kwh) + (f" · {format_vnd(r.saved_vnd)}" if r.saved_vnd else "")}
        for r in rows
    ]  # fmt: skip


def recognition_entries_parse(*, content: bytes, filename: str) -> list[dict]:
    """Rows of an uploaded list (CSV, or XLSX with openpyxl): customer code, reason, result; errors by row."""
    name = (filename or "").lower()
    rows: list[list[str]] = []
    try:
        if name.endswith(".xlsx"):
            import openpyxl

            from gridcare.metering.importing import ImportFileError, ImportLimits, check_xlsx_archive

            try:
                check_xlsx_archive(
                    content, limits=ImportLimits.from_settings()
                )  # the same zip-bomb limits as readings
            except ImportFileError as error:
                raise CampaignError("file", error.message) from None
            sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except CampaignError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise CampaignError(
            "file",
            _(
                "Không đọc được tệp; hãy gửi CSV (UTF-8) hoặc XLSX với các cột: mã khách hàng, lý do, kết quả."
            ),
        ) from None
    if rows and rows[0] and not re.match(r"^[A-Z]{2}[A-Z0-9]{11}$", rows[0][0].strip().upper()):
        rows = rows[1:]  # a header row
    entries, errors = [], []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[0].strip().upper() if row else ""
        reason = row[1].strip() if len(row) > 1 else ""
        if not re.match(r"^[A-Z]{2}[A-Z0-9]{11}$", code):
            errors.append(
                _("Dòng %(row)s: mã khách hàng “%(value)s” không đúng 13 ký tự.")
                % {"row": number, "value": code[:20]}
            )
            continue
        if not reason:
            errors.append(_("Dòng %(row)s: thiếu lý do tri ân.") % {"row": number})
            continue
        entries.append(
            {
                "account_code": code,
                "reason": reason[:300],
                "figure": (row[2].strip() if len(row) > 2 else "")[:120],
            }
        )
    if errors:
        raise CampaignError("rows", "; ".join(str(e) for e in errors[:20]), errors=[str(e) for e in errors])
    if len(entries) > MAX_RECOGNITION_ROWS:
        raise CampaignError(
            "too_many", _("Tối đa %(n)s khách hàng một danh sách.") % {"n": MAX_RECOGNITION_ROWS}
        )
    return entries


def recognition_list_build(
    *, user, campaign: Campaign, unit: Unit, source: str, title: str, now: dt.datetime, letter_text: str = "",
    entries: list[dict] | None = None,
) -> RecognitionList:  # fmt: skip
    """Build a unit's list from data (demand response; the reading-date and top-saver lists of gridcare.insights) or from chosen entries."""
    policy.require(user=user, action="campaigns.recognise", unit_id=unit.pk,
                   message=_("Chỉ lãnh đạo đơn vị lập danh sách tri ân của đơn vị mình."))  # fmt: skip
    if source not in RecognitionList.Source.values:
        raise CampaignError("source", _("Hãy chọn nguồn của danh sách."), field="source")
    subtree = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    if source == RecognitionList.Source.DEMAND_RESPONSE:
        rows = _demand_response_entries(campaign=campaign, unit_ids=subtree)
    elif source == RecognitionList.Source.MANUAL:
        rows = _manual_entries(entries or [], subtree=subtree)
    else:
        rows = insights_recognition_entries(source=source, campaign=campaign, unit_ids=subtree)
    if not rows:
        raise CampaignError(
            "empty", _("Danh sách không có khách hàng nào; hãy kiểm tra nguồn dữ liệu hoặc thời gian.")
        )
    with transaction.atomic(), acting_as(user=_user_or_none(user), reason="campaigns.recognition_list_build"):
        built = RecognitionList.objects.create(campaign=campaign, unit=unit, source=source,
                                               title=(title or "").strip()[:200] or RecognitionList.Source(source).label,
                                               letter_text=(letter_text or "")[:2000], built_by=_user_or_none(user), built_at=now)  # fmt: skip
        RecognitionEntry.objects.bulk_create([
            RecognitionEntry(recognition_list=built, position=i, account_id=r.get("account_id"), name=r["name"][:200],
                             account_code=r.get("account_code", "")[:13], reason=r["reason"][:300], figure=r.get("figure", "")[:120])
            for i, r in enumerate(rows, start=1)
        ])  # fmt: skip
    return built


def _manual_entries(entries: list[dict], *, subtree: list[int]) -> list[dict]:
    codes = [e["account_code"] for e in entries]
    accounts = {
        a.code: a
        for a in Account.objects.filter(code__in=codes, unit_id__in=subtree).select_related("customer")
    }
    missing = [c for c in codes if c not in accounts]
    if missing:
        raise CampaignError("unknown_accounts", _("Không có các mã khách hàng này trong đơn vị: %(codes)s.") % {
            "codes": ", ".join(missing[:20])}, codes=missing)  # fmt: skip
    return [{"account_id": accounts[e["account_code"]].pk, "account_code": e["account_code"],
             "name": accounts[e["account_code"]].customer.name, "reason": e["reason"], "figure": e.get("figure", "")}
            for e in entries]  # fmt: skip
