import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import gridcare.billing
from gridcare.billing import services
from gridcare.billing.documents import bill_html
from gridcare.billing.models import Bill
from tests import factories
from tests.billing.test_bill_runs import JULY, NOW, run_for

LOCALE = Path(gridcare.billing.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def _compiled(compiled: gettext.GNUTranslations, message):
    """What the .mo says for `message`, shaped like `message.string` (a tuple of forms for a plural entry)."""
    if message.pluralizable:
        # Both languages have two forms: 1 picks the first, 2 the second (French: plural=(n > 1)).
        singular, plural = message.id
        if message.context:
            return tuple(compiled.npgettext(message.context, singular, plural, n) for n in (1, 2))
        return tuple(compiled.ngettext(singular, plural, n) for n in (1, 2))
    return compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_billing_string_is_translated_and_compiled(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    messages = [m for m in catalogue if m.id]
    assert messages
    assert any(m.pluralizable for m in messages)  # "%(days)s ngày": its forms are checked below too

    def forms(value):
        return value if isinstance(value, tuple) else (value,)

    assert [m.id for m in messages if m.fuzzy or not all(forms(m.string))] == []
    # Every placeholder (and every literal %%) of the msgid is kept in each form of the translation.
    assert [
        m.id for m in messages
        if any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(forms(m.id)[0])) for s in forms(m.string))
    ] == []  # fmt: skip
    with path.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in messages if _compiled(compiled, m) != m.string]
    assert stale == [], "run compilemessages"


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
