"""Demo bank statements: one imported (matched by reference, by customer code, and lines left in the queue), and
one file left in the data folder for staff to import themselves (new lines and lines already imported)."""

import datetime as dt
from pathlib import Path

from django.conf import settings

from gridcare.billing.models import Bill
from gridcare.billing.vietqr import payment_reference
from gridcare.org.models import Unit
from gridcare.payments.statements import statement_import

HEADER = "transaction_id,booked_on,amount,description,customer_code,payer\n"


def _lines(bills, *, start: int, day: dt.date) -> list[str]:
    lines = []
    for k, (number, code, total) in enumerate(bills):
        txn = f"FT{day:%y%m%d}{start + k:07d}"
        if k % 10 == 0:  # by customer code only, part of the bill
            lines.append(f"{txn},{day:%d/%m/%Y},{total // 2},NOP TIEN DIEN {code},,KHACH HANG\n")
        else:
            lines.append(
                f"{txn},{day:%d/%m/%Y},{total},MBVCB.{start + k}.{payment_reference(bill_number=number)}.CT tu 0011,,KHACH HANG\n"
            )
    for k in range(3):  # nobody can tell whose money this is: the queue
        lines.append(
            f"FT{day:%y%m%d}9{start + k:06d},{day:%d/%m/%Y},{150_000 + 1000 * k},chuyen tien dien thang,,NGUYEN VAN B\n"
        )
    return lines


def demo_statements_load(*, today: dt.date, now: dt.datetime) -> int:
    """Import a statement paying a third of the latest issued bills; write a second one to import; returns lines."""
    latest = (
        Bill.objects.filter(kind="invoice", status="issued")
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest is None:
        return 0
    bills = list(Bill.objects.filter(kind="invoice", status="issued", period=latest, number__regex=r"^\d{6}-\d{9}$")
                 .order_by("pk").values_list("number", "account__code", "total"))  # fmt: skip
    first, second = bills[: len(bills) // 3], bills[len(bills) // 3 : len(bills) // 2]
    company = Unit.objects.filter(kind=Unit.Kind.COMPANY).order_by("pk").first()
    yesterday = today - dt.timedelta(days=1)
    imported = _lines(first, start=0, day=yesterday)
    result = statement_import(content=(HEADER + "".join(imported)).encode(), filename="sao-ke-vcb-demo-1.csv", kind="bank",
                              source="VCB", now=now, unit=company)  # fmt: skip
    folder = Path(settings.DATA_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    # Tomorrow's statement repeats the last lines of today's (banks' statements overlap): they are "already present".
    (folder / "sao-ke-vcb-demo-2.csv").write_text(HEADER + "".join(imported[-5:]) + "".join(_lines(second, start=len(first), day=today))
                                                  , encoding="utf-8")  # fmt: skip
    return result.matched + result.unmatched
