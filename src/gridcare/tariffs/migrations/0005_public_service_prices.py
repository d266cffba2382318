"""Hospitals, nurseries, kindergartens and general schools (`public_service`): their own purpose and prices.

/work/shared/domain/tariffs-and-billing.md, confidence [C]: one price for all hours by voltage (≥ 6 kV,
< 6 kV), the row "hospitals, nurseries, kindergartens, general schools": 1,851 / 1,977 under 2699/QĐ-BCT
(from 11/10/2024) and 1,940 / 2,072 under 1279/QĐ-BCT (from 10/05/2025, derived from the 2024 prices
+4.8 %). Loaded like the administrative prices of 0004: a time-of-use version whose three periods carry the
same price, so a meter with or without registers pays that price for every kWh.

The purpose check constraint is widened first, in the same migration, so that the versions can be stored.
The administrative versions of 0004 said in their note that these prices could not be split off yet; that
sentence is replaced (only where the note is still the one 0004 wrote).
"""

import datetime as dt

from django.db import migrations, models

D = dt.date
PURPOSES = ["residential", "business", "production", "administrative", "public_service"]
PERIODS = ("normal", "offpeak", "peak")
NOTE = (
    "Giá một giá cho mọi giờ, theo tài liệu nghiệp vụ [C]: đối chiếu bảng giá của quyết định trước khi dùng "
    "thật. Dòng «bệnh viện, nhà trẻ, mẫu giáo, trường phổ thông»{derived}."
)
PUBLIC_SERVICE = [
    # decision, decision date, active_from, active_to, (≥ 6 kV, < 6 kV), how the prices were obtained
    ("2699/QĐ-BCT", None, D(2024, 10, 11), D(2025, 5, 10), (1851, 1977), ""),
    ("1279/QĐ-BCT", D(2025, 5, 9), D(2025, 5, 10), None, (1940, 2072),
     "; suy ra từ giá năm 2024 (1.851 / 1.977 đồng/kWh) và mức tăng bình quân 4,8 % tháng 5/2025"),
]  # fmt: skip
AT_OR_ABOVE_6KV = ("ge110kv", "22to110kv", "6to22kv")
ADMINISTRATIVE_NOTE = (
    "Giá một giá cho mọi giờ, theo tài liệu nghiệp vụ [C]: đối chiếu bảng giá của quyết định trước khi dùng "
    "thật. Dòng «chiếu sáng công cộng; đơn vị hành chính sự nghiệp». Bệnh viện, nhà trẻ, mẫu giáo, trường phổ "
)
ADMINISTRATIVE_NOTE_0004 = ADMINISTRATIVE_NOTE + (
    "thông có giá riêng thấp hơn ({hospitals}), chưa tách được vì chỉ có một mục đích «hành chính sự nghiệp»."
)
ADMINISTRATIVE_NOTE_0005 = ADMINISTRATIVE_NOTE + "thông có mục đích và giá riêng, thấp hơn ({hospitals})."
ADMINISTRATIVE_0004 = [("2699/QĐ-BCT", "1.851 / 1.977 đồng/kWh"), ("1279/QĐ-BCT", "1.940 / 2.072 đồng/kWh")]


def _renote(apps, old, new):
    versions = apps.get_model("tariffs", "TariffVersion").objects.filter(purpose="administrative", confidence="C")
    for decision, hospitals in ADMINISTRATIVE_0004:
        versions.filter(decision=decision, note=old.format(hospitals=hospitals)).update(
            note=new.format(hospitals=hospitals)
        )


def load(apps, schema_editor):
    TariffVersion = apps.get_model("tariffs", "TariffVersion")
    TimeOfUsePrice = apps.get_model("tariffs", "TimeOfUsePrice")
    for decision, decision_date, active_from, active_to, (high, low), derived in PUBLIC_SERVICE:
        version = TariffVersion.objects.create(
            purpose="public_service", method="time_of_use", decision=decision, decision_date=decision_date,
            active_from=active_from, active_to=active_to, proration_divisor="30", confidence="C",
            note=NOTE.format(derived=derived),
        )  # fmt: skip
        TimeOfUsePrice.objects.bulk_create(
            TimeOfUsePrice(version=version, voltage=voltage, period=period, unit_price=price)
            for voltage, price in [*((v, high) for v in AT_OR_ABOVE_6KV), ("lt6kv", low)]
            for period in PERIODS
        )
    _renote(apps, ADMINISTRATIVE_NOTE_0004, ADMINISTRATIVE_NOTE_0005)


def unload(apps, schema_editor):
    _renote(apps, ADMINISTRATIVE_NOTE_0005, ADMINISTRATIVE_NOTE_0004)
    apps.get_model("tariffs", "TariffVersion").objects.filter(
        purpose="public_service", decision__in=[row[0] for row in PUBLIC_SERVICE], confidence="C"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tariffs", "0004_administrative_prices")]
    operations = [
        migrations.RemoveConstraint(model_name="tariffversion", name="tariff_version_purpose_known"),
        migrations.AlterField(
            model_name="tariffversion",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("residential", "sinh hoạt"),
                    ("business", "kinh doanh"),
                    ("production", "sản xuất"),
                    ("administrative", "hành chính sự nghiệp"),
                    ("public_service", "bệnh viện, nhà trẻ, mẫu giáo, trường phổ thông"),
                ],
                max_length=20,
                verbose_name="mục đích sử dụng",
            ),
        ),
        migrations.AddConstraint(
            model_name="tariffversion",
            constraint=models.CheckConstraint(condition=models.Q(purpose__in=PURPOSES), name="tariff_version_purpose_known"),
        ),
        migrations.RunPython(load, unload),
    ]
