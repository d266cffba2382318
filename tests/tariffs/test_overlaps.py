"""Tariff versions of one purpose and VAT rates never overlap: the service refuses (under the catalogue's write
lock, on both databases) and, on PostgreSQL, an exclusion constraint refuses rows written past the service."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from gridcare.tariffs import services
from gridcare.tariffs.models import Confidence, PricingMethod, TariffVersion, VatRate

pytestmark = pytest.mark.django_db
D = dt.date
on_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="exclusion constraints: PostgreSQL only"
)


def _tiered(**overrides):
    values = {"purpose": "residential", "method": PricingMethod.TIERED, "decision": "thử", "confidence": "C",
              "tiers": [(100, 2000), (None, 3000)]}  # fmt: skip
    return values | overrides


def test_a_version_overlapping_a_closed_one_is_refused_and_nothing_changes():
    before = list(TariffVersion.objects.order_by("pk").values_list("pk", "active_from", "active_to"))
    with pytest.raises(ValidationError) as refused:
        services.tariff_version_create(**_tiered(active_from=D(2024, 1, 1), active_to=D(2024, 3, 1)))
    assert refused.value.error_list[0].code == "overlap"
    assert "2941/QĐ-BCT" in refused.value.messages[0]
    assert list(TariffVersion.objects.order_by("pk").values_list("pk", "active_from", "active_to")) == before


def test_a_version_of_another_purpose_on_the_same_days_is_allowed():
    # Residential has 2941/QĐ-BCT on these days; administrative has no price before 11/10/2024.
    version = services.tariff_version_create(
        **_tiered(purpose="administrative", active_from=D(2024, 1, 1), active_to=D(2024, 10, 11))
    )
    assert version.pk and version.active_to == D(2024, 10, 11)


def test_a_vat_rate_overlapping_another_is_refused():
    with pytest.raises(ValidationError) as refused:
        services.vat_rate_save(rate=VatRate(active_from=D(2022, 6, 1), active_to=D(2022, 9, 1), rate_percent=Decimal(5),
                                            confidence=Confidence.UNVERIFIED))  # fmt: skip
    assert refused.value.error_list[0].code == "overlap"
    assert "8% áp dụng từ 01/02/2022" in refused.value.messages[0]
    assert VatRate.objects.count() == 5


def test_a_new_vat_rate_closes_the_open_ended_one_it_follows():
    services.vat_rate_save(rate=VatRate(active_from=D(2028, 1, 1), rate_percent=Decimal(8), confidence="C"))
    rates = list(VatRate.objects.order_by("active_from").values_list("active_from", "active_to"))
    assert rates[-2:] == [(D(2027, 1, 1), D(2028, 1, 1)), (D(2028, 1, 1), None)]


def test_changing_a_vat_rate_into_its_neighbour_is_refused():
    rate = VatRate.objects.get(active_from=D(2022, 2, 1))
    rate.active_to = D(2023, 3, 1)  # into the 10% rate of 01/01/2023
    with pytest.raises(ValidationError):
        services.vat_rate_save(rate=rate)
    assert VatRate.objects.get(pk=rate.pk).active_to == D(2023, 1, 1)


@on_postgresql
def test_the_database_refuses_overlapping_rows_written_past_the_service():
    with pytest.raises(IntegrityError, match="tariff_version_no_overlap"), transaction.atomic():
        TariffVersion.objects.create(purpose="residential", method="tiered", decision="x", active_from=D(2024, 1, 1),
                                     active_to=D(2024, 3, 1), confidence="C")  # fmt: skip
    with pytest.raises(IntegrityError, match="vat_rate_no_overlap"), transaction.atomic():
        VatRate.objects.create(
            active_from=D(2030, 1, 1), rate_percent=5, confidence="C"
        )  # the 2027 rate is open
    # Touching ranges do not overlap ([from, to) ranges).
    VatRate.objects.filter(active_from=D(2027, 1, 1)).update(active_to=D(2030, 1, 1))
    VatRate.objects.create(active_from=D(2030, 1, 1), rate_percent=5, confidence="C")


@on_postgresql
def test_an_overlap_the_service_missed_comes_back_as_a_validation_error(monkeypatch):
    # As if another writer had committed between the check and the save: the constraint answers, as a message.
    monkeypatch.setattr(services, "vat_rate_dates_validate", lambda **kwargs: [])
    with pytest.raises(ValidationError) as refused:
        services.vat_rate_save(rate=VatRate(active_from=D(2022, 6, 1), rate_percent=5, confidence="C"))
    assert refused.value.error_list[0].code == "overlap"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_cannot_both_pass_the_check(monkeypatch):
    """The first writer holds the catalogue lock until it commits; the second then sees its row and is refused."""
    first_saved, release_first = threading.Event(), threading.Event()
    real_save = services._save_refusing_overlap

    def slow_save(**kwargs):
        real_save(**kwargs)
        if kwargs["instance"].rate_percent == 5:
            first_saved.set()
            release_first.wait(10)

    monkeypatch.setattr(services, "_save_refusing_overlap", slow_save)
    outcome = {}

    def writer(name, percent, start):
        try:
            services.vat_rate_save(rate=VatRate(active_from=start, active_to=D(2040, 1, 1), rate_percent=percent,
                                                confidence="C"))  # fmt: skip
            outcome[name] = "saved"
        except ValidationError as error:
            outcome[name] = error.error_list[0].code
        finally:
            connection.close()

    first = threading.Thread(target=writer, args=("first", 5, D(2030, 1, 1)))
    first.start()
    assert first_saved.wait(10)
    second = threading.Thread(target=writer, args=("second", 7, D(2031, 1, 1)))
    second.start()
    second.join(1)
    assert second.is_alive()  # waiting for the lock, not checking against a catalogue about to change
    release_first.set()
    first.join(10)
    second.join(10)
    assert outcome == {"first": "saved", "second": "overlap"}


def test_the_service_holds_the_catalogue_write_lock_while_it_checks(monkeypatch):
    statements = []
    real_validate = services.vat_rate_dates_validate

    def spy(**kwargs):
        statements.extend(q["sql"] for q in connection.queries)
        return real_validate(**kwargs)

    monkeypatch.setattr(services, "vat_rate_dates_validate", spy)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection):
        services.vat_rate_save(rate=VatRate(active_from=D(2028, 1, 1), rate_percent=8, confidence="C"))
    lock = (
        "LOCK TABLE"
        if connection.vendor == "postgresql"
        else 'UPDATE "tariffs_vatrate" SET id = id WHERE 0 = 1'
    )
    assert any(lock in sql for sql in statements)
