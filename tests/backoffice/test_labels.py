"""No raw internal name on any back-office page: choices' labels, names instead of ids, money as VND.

Every list and change page of the records is rendered with data in it (bills with lines, a run with skipped
accounts, readings, route stops, messages), and the text a person reads (not attributes or scripts) must not
hold an id pair such as `49502#1`, a stored choice value such as `no_reading`, or a bare amount.
"""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps

from gridcare.backoffice.site import admin_site
from gridcare.billing.models import BillLine, BillRun, BillRunSkip
from tests import factories
from tests.backoffice import workbench
from tests.backoffice.builders import superuser, verified_login

APPS = {"customers", "metering", "billing", "notifications", "network", "org"}
MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin_site._registry
    if model._meta.app_label in APPS
)


class _Text(HTMLParser):
    """The text of a page as read on screen (no attributes, scripts, styles, SVG titles of charts)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_choice_values() -> set[str]:
    """Stored values of the gridcare models' choices that differ from their label (`no_reading`, `held`…)."""
    values = set()
    for model in apps.get_models():
        if not model.__module__.startswith("gridcare."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value != str(label) and len(value) > 2:
                    values.add(value)
    return values


def raw_names_in(text: str, values: set[str]) -> list[str]:
    found = re.findall(r"\b\d+#\d+\b", text)
    words = set(re.findall(r"[A-Za-z_]+", text))
    found += sorted(value for value in values if value in words)
    return found


@pytest.fixture
def populated(world):
    account = factories.account(world, phone="+84912345678")
    factories.readings(account, [100, 150])
    bill = workbench.bill(account, total=1_234_567)
    BillLine.objects.create(
        bill=bill, position=1, part_from=bill.start_date, part_to=bill.end_date, tier=1, limit_kwh=50, kwh=50,
        unit_price=1984, amount=99_200,
    )  # fmt: skip
    run = workbench.bill_run(world["routes"][world["teams"][0]], status=BillRun.Status.DONE)
    BillRunSkip.objects.create(run=run, account=account, reason=BillRunSkip.Reason.NO_READING)
    workbench.message(account, status="failed")
    workbench.reading_import(world["teams"][0])
    return {"account": account, "bill": bill, "run": run}


@pytest.mark.parametrize("app_label, model_name", MODELS)
def test_list_and_change_pages_show_no_raw_internal_name(client, populated, app_label, model_name):
    verified_login(client, superuser())
    values = raw_choice_values()
    response = client.get(f"/backoffice/{app_label}/{model_name}/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    if model_name == "template":
        # A message template is known by its key (`planned_outage`), the code the catalogue staff write in it.
        values = values - set(
            re.findall(
                r"[a-z_]+",
                " ".join(apps.get_model("notifications", "template").objects.values_list("key", flat=True)),
            )
        )
    assert raw_names_in(text, values) == [], f"list of {model_name}"
    model = apps.get_model(app_label, model_name)
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        return
    page = client.get(f"/backoffice/{app_label}/{model_name}/{obj.pk}/change/")
    assert page.status_code == 200
    assert raw_names_in(visible_text(page.content.decode()), values) == [], f"change page of {model_name}"


def test_amounts_are_money_on_the_bill_and_its_lines(client, populated):
    verified_login(client, superuser())
    text = visible_text(
        client.get(f"/backoffice/billing/bill/{populated['bill'].pk}/change/").content.decode()
    )
    assert "1.234.567 ₫" in text
    assert "99.200 ₫" in text and "1.984 ₫" in text
    assert " 1234567 " not in f" {text} "


def test_the_workday_page_shows_no_raw_internal_name(client, populated):
    verified_login(client, superuser())
    text = visible_text(client.get("/backoffice/").content.decode())
    assert raw_names_in(text, raw_choice_values()) == []


def test_the_overview_shows_no_raw_internal_name(client, populated):
    verified_login(client, superuser())
    text = visible_text(client.get(f"/backoffice/customer/{populated['account'].code}/").content.decode())
    assert raw_names_in(text, raw_choice_values()) == []
