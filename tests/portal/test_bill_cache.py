"""The bill page's document is cached per bill version, the account's latest bill and the language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridcare.billing.models import Bill
from tests.backoffice.builders import customer_user
from tests.portal.test_query_counts import _bill_all, _customer

pytestmark = pytest.mark.django_db


def _page(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    return page[page.index('<div class="bill-document">') : page.index("</main>")], len(captured)


def test_the_second_view_reuses_the_document_and_a_new_bill_or_language_renders_it_again(client, world):
    account = _customer(world, months=3)
    _bill_all(2)
    client.force_login(customer_user(account))
    bill = Bill.objects.filter(account=account).order_by("period").first()
    url = f"/accounts/{account.code}/bills/{bill.number}/"
    first, first_queries = _page(client, url)
    again, again_queries = _page(client, url)
    assert again == first and again_queries < first_queries
    # A later bill of the account changes the history the document compares with: rendered again.
    _bill_all(3)
    _after, after_queries = _page(client, url)
    assert after_queries == first_queries
    client.cookies["django_language"] = "en"
    english, _ = _page(client, url)
    assert "Electricity" in english and english != first
