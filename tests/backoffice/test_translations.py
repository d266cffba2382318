"""The back-office catalogues are used at run time.

Whether every string of the source is translated, and every .mo is its .po compiled: tests/core/test_catalogues.py.
"""

from django.utils import translation


def test_model_names_are_translated_at_runtime():
    from gridcare.customers.models import Account

    with translation.override("fr"):
        assert str(Account._meta.verbose_name) == "contrat (code client)"
    with translation.override("en"):
        assert str(Account._meta.verbose_name) == "contract (customer code)"
    with translation.override("vi"):
        assert str(Account._meta.verbose_name) == "hợp đồng (mã khách hàng)"
