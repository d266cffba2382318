import datetime as dt
import re

import pytest
from django.urls import reverse

from gridcare.metering.models import Reading
from tests import factories
from tests.portal.builders import portal_login
from tests.portal.conftest import TOTALS

pytestmark = pytest.mark.django_db


def account_url(acct):
    return reverse("portal:account", kwargs={"code": acct.code})


def main_of(html):
    return html[html.index('<main id="main">') : html.index("</main>")]


def test_anonymous_visitors_are_sent_to_sign_in(client, customer_account):
    for url in (reverse("portal:home"), account_url(customer_account)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("portal:login") + "?next=")


def test_my_accounts_lists_every_contract_of_the_customer_and_no_other(signed_in, customer_account, world):
    second = factories.account(world, team=world["teams"][1])
    second.customer = customer_account.customer
    second.save(update_fields=["customer"])
    stranger = factories.account(world, name="Lê Văn Cường")
    response = signed_in.get(reverse("portal:home"))
    assert response.status_code == 200
    assert customer_account.code in response.text and second.code in response.text
    assert stranger.code not in response.text
    assert "Phong Điền" in response.text


def test_account_page_shows_address_meter_and_last_six_readings(signed_in, customer_account):
    response = signed_in.get(account_url(customer_account))
    assert response.status_code == 200
    text = response.text
    premise = customer_account.premise
    for expected in (
        customer_account.code,
        "Trần Thị Bình",
        premise.street,
        "Ninh Kiều",
        "Cần Thơ",
        "Sinh hoạt",
    ):
        assert expected in text
    meter = customer_account.meter_installations.get().meter
    assert meter.serial in text and "Công tơ điện tử" in text
    table = text[text.index('id="last-readings"') :]
    table = table[: table.index("</table>")]
    dates = re.findall(r"<th scope=\"row\">(\d\d/\d\d/\d{4})</th>", table)
    assert dates == ["05/01/2026", "05/12/2025", "05/11/2025", "05/10/2025", "05/09/2025", "05/08/2025"]
    last, before = TOTALS[-1], TOTALS[-2]
    assert f"{last // 1000}.{last % 1000:03d} kWh" in table
    assert f"{last - before} kWh" in table


def test_another_customers_account_is_not_found(signed_in, world):
    stranger = factories.account(world, name="Lê Văn Cường")
    portal_login(stranger)
    factories.readings(stranger, [100, 250])
    response = signed_in.get(account_url(stranger))
    assert response.status_code == 404
    assert stranger.customer.name not in response.text
    nobody = signed_in.get(reverse("portal:account", kwargs={"code": "PB9999999999Z"}))
    assert nobody.status_code == 404
    # The two answers are the same page, so a 404 does not tell whether a code exists.
    assert main_of(nobody.text) == main_of(response.text)
    assert "PB9999999999Z" not in main_of(nobody.text)


def test_each_customer_sees_only_their_own_account(client, customer_account, world):
    stranger = factories.account(world, name="Lê Văn Cường")
    client.force_login(portal_login(stranger))
    assert client.get(account_url(stranger)).status_code == 200
    assert client.get(account_url(customer_account)).status_code == 404


def test_staff_who_are_not_customers_are_pointed_to_the_back_office(
    client, django_user_model, customer_account
):
    staff = django_user_model.objects.create_user(username="clerk", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert 'href="/backoffice/"' in response.text


def test_staff_cannot_read_a_customer_account_through_the_portal(client, django_user_model, customer_account):
    staff = django_user_model.objects.create_user(username="clerk", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get(account_url(customer_account))
    assert customer_account.customer.name not in response.text
    assert 'href="/backoffice/"' in response.text


def test_account_without_readings_says_so(client, world):
    acct = factories.account(world)
    client.force_login(portal_login(acct))
    response = client.get(account_url(acct))
    assert response.status_code == 200
    assert "Chưa có chỉ số nào." in response.text
    assert "<svg" not in response.text


def test_account_page_query_count_does_not_grow_with_readings(
    signed_in, customer_account, django_assert_max_num_queries
):
    meter = customer_account.meter_installations.get().meter
    Reading.objects.bulk_create(
        Reading(
            meter=meter,
            account=customer_account,
            read_on=dt.date(2026, 2, 5) + dt.timedelta(days=30 * i),
            total=10_000 + i,
        )
        for i in range(24)
    )
    # The readings part is cached under a digest of the readings (portal.views._account_readings_html): the first
    # view reads the digest and then the readings (one query more than before the cache), a later one the digest only.
    with django_assert_max_num_queries(9):
        assert signed_in.get(account_url(customer_account)).status_code == 200
    with django_assert_max_num_queries(8):
        assert signed_in.get(account_url(customer_account)).status_code == 200
