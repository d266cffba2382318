"""The bill reads in English and French.

Whether every string of the source is translated, and every .mo is its .po compiled: tests/core/test_catalogues.py.
"""

import datetime as dt

import pytest

from gridcare.billing import services
from gridcare.billing.documents import bill_html
from gridcare.billing.models import Bill
from tests import factories
from tests.billing.test_bill_runs import JULY, NOW, run_for


@pytest.fixture
def july_bill(world):
    # As in test_bill_runs: June (the first bill, from 05/05) is 200 kWh over 31 days, July 150 kWh over 30 days,
    # so July explains itself.
    account = factories.account(world)
    factories.readings(account, [1600, 1800, 1950], start=dt.date(2025, 5, 5))
    services.bill_run_execute(run=run_for(world, period=dt.date(2025, 6, 1)), now=NOW)
    services.bill_run_execute(run=run_for(world), now=NOW)
    return Bill.objects.get(account=account, period=JULY)


def test_the_bill_reads_in_english(july_bill):
    html = bill_html(bill=july_bill, language="en")
    assert '<html lang="en">' in html
    assert "Electricity bill 07/2025" in html
    assert "Hoá đơn tiền điện" not in html
    assert "(30 days)" in html and "Tier 1" in html and "Total to pay" in html
    assert "Why this amount for this period?" in html
    assert "This period has 30 days and the previous one had 31" in html
    assert "Kỳ này" not in html and "Bậc" not in html and "Thuế GTGT" not in html


def test_the_bill_reads_in_french(july_bill):
    html = bill_html(bill=july_bill, language="fr")
    assert "Facture d’électricité 07/2025" in html
    assert "Hoá đơn tiền điện" not in html
    assert "(30 jours)" in html and "Tranche 1" in html and "TVA (8 %)" in html
    assert "Cette période compte 30 jours, la précédente 31" in html
