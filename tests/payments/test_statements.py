"""Statement and partner files: every bad row explained, every good one kept, matched, recorded once, allocated."""

import datetime as dt
import io

import openpyxl
import pytest

from gridcare.billing.models import Bill
from gridcare.billing.vietqr import payment_reference
from gridcare.metering.importing import ImportFileError, ImportLimits
from gridcare.org import policy
from gridcare.org.models import StaffRole, Unit
from gridcare.org.services import unit_create
from gridcare.payments import selectors, statements
from gridcare.payments.models import Allocation, Payment, StatementImport, StatementLine
from tests import factories
from tests.backoffice.builders import staff
from tests.payments.builders import bill

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 8, 5, 9, 0, tzinfo=dt.UTC)
HEADER = "transaction_id,booked_on,amount,description,customer_code,payer\n"


def _numbered(b: Bill) -> Bill:
    """A bill run's number (the builders' numbers are not), so that its reference can be printed."""
    Bill.objects.filter(pk=b.pk).update(number=f"202507-{b.pk:09d}")
    b.refresh_from_db()
    return b


@pytest.fixture
def two(world):
    mine = factories.account(world)
    other = factories.account(world)
    june = _numbered(bill(mine, total=150_000, due_date=dt.date(2025, 7, 10)))
    july = _numbered(bill(mine, total=200_000, due_date=dt.date(2025, 8, 10)))
    theirs = _numbered(bill(other, total=80_000, due_date=dt.date(2025, 8, 10)))
    return {"mine": mine, "other": other, "june": june, "july": july, "theirs": theirs}


def _import(text: str, **kwargs):
    defaults = {"filename": "vcb.csv", "kind": "bank", "source": "VCB", "now": NOW}
    return statements.statement_import(content=text.encode(), **(defaults | kwargs))


def test_lines_are_matched_by_reference_or_customer_code_and_allocated(two):
    july_ref = payment_reference(bill_number=two["july"].number)
    text = HEADER + (
        f"FT001,04/08/2025,200.000,MBVCB.123.{july_ref}.CT tu 0123 NGUYEN VAN A,,Nguyen Van A\n"
        f"FT002,2025-08-04,80000,thanh toan tien dien {two['other'].code},,\n"
        f"FT003,04/08/2025,50.000,chuyen tien,{two['mine'].code},\n"
        "FT004,04/08/2025,99.000,khong ro ai,,\n"
    )
    result = _import(text)
    assert (result.matched, result.unmatched, result.already_present, result.errors) == (3, 1, 0, [])
    lines = {ln.transaction_id: ln for ln in StatementLine.objects.all()}
    assert (lines["FT001"].matched_by, lines["FT001"].bill_id, lines["FT001"].account_id) == (
        "reference", two["july"].pk, two["mine"].pk)  # fmt: skip
    assert (lines["FT002"].matched_by, lines["FT002"].account_id) == ("customer_code", two["other"].pk)
    assert (lines["FT003"].matched_by, lines["FT003"].account_id) == ("customer_code", two["mine"].pk)
    assert lines["FT004"].status == "unmatched" and lines["FT004"].payment_id is None
    # FT001 pays July in full (it names it); FT003 pays the oldest owed bill, June, in part.
    assert selectors.bill_paid_amount(bill=two["july"]) == 200_000
    assert selectors.bill_paid_amount(bill=two["june"]) == 50_000
    assert selectors.bill_paid_amount(bill=two["theirs"]) == 80_000
    payment = Payment.objects.get(reference="VCB:FT001")
    assert (payment.channel, payment.amount, payment.payer) == ("bank_transfer", 200_000, "Nguyen Van A")
    assert payment.received_at == dt.datetime(2025, 8, 4, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_reimporting_the_same_file_changes_nothing(two):
    text = (
        HEADER
        + f"FT010,04/08/2025,150000,{payment_reference(bill_number=two['june'].number)},,\nFT011,04/08/2025,1000,?,,\n"
    )
    first = _import(text)
    counts = (Payment.objects.count(), Allocation.objects.count(), StatementLine.objects.count())
    again = _import(text)
    assert (first.matched, first.unmatched) == (1, 1)
    assert (again.matched, again.unmatched, again.already_present) == (0, 0, 2)
    assert (Payment.objects.count(), Allocation.objects.count(), StatementLine.objects.count()) == counts
    assert StatementImport.objects.count() == 2


def test_an_overpayment_by_reference_pays_the_named_bill_then_the_rest_stays_as_credit(two):
    ref = payment_reference(bill_number=two["theirs"].number)
    _import(HEADER + f"FT020,04/08/2025,100.000,{ref},,\n")
    assert selectors.bill_paid_amount(bill=two["theirs"]) == 80_000
    assert selectors.account_unallocated(account=two["other"]) == 20_000


def test_a_reference_with_wrong_check_digits_is_not_a_match(two):
    ref = payment_reference(bill_number=two["july"].number)
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    result = _import(HEADER + f"FT030,04/08/2025,200000,{wrong},,\n")
    assert (result.matched, result.unmatched) == (0, 1)


def test_every_bad_row_says_row_column_value_and_why_and_good_rows_are_kept(two):
    text = HEADER + (
        "FT040,04/08/2025,-5000,am,,\n"
        "FT041,31/02/2025,5000,ngay sai,,\n"
        "FT042,04/08/2025,12.5,le,,\n"
        ",04/08/2025,5000,khong ma,,\n"
        "FT044,04/08/2099,5000,tuong lai,,\n"
        f"FT045,04/08/2025,5000,ok,{two['mine'].code},\n"
        "FT045,04/08/2025,5000,lap,,\n"
        "FT047,04/08/2025,5000,ma sai,XX12,\n"
        "FT048,04/08/2025\n"
    )
    result = _import(text)
    got = {(e.row, e.column, e.value) for e in result.errors}
    assert got == {(2, "amount", "-5000"), (3, "booked_on", "31/02/2025"), (4, "amount", "12.5"), (5, "transaction_id", ""),
                   (6, "booked_on", "04/08/2099"), (8, "transaction_id", "FT045"), (9, "customer_code", "XX12"),
                   (10, "", "FT048,04/08/2025")}  # fmt: skip
    assert all(e.reason for e in result.errors)
    assert result.matched == 1 and StatementLine.objects.get().transaction_id == "FT045"
    statement = StatementImport.objects.get()
    assert (statement.status, statement.rows_rejected, statement.rows_total) == ("done_with_errors", 8, 9)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"transaction_id;booked_on;amount\nA;04/08/2025;1\n", "bad_header"),
        (
            "transaction_id,booked_on,amount,description\nA,04/08/2025,1,Thanh toán\n".encode("cp1258"),
            "bad_file",
        ),
        (b"", "empty_file"),
        (b"PK\x03\x04 not a zip", "bad_file"),
    ],
)
def test_unreadable_files_are_refused_whole_with_a_reason(two, content, code):
    with pytest.raises(ImportFileError) as refused:
        statements.statement_import(content=content, filename="x.csv", kind="bank", source="VCB", now=NOW)
    assert refused.value.code == code and refused.value.message
    assert not StatementLine.objects.exists() and not StatementImport.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_read(two):
    with pytest.raises(ImportFileError) as refused:
        statements.statement_import(content=b"x" * 2000, filename="x.csv", kind="bank", source="VCB", now=NOW,
                                    limits=ImportLimits(max_bytes=1000, max_expanded_bytes=10_000))  # fmt: skip
    assert refused.value.code == "file_too_large"


