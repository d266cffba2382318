"""`gridcare reliability`: indices of a CSV interruption log, and clear refusals of bad files."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

# Hand-computed over 1,000 customers served:
#   line 2  120 min × 200, planned        → 24,000 customer minutes
#   line 3  exactly 5 min × 300           → momentary
#   line 4  31/01 23:00 → 01/02 01:30, 150 min × 100 → 15,000 (one interruption, whole)
#   line 5  6 min × 50                    →    300
#   SAIFI (200+100+50)/1000 = 0.35; SAIDI 39,300/1000 = 39.3; CAIDI 39,300/350 = 112.2857…; MAIFI 300/1000 = 0.3
#   without planned: SAIFI 0.15, SAIDI 15.3, CAIDI 15,300/150 = 102, MAIFI 0.3
LOG = """start,end,customers,planned
2026-01-10 08:00,2026-01-10 10:00,200,1
2026-01-15 14:00,2026-01-15 14:05,300,0
2026-01-31 23:00,2026-02-01 01:30,100,
2026-01-20 09:00,2026-01-20 09:06,50,0
"""


def write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, *args, served="1000"):
    out = io.StringIO()
    call_command("reliability", "--interruptions", str(path), "--customers-served", served, *args, stdout=out)
    return out.getvalue()


def test_json_of_a_hand_computed_log(tmp_path):
    data = json.loads(run(write(tmp_path, LOG), "--json"))
    assert data == {
        "customers_interrupted": 350, "customer_minutes": 39_300, "SAIFI": pytest.approx(0.35),
        "SAIDI": pytest.approx(39.3), "CAIDI": pytest.approx(112.28571428571429), "MAIFI": pytest.approx(0.3),
    }  # fmt: skip
    assert list(data) == ["customers_interrupted", "customer_minutes", "SAIFI", "SAIDI", "CAIDI", "MAIFI"]


def test_exclude_planned(tmp_path):
    data = json.loads(run(write(tmp_path, LOG), "--exclude-planned", "--json"))
    assert (data["customers_interrupted"], data["customer_minutes"]) == (150, 15_300)
    assert (data["SAIFI"], data["SAIDI"], data["CAIDI"], data["MAIFI"]) == pytest.approx(
        (0.15, 15.3, 102.0, 0.3)
    )


def test_without_the_planned_column_and_only_momentary_caidi_is_null(tmp_path):
    text = (
        "start,end,customers\n2026-03-01 08:00,2026-03-01 08:05,40\n\n2026-03-02 08:00,2026-03-02 08:01,10\n"
    )
    data = json.loads(run(write(tmp_path, text), "--json", served="100"))
    assert data == {"customers_interrupted": 0, "customer_minutes": 0, "SAIFI": 0.0, "SAIDI": 0.0, "CAIDI": None,
                    "MAIFI": 0.5}  # fmt: skip


def test_text_output_is_vietnamese_with_vietnamese_numbers(tmp_path):
    text = run(write(tmp_path, LOG), served="1000")
    assert "SAIDI (phút/khách hàng): 39,3" in text
    assert "Khách hàng × phút mất điện: 39.300" in text
    english = run(write(tmp_path, LOG), "--language", "en")
    assert "SAIDI (minutes per customer): 39.3" in english


def test_bad_rows_are_each_named_and_nothing_is_computed(tmp_path):
    text = (
        "start,end,customers,planned\n"
        "2026-01-10 08:00,2026-01-10 10:00,200,1\n"
        "2026-01-32 08:00,2026-02-01 10:00,200,0\n"
        "2026-01-10 08:00,2026-01-10 07:00,abc,yes\n"
    )
    with pytest.raises(CommandError) as error:
        run(write(tmp_path, text), "--json")
    message = str(error.value)
    assert error.value.returncode == 1
    assert "Dòng 3, cột “start”, giá trị “2026-01-32 08:00”" in message
    assert "Dòng 4, cột “end”, giá trị “2026-01-10 07:00”: kết thúc trước khi bắt đầu" in message
    assert "Dòng 4, cột “customers”, giá trị “abc”" in message
    assert "Dòng 4, cột “planned”, giá trị “yes”" in message
    assert "Dòng 2" not in message


def test_more_customers_than_served_and_a_missing_column_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Dòng 3, cột “customers”, giá trị “300”"):
        run(write(tmp_path, LOG), served="250")
    with pytest.raises(CommandError, match="Thiếu cột “customers”"):
        run(write(tmp_path, "start,end\n2026-01-10 08:00,2026-01-10 10:00\n"))
    with pytest.raises(CommandError, match="--customers-served") as error:
        run(write(tmp_path, LOG), served="0")
    assert error.value.returncode == 2


def gridcare(*args, data_dir):
    return subprocess.run(  # noqa: S603 (the test's own arguments)
        [sys.executable, "-m", "gridcare.cli", "reliability", *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GRIDCARE_DATA_DIR": str(data_dir)},
    )  # fmt: skip


def test_a_bad_file_from_the_console_script_exits_non_zero_without_a_traceback(tmp_path):
    bad = write(tmp_path, "start,end,customers\n2026-01-10 08:00,2026-01-10 10:00,-5\n")
    for path, code in ((bad, 1), (tmp_path / "missing.csv", 2)):
        done = gridcare("--interruptions", str(path), "--customers-served", "10", "--json", data_dir=tmp_path)
        assert done.returncode == code
        assert "Traceback" not in done.stderr
        assert done.stdout == ""
    done = gridcare("--interruptions", str(bad), "--customers-served", "10", data_dir=tmp_path)
    assert "Dòng 2, cột “customers”, giá trị “-5”" in done.stderr
    assert "missing.csv" in gridcare("--interruptions", str(tmp_path / "missing.csv"), "--customers-served", "10",
                                     data_dir=tmp_path).stderr  # fmt: skip


def test_a_bom_and_uppercase_header_from_a_spreadsheet_are_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffStart,End,Customers\r\n2026-01-10 08:00,2026-01-10 09:00,10\r\n".encode())
    assert json.loads(run(path, "--json", served="100"))["SAIDI"] == pytest.approx(6.0)
