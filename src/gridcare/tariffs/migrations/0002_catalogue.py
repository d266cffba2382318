"""The tariff catalogue known on 2025-11 (/work/shared/domain/tariffs-and-billing.md), confidence marked.

Administrative (hành chính sự nghiệp) prices are loaded by 0004_administrative_prices.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

D = dt.date
RESIDENTIAL_LIMITS = (50, 50, 100, 100, 100, None)
RESIDENTIAL = [
    # active_from, active_to, decision, decision_date, confidence, prices, note
    (D(2023, 5, 4), D(2023, 11, 9), "1062/QĐ-BCT", None, "C", (1728, 1786, 2074, 2612, 2919, 3015),
     "Số quyết định chưa kiểm chứng [C]; giá theo tài liệu nghiệp vụ."),
    (D(2023, 11, 9), D(2024, 10, 11), "2941/QĐ-BCT", None, "C", (1806, 1866, 2167, 2729, 3050, 3151),
     "Số quyết định chưa kiểm chứng [C]; giá theo tài liệu nghiệp vụ."),
    (D(2024, 10, 11), D(2025, 5, 10), "2699/QĐ-BCT", None, "C", (1893, 1956, 2271, 2860, 3197, 3302),
     "Chưa kiểm chứng [C]."),
    (D(2025, 5, 10), None, "1279/QĐ-BCT", D(2025, 5, 9), "A", (1984, 2050, 2380, 2998, 3350, 3460),
     "Giá bán lẻ điện sinh hoạt dùng thẻ trả trước theo 1279: 2.909 đồng/kWh [C] (chưa đưa vào biểu giá)."),
]
# normal, off-peak, peak (Decision 1279, two secondary sources agree [C])
TIME_OF_USE_1279 = {
    "production": {
        "ge110kv": (1811, 1146, 3266),
        "22to110kv": (1833, 1190, 3398),
        "6to22kv": (1899, 1234, 3508),
        "lt6kv": (1987, 1300, 3640),
    },
    "business": {
        "ge110kv": (2887, 1609, 5025),
        "22to110kv": (2887, 1609, 5025),  # one price for every level from 22 kV up
        "6to22kv": (3108, 1829, 5202),
        "lt6kv": (3152, 1918, 5422),
    },
}
T = dt.time
SCHEDULES = [
    (D(2014, 7, 16), D(2026, 4, 1), "Thông tư 16/2014/TT-BCT", "A",
     "Ngày hiệu lực 16/07/2014. Thông tư 60/2025/TT-BCT (12/2025) thay thế dần [C].",
     [("mon_sat", "normal", T(4, 0), T(9, 30)), ("mon_sat", "peak", T(9, 30), T(11, 30)),
      ("mon_sat", "normal", T(11, 30), T(17, 0)), ("mon_sat", "peak", T(17, 0), T(20, 0)),
      ("mon_sat", "normal", T(20, 0), T(22, 0)), ("mon_sat", "offpeak", T(22, 0), T(0, 0)),
      ("mon_sat", "offpeak", T(0, 0), T(4, 0)),
      ("sunday", "offpeak", T(0, 0), T(4, 0)), ("sunday", "normal", T(4, 0), T(22, 0)),
      ("sunday", "offpeak", T(22, 0), T(0, 0))]),
    (D(2026, 4, 1), None, "Quyết định 963/QĐ-BCT", "C",
     "Chưa kiểm chứng [C]: ban hành tháng 4/2026, ngày áp dụng chính xác và việc áp dụng cho hoá đơn chưa rõ.",
     [("mon_sat", "offpeak", T(0, 0), T(6, 0)), ("mon_sat", "normal", T(6, 0), T(17, 30)),
      ("mon_sat", "peak", T(17, 30), T(22, 30)), ("mon_sat", "normal", T(22, 30), T(0, 0)),
      ("sunday", "offpeak", T(0, 0), T(6, 0)), ("sunday", "normal", T(6, 0), T(0, 0))]),
]
VAT = [
    (D(1999, 1, 1), D(2022, 2, 1), "10", "Luật Thuế GTGT (thuế suất phổ thông)", "A"),
    (D(2022, 2, 1), D(2023, 1, 1), "8", "Nghị định 15/2022/NĐ-CP", "A"),
    (D(2023, 1, 1), D(2023, 7, 1), "10", "Khoảng trống giữa hai nghị định (suy luận)", "B"),
    (D(2023, 7, 1), D(2027, 1, 1), "8", "Nghị định 44/2023, 94/2023, 72/2024, 180/2024, 174/2025", "A"),
    (D(2027, 1, 1), None, "10", "Thuế suất phổ thông sau khi hết giảm (giả định)", "B"),
]


def load(apps, schema_editor):
    TariffVersion = apps.get_model("tariffs", "TariffVersion")
    TierPrice = apps.get_model("tariffs", "TierPrice")
    TimeOfUsePrice = apps.get_model("tariffs", "TimeOfUsePrice")
    TimeOfUseSchedule = apps.get_model("tariffs", "TimeOfUseSchedule")
    TimeOfUseWindow = apps.get_model("tariffs", "TimeOfUseWindow")
    VatRate = apps.get_model("tariffs", "VatRate")
    for active_from, active_to, decision, decision_date, confidence, prices, note in RESIDENTIAL:
        version = TariffVersion.objects.create(
            purpose="residential", method="tiered", decision=decision, decision_date=decision_date,
            active_from=active_from, active_to=active_to, proration_divisor="30", confidence=confidence, note=note,
        )
        TierPrice.objects.bulk_create(
            TierPrice(version=version, position=i, limit_kwh=limit, unit_price=price)
            for i, (limit, price) in enumerate(zip(RESIDENTIAL_LIMITS, prices), start=1)
        )
    for purpose, by_voltage in TIME_OF_USE_1279.items():
        version = TariffVersion.objects.create(
            purpose=purpose, method="time_of_use", decision="1279/QĐ-BCT", decision_date=D(2025, 5, 9),
            active_from=D(2025, 5, 10), active_to=None, proration_divisor="30", confidence="C",
            note="Hai nguồn thứ cấp khớp nhau [C]. Khách hàng kinh doanh chưa đo ba giá trả giá giờ bình thường "
                 "cho toàn bộ điện năng [C].",
        )
        TimeOfUsePrice.objects.bulk_create(
            TimeOfUsePrice(version=version, voltage=voltage, period=period, unit_price=price)
            for voltage, prices in by_voltage.items()
            for period, price in zip(("normal", "offpeak", "peak"), prices)
        )
    for active_from, active_to, decision, confidence, note, windows in SCHEDULES:
        schedule = TimeOfUseSchedule.objects.create(
            decision=decision, active_from=active_from, active_to=active_to, confidence=confidence, note=note
        )
        TimeOfUseWindow.objects.bulk_create(
            TimeOfUseWindow(schedule=schedule, days=days, period=period, starts_at=starts, ends_at=ends)
            for days, period, starts, ends in windows
        )
    VatRate.objects.bulk_create(
        VatRate(active_from=a, active_to=b, rate_percent=Decimal(rate), basis=basis, confidence=confidence)
        for a, b, rate, basis, confidence in VAT
    )


def unload(apps, schema_editor):
    for model in ("TierPrice", "TimeOfUsePrice", "TariffVersion", "TimeOfUseWindow", "TimeOfUseSchedule", "VatRate"):
        apps.get_model("tariffs", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tariffs", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