def test_an_xlsx_partner_file_with_vietnamese_column_names_is_read(two):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã giao dịch", "Ngày", "Số tiền", "Nội dung", "Mã khách hàng"])
    sheet.append(["VNP-1", dt.datetime(2025, 8, 4), 150000, "thu ho", two["mine"].code])
    buffer = io.BytesIO()
    book.save(buffer)
    result = statements.statement_import(
        content=buffer.getvalue(), filename="p.xlsx", kind="partner", source="VNPOST", now=NOW
    )
    assert result.matched == 1 and Payment.objects.get().channel == "counter"
    assert selectors.bill_paid_amount(bill=two["june"]) == 150_000


def test_staff_match_an_unmatched_line_once_within_their_units(world, two):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    _import(HEADER + "FT050,04/08/2025,80.000,tien dien,,\n", user=operator)
    line = StatementLine.objects.get()
    assert line.unit_id == world["teams"][0].pk
    matched = statements.statement_line_match(
        line=line, account=two["mine"], bill=two["july"], user=operator, now=NOW
    )
    assert (matched.status, matched.matched_by, matched.account_id) == ("matched", "manual", two["mine"].pk)
    assert selectors.bill_paid_amount(bill=two["july"]) == 80_000
    with pytest.raises(statements.StatementError):
        statements.statement_line_match(line=line, account=two["mine"], user=operator, now=NOW)
    assert Payment.objects.count() == 1


def test_another_teams_staff_cannot_import_for_or_match_a_line_of_another_unit(world, two):
    operator = staff(unit=world["teams"][0], role=StaffRole.OPERATOR)
    _import(HEADER + "FT060,04/08/2025,80.000,tien dien,,\n", user=operator)
    line = StatementLine.objects.get()
    company = Unit.objects.get(code="PCCT")
    elsewhere = unit_create(
        kind=Unit.Kind.COMPANY, code="PCHG", name="Công ty Điện lực Hậu Giang", parent=company.parent
    )
    stranger = staff(unit=elsewhere, role=StaffRole.MANAGER)
    with pytest.raises(policy.AccessDenied):
        statements.statement_line_match(line=line, account=two["mine"], user=stranger, now=NOW)
    viewer = staff(unit=world["teams"][0], role=StaffRole.VIEWER)
    with pytest.raises(policy.AccessDenied):
        _import(HEADER + "FT061,04/08/2025,1,x,,\n", user=viewer)
    assert StatementLine.objects.get().status == "unmatched" and not Payment.objects.exists()
