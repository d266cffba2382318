"""The bill as a VAT invoice: seller, buyer, meter, e-invoice series and number, words, VietQR; due dates."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from vietnam_qr_pay import QRPay

from gridcare.billing import services
from gridcare.billing.documents import bill_document_context, bill_html, bill_vietqr_payload
from gridcare.billing.models import Bill, InvoiceSequence
from tests import factories

NOW = dt.datetime(2025, 7, 20, 9, 0, tzinfo=dt.UTC)
JUNE, JULY = dt.date(2025, 6, 1), dt.date(2025, 7, 1)

SELLERS = {"PCCT": {"name": "CÔNG TY ĐIỆN LỰC CẦN THƠ", "tax_code": "0300588569-011", "address": "06 Nguyễn Trãi, Ninh Kiều",
                    "series": "CT"}}  # fmt: skip


@pytest.fixture
def sellers(settings):
    settings.GRIDCARE_INVOICE_SELLERS = SELLERS
    settings.GRIDCARE_VIETQR_BANK_BIN = "970436"
    settings.GRIDCARE_VIETQR_ACCOUNT_NUMBER = "0111000123456"
    settings.GRIDCARE_VIETQR_ACCOUNT_NAME = "CONG TY DIEN LUC CAN THO"


def _run(period):
    return services.bill_run_execute(
        run=services.bill_run_create(period=period, route=None, now=NOW), now=NOW
    )


def test_issued_bills_are_numbered_from_one_in_their_company_series_and_held_ones_not(world, sellers):
    accounts = [factories.account(world) for _ in range(3)]
    for acct in accounts:
        factories.readings(acct, [100, 200], start=dt.date(2025, 5, 5))
    held = factories.account(world)
    factories.readings(held, [100, 200, 900], start=dt.date(2025, 5, 5))
    _run(JUNE)
    _run(JULY)  # the July bill of `held` rose 600 %: held for review
    june = Bill.objects.filter(period=JUNE).order_by("pk")
    assert [(b.invoice_series, b.invoice_number) for b in june] == [("C25TCT", n) for n in (1, 2, 3, 4)]
    july = Bill.objects.get(period=JULY)
    assert july.status == "held" and july.invoice_number is None and july.lookup_code
    services.bills_release(bills=[july.pk], now=NOW)
    july.refresh_from_db()
    assert (july.invoice_series, july.invoice_number) == ("C25TCT", 5)
    assert InvoiceSequence.objects.get(series="C25TCT").last_number == 5
    note = services.bill_cancel(bill=june[0], reason="sai chỉ số", now=NOW)
    note.refresh_from_db()
    assert (note.invoice_series, note.invoice_number) == ("C25TCT", 6)
    codes = list(Bill.objects.values_list("lookup_code", flat=True))
    assert all(re.fullmatch(r"[A-Z2-7]{10}", c) for c in codes) and len(set(codes)) == len(codes)


def test_the_database_refuses_a_number_given_twice_in_a_series(world, sellers):
    for _ in range(2):
        factories.readings(factories.account(world), [100, 200], start=dt.date(2025, 5, 5))
    _run(JUNE)
    first, second = Bill.objects.order_by("pk")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.filter(pk=second.pk).update(invoice_number=first.invoice_number)


def test_due_date_follows_the_accounts_purpose(world, settings):
    settings.GRIDCARE_BILL_DUE_DAYS_BY_PURPOSE = {"residential": 10, "administrative": 7}
    settings.GRIDCARE_BILL_DUE_DAYS = 12
    home = factories.account(world)
    shop = factories.account(world, purpose="administrative")
    office = factories.account(world, purpose="public_service")
    for acct in (home, shop, office):
        factories.readings(acct, [100, 200], start=dt.date(2025, 5, 5))
    _run(JUNE)
    due = dict(Bill.objects.values_list("account_id", "due_date"))
    # Issued on 20/07/2025 (Ho Chi Minh City): +10, +7 and the default +12 days.
    assert due == {
        home.pk: dt.date(2025, 7, 30),
        shop.pk: dt.date(2025, 7, 27),
        office.pk: dt.date(2025, 8, 1),
    }


def test_release_gives_each_purpose_its_due_date(world, settings):
    settings.GRIDCARE_BILL_DUE_DAYS_BY_PURPOSE = {"residential": 10, "administrative": 7}
    home = factories.account(world)
    shop = factories.account(world, purpose="administrative")
    for acct in (home, shop):
        factories.readings(acct, [100, 200, 900], start=dt.date(2025, 5, 5))
    _run(JUNE)
    _run(JULY)
    held = Bill.objects.filter(period=JULY, status="held")
    assert held.count() == 2
    later = NOW + dt.timedelta(days=2)
    assert services.bills_release(bills=held, now=later) == 2
    due = dict(Bill.objects.filter(period=JULY).values_list("account_id", "due_date"))
    assert due == {home.pk: dt.date(2025, 8, 1), shop.pk: dt.date(2025, 7, 29)}


def test_the_document_carries_seller_buyer_meter_invoice_words_and_a_vietqr_that_decodes(world, sellers):
    acct = factories.account(world, name="Nguyễn Văn An")
    acct.customer.tax_code = "1801234567"
    acct.customer.save()
    factories.readings(acct, [100, 200], start=dt.date(2025, 5, 5))
    _run(JUNE)
    bill = Bill.objects.get()
    html = bill_html(bill=bill, language="vi")
    for text in ("CÔNG TY ĐIỆN LỰC CẦN THƠ", "0300588569-011", "06 Nguyễn Trãi, Ninh Kiều", "Nguyễn Văn An", "1801234567",
                 acct.meter_installations.get().meter.serial, "C25TCT", "00000001", bill.lookup_code, "0111000123456",
                 "CONG TY DIEN LUC CAN THO", "Mẫu số", "Số tiền viết bằng chữ"):  # fmt: skip
        assert text in html, text
    assert re.search(r"<strong lang=\"vi\">[A-ZĐ][^<]* đồng</strong>", html)
    reference = bill_document_context(bill=bill, language="vi")["reference"]
    digits = bill.number.replace("-", "")
    assert reference == f"TD{digits}{98 - int(digits) * 100 % 97:02d}" and reference in html
    assert '<svg class="vietqr" role="img"' in html
    qr = QRPay(bill_vietqr_payload(bill=bill))
    assert qr.is_valid and qr.amount == str(bill.total) and qr.additional_data.purpose == reference
    assert (qr.consumer.bank_bin, qr.consumer.bank_number) == ("970436", "0111000123456")


def test_the_english_page_keeps_the_vietnamese_words_of_the_amount(world, sellers):
    factories.readings(factories.account(world), [100, 200], start=dt.date(2025, 5, 5))
    _run(JUNE)
    html = bill_html(bill=Bill.objects.get(), language="en")
    assert "Amount in words" in html and " đồng</strong>" in html and "Pay by bank transfer" in html


def test_held_bills_and_credit_notes_carry_no_qr_code(world, sellers):
    acct = factories.account(world)
    factories.readings(acct, [100, 200, 900], start=dt.date(2025, 5, 5))
    _run(JUNE)
    _run(JULY)
    held = Bill.objects.get(period=JULY)
    assert bill_vietqr_payload(bill=held) is None and 'class="vietqr"' not in bill_html(bill=held)
    note = services.bill_cancel(bill=Bill.objects.get(period=JUNE), reason="sai", now=NOW)
    assert bill_vietqr_payload(bill=note) is None and "Âm" in bill_html(bill=note)


def test_the_backfill_numbers_bills_issued_before_the_migration_in_order_of_issue(world, sellers):
    from importlib import import_module

    for _ in range(3):
        factories.readings(factories.account(world), [100, 200, 300], start=dt.date(2025, 5, 5))
    _run(JUNE)
    _run(JULY)
    Bill.objects.update(invoice_series="", invoice_number=None, lookup_code="")
    InvoiceSequence.objects.all().delete()
    Bill.objects.filter(period=JUNE).update(issued_at=NOW - dt.timedelta(days=30))
    backfill = import_module("gridcare.billing.migrations.0007_einvoice_backfill").backfill

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    backfill(apps, editor)
    numbered = list(
        Bill.objects.order_by("issued_at", "pk").values_list("period", "invoice_series", "invoice_number")
    )
    assert numbered == [(JUNE, "C25TCT", n) for n in (1, 2, 3)] + [(JULY, "C25TCT", n) for n in (4, 5, 6)]
    assert Bill.objects.filter(lookup_code="").count() == 0
