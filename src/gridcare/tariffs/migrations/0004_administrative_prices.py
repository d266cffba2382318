"""Administrative and public-service prices (hành chính sự nghiệp), so that no purpose goes unbilled.

/work/shared/domain/tariffs-and-billing.md, confidence [C]: one price for all hours by voltage (≥ 6 kV,
< 6 kV), 2024 prices under 2699/QĐ-BCT and the 1279/QĐ-BCT prices derived from them (+4.8 %). They are
loaded as a time-of-use version whose three periods carry the same price, which the engine already
prices by voltage; a meter without registers is billed entirely at the "normal" price, the same one.

The domain table has two rows: hospitals, nurseries, kindergartens and general schools (1,851 / 1,977,
then 1,940 / 2,072), and public lighting with administrative and public-service units (2,040 / 2,124,
then 2,138 / 2,226). gridcare has one `administrative` purpose, so it carries the second row, the one
its name (hành chính sự nghiệp) stands for; the first row is in each version's note until the purpose
is split.
"""

import datetime as dt

from django.db import migrations

D = dt.date
PERIODS = ("normal", "offpeak", "peak")
NOTE = (
    "Giá một giá cho mọi giờ, theo tài liệu nghiệp vụ [C]: đối chiếu bảng giá của quyết định trước khi dùng "
    "thật. Dòng «chiếu sáng công cộng; đơn vị hành chính sự nghiệp». Bệnh viện, nhà trẻ, mẫu giáo, trường phổ "
    "thông có giá riêng thấp hơn ({hospitals}), chưa tách được vì chỉ có một mục đích «hành chính sự nghiệp»."
)
ADMINISTRATIVE = [
    # decision, decision date, active_from, active_to, (≥ 6 kV, < 6 kV), hospitals' and schools' prices
    ("2699/QĐ-BCT", None, D(2024, 10, 11), D(2025, 5, 10), (2040, 2124), "1.851 / 1.977 đồng/kWh"),
    ("1279/QĐ-BCT", D(2025, 5, 9), D(2025, 5, 10), None, (2138, 2226), "1.940 / 2.072 đồng/kWh"),
]
AT_OR_ABOVE_6KV = ("ge110kv", "22to110kv", "6to22kv")


def load(apps, schema_editor):
    TariffVersion = apps.get_model("tariffs", "TariffVersion")
    TimeOfUsePrice = apps.get_model("tariffs", "TimeOfUsePrice")
    for decision, decision_date, active_from, active_to, (high, low), hospitals in ADMINISTRATIVE:
        version = TariffVersion.objects.create(
            purpose="administrative", method="time_of_use", decision=decision, decision_date=decision_date,
            active_from=active_from, active_to=active_to, proration_divisor="30", confidence="C",
            note=NOTE.format(hospitals=hospitals),
        )  # fmt: skip
        TimeOfUsePrice.objects.bulk_create(
            TimeOfUsePrice(version=version, voltage=voltage, period=period, unit_price=price)
            for voltage, price in [*((v, high) for v in AT_OR_ABOVE_6KV), ("lt6kv", low)]
            for period in PERIODS
        )


def unload(apps, schema_editor):
    apps.get_model("tariffs", "TariffVersion").objects.filter(
        purpose="administrative", decision__in=[row[0] for row in ADMINISTRATIVE], confidence="C"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tariffs", "0003_versions_and_vat_rates_never_overlap")]
    operations = [migrations.RunPython(load, unload)]
