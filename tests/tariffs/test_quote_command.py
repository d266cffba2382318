"""`gridcare quote` prices a consumption with the catalogue the data migration loaded."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def quote(*args):
    out = io.StringIO()
    call_command("quote", *args, stdout=out)
    return out.getvalue()


def quote_json(*args):
    return json.loads(quote(*args, "--json"))


def test_residential_json_across_the_1279_price_change():
    data = quote_json(
        "--purpose", "residential", "--kwh", "350", "--start", "2025-04-20", "--end", "2025-05-20"
    )
    assert set(data) == {"start", "end", "days", "lines", "subtotal", "vat_rate", "vat", "total"}
    assert (data["start"], data["end"], data["days"]) == ("2025-04-20", "2025-05-20", 30)
    assert data["lines"][0] == {
        "from": "2025-04-20", "to": "2025-05-10", "tier": 1, "limit_kwh": 33, "kwh": 33, "unit_price": 1893,
        "amount": 33 * 1893,
    }  # fmt: skip
    assert data["lines"][-1] == {
        "from": "2025-05-10", "to": "2025-05-20", "tier": 5, "limit_kwh": 33, "kwh": 17, "unit_price": 3350,
        "amount": 17 * 3350,
    }  # fmt: skip
    assert sum(line["kwh"] for line in data["lines"]) == 350
    assert data["subtotal"] == sum(line["amount"] for line in data["lines"]) == 879_297
    assert (data["vat_rate"], data["vat"], data["total"]) == (0.08, 70_344, 949_641)


def test_households_double_the_limits():
    one = quote_json(
        "--purpose", "residential", "--kwh", "200", "--start", "2025-06-01", "--end", "2025-07-01"
    )
    two = quote_json(
        "--purpose", "residential", "--kwh", "200", "--start", "2025-06-01", "--end", "2025-07-01", "--households", "2"
    )  # fmt: skip
    assert [line["limit_kwh"] for line in one["lines"]] == [50, 50, 100]
    assert [line["limit_kwh"] for line in two["lines"]] == [100, 100]
    assert two["total"] < one["total"]


def test_business_time_of_use_registers_json():
    data = quote_json(
        "--purpose", "business", "--voltage", "lt6kv", "--peak", "1200", "--normal", "3000", "--offpeak", "800",
        "--start", "2025-06-01", "--end", "2025-07-01",
    )  # fmt: skip
    assert [(line["period"], line["limit_kwh"], line["kwh"], line["unit_price"]) for line in data["lines"]] == [
        ("peak", None, 1200, 5422), ("normal", None, 3000, 3152), ("offpeak", None, 800, 1918),
    ]  # fmt: skip
    assert "tier" not in data["lines"][0]
    assert data["subtotal"] == 1200 * 5422 + 3000 * 3152 + 800 * 1918


def test_business_kwh_without_registers_is_priced_at_the_normal_price():
    data = quote_json(
        "--purpose", "business", "--voltage", "ge110kv", "--kwh", "500", "--start", "2025-06-01", "--end", "2025-07-01"
    )  # fmt: skip
    assert [(line["period"], line["kwh"], line["unit_price"]) for line in data["lines"]] == [
        ("normal", 500, 2887)
    ]


def test_a_school_below_6kv_is_priced_at_the_public_service_price():
    data = quote_json(
        "--purpose", "public_service", "--voltage", "lt6kv", "--kwh", "1000", "--start", "2025-06-01",
        "--end", "2025-07-01",
    )  # fmt: skip
    # 1279: 1,000 kWh × 2,072 = 2,072,000 đồng before VAT (administrative offices pay 2,226), VAT 8 % = 165,760.
    assert [(line["period"], line["kwh"], line["unit_price"]) for line in data["lines"]] == [
        ("normal", 1000, 2072)
    ]
    assert (data["subtotal"], data["vat"], data["total"]) == (2_072_000, 165_760, 2_237_760)


def test_a_vat_change_inside_the_period_is_shown_part_by_part():
    data = quote_json(
        "--purpose", "residential", "--kwh", "100", "--start", "2023-06-16", "--end", "2023-07-16"
    )
    assert data["vat_rate"] is None
    assert [(p["from"], p["vat_rate"]) for p in data["vat_parts"]] == [
        ("2023-06-16", 0.1),
        ("2023-07-01", 0.08),
    ]


def test_readable_table_is_vietnamese_with_dot_thousands():
    text = quote("--purpose", "residential", "--kwh", "350", "--start", "2025-04-20", "--end", "2025-05-20")
    assert "Kỳ từ 20/04/2025 đến 20/05/2025: 30 ngày" in text
    assert "2699/QĐ-BCT, 1279/QĐ-BCT" in text
    assert "Bậc 1" in text and "1.893" in text
    assert "Tổng cộng tiền thanh toán: 949.641 ₫" in text


def test_readable_table_in_english():
    text = quote(
        "--purpose", "residential", "--kwh", "350", "--start", "2025-04-20", "--end", "2025-05-20", "--language", "en"
    )  # fmt: skip
    assert "Total to pay: 949,641 ₫" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--purpose", "farming", "--kwh", "10"), "Mục đích sử dụng không hợp lệ"),
        (("--purpose", "residential", "--kwh", "-10"), "không được âm"),
        (("--purpose", "residential", "--kwh", "10", "--end", "2025-05-31"), "phải sau"),
        (("--purpose", "residential", "--kwh", "10", "--end", "2025-06-01"), "phải sau"),
        (("--purpose", "residential", "--kwh", "10", "--end", "31/07/2025"), "ngày không hợp lệ"),
        (
            (
                "--purpose",
                "administrative",
                "--voltage",
                "lt6kv",
                "--kwh",
                "10",
                "--start",
                "2024-06-01",
                "--end",
                "2024-07-01",
            ),
            "Chưa có biểu giá",
        ),
        (
            ("--purpose", "business", "--voltage", "lt6kv", "--kwh", "10", "--start", "2025-01-01"),
            "Chưa có biểu giá",
        ),
        (("--purpose", "business", "--kwh", "10"), "--voltage"),
        (("--purpose", "business", "--voltage", "9kv", "--kwh", "10"), "Cấp điện áp không hợp lệ"),
        (("--purpose", "residential", "--peak", "10"), "--kwh"),
        (("--purpose", "residential"), "--kwh"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(args, message):
    args = (*args,)
    if "--start" not in args:
        args = (*args, "--start", "2025-06-01")
    if "--end" not in args:
        args = (*args, "--end", "2025-07-01")
    with pytest.raises(CommandError) as error:
        quote(*args)
    assert error.value.returncode == 2
    assert message in str(error.value)


def test_the_console_script_exits_with_code_2_on_an_unknown_purpose(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gridcare.cli", "quote", "--purpose", "farming", "--kwh", "10",
         "--start", "2025-06-01", "--end", "2025-07-01"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GRIDCARE_DATA_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "Mục đích sử dụng không hợp lệ “farming”" in result.stderr
