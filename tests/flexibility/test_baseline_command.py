"""`gridcare baseline` reads an interval import file and prints one meter's baseline.

2026-06-15 is a Monday, 2026-06-13 a Saturday. Expected values are worked out by hand in the comments.
"""

import datetime as dt
import io
import json
import os
import subprocess

import pytest
from django.core.management import CommandError, call_command

from tests.processes import GRIDCARE

EVENT = dt.date(2026, 6, 15)


def run(*args) -> str:
    out = io.StringIO()
    call_command("baseline", *args, stdout=out)
    return out.getvalue()


def run_json(path, *args, meter="M1", date="2026-06-15", start="14:00", end="16:00"):
    return json.loads(
        run(
            "--intervals",
            str(path),
            "--meter",
            meter,
            "--event-date",
            date,
            "--start",
            start,
            "--end",
            end,
            *args,
            "--json",
        )
    )


def day_rows(serial: str, day: dt.date, kwh: float) -> list[str]:
    """A complete day: 48 rows at the same kWh."""
    return [f"{serial},{day.isoformat()} {k // 2:02d}:{30 * (k % 2):02d},{kwh:.3f}" for k in range(48)]


def write(tmp_path, lines: list[str], name="intervals.csv") -> os.PathLike:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def weekday_file(tmp_path, levels: dict[dt.date, float], default=2.0, event_kwh=2.0):
    """Meter M1 from 2026-05-01 to the event day; weekends at 9.0; M2's rows are noise at 100 kWh."""
    lines = ["meter_serial,start,energy_kwh"]
    day = dt.date(2026, 5, 1)
    while day <= EVENT:
        kwh = event_kwh if day == EVENT else levels.get(day, default if day.weekday() < 5 else 9.0)
        lines += day_rows("M1", day, kwh)
        lines += day_rows("M2", day, 100.0)[:2]
        day += dt.timedelta(days=1)
    return write(tmp_path, lines)


def test_same_day_from_a_small_hand_written_file(tmp_path):
    # Event 14:00–16:00 on 15 June. PJM 3+2: 10:00–13:00 and 17:00–19:00 (the hours next to the event skipped).
    # Six intervals before: 1.0 1.0 2.0 2.0 3.0 3.0 (sum 12); four after: 4.0 4.0 5.0 5.0 (sum 18).
    # Baseline = 30 / 10 = 3.0 in each of the four event intervals. Semicolons, both time formats, and an
    # interval of 13:30 (skipped hour) that must not count.
    path = write(tmp_path, [
        "meter_serial;start;energy_kwh",
        "M1;2026-06-15T10:00:00+07:00;1.000", "M1;2026-06-15T10:30:00+07:00;1.000",
        "M1;15/06/2026 11:00;2.000", "M1;15/06/2026 11:30;2.000",
        "M1;2026-06-15 12:00;3.000", "M1;2026-06-15 12:30;3.000",
        "M1;2026-06-15 13:30;50.000",
        "M1;2026-06-15 17:00;4.000", "M1;2026-06-15 17:30;4.000", "M1;2026-06-15 18:00;5.000", "M1;2026-06-15 18:30;5.000",
        "M9;2026-06-15 12:00;99.000",
    ])  # fmt: skip
    data = run_json(path, "--method", "same-day")
    assert data == {"selected_days": ["2026-06-15"], "baseline_kwh": [3.0, 3.0, 3.0, 3.0], "adjustment": None}
    # Only the hours before (3 h ending 1 h before): 12 / 6 = 2.0. The after-hours set to zero.
    assert run_json(path, "--method", "same-day", "--after-hours", "0")["baseline_kwh"] == [
        2.0,
        2.0,
        2.0,
        2.0,
    ]


def test_meter_before_takes_the_interval_just_before(tmp_path):
    path = write(
        tmp_path, ["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.750", "M1,2026-06-15 13:00,9.000"]
    )
    assert run_json(path, "--method", "meter-before", "--end", "15:00")["baseline_kwh"] == [0.75, 0.75]
    # One hour before, ending at the event: (9.0 + 0.75) / 2 = 4.875.
    assert run_json(path, "--method", "meter-before", "--before-hours", "1", "--end", "14:30")[
        "baseline_kwh"
    ] == [4.875]


def test_caiso_preset_and_explicit_options_override_it(tmp_path):
    # Weekdays before 15 June at 2.0 except 12 June at 4.0 → mean of ten (9 × 2 + 4) / 10 = 2.2.
    # Event morning (10:00–13:00) at 2.2 × 1.1 = 2.42 → ratio 1.1 → baseline 2.42.
    path = weekday_file(tmp_path, {dt.date(2026, 6, 12): 4.0}, event_kwh=2.42)
    data = run_json(path, "--method", "caiso-10-in-10")
    assert data["selected_days"] == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05",
                                     "2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"]  # fmt: skip
    assert data["adjustment"] == pytest.approx(1.1)
    assert data["baseline_kwh"] == pytest.approx([2.42] * 4)
    # --x-days 1 keeps the highest day only (12 June, 4.0); --adjustment none: 4.0, no adjustment.
    data = run_json(path, "--method", "caiso-10-in-10", "--x-days", "1", "--adjustment", "none")
    assert data == {"selected_days": ["2026-06-12"], "baseline_kwh": [4.0, 4.0, 4.0, 4.0], "adjustment": None}
    # --cap none lifts the ±20 % cap: the morning at 4.4 is 2.0 × the baseline (2.2) → 4.4.
    path = weekday_file(tmp_path, {dt.date(2026, 6, 12): 4.0}, event_kwh=4.4)
    assert run_json(path, "--method", "caiso-10-in-10")["adjustment"] == pytest.approx(1.2)
    assert run_json(path, "--method", "caiso-10-in-10", "--cap", "none")["baseline_kwh"] == pytest.approx(
        [4.4] * 4
    )


def test_excluded_dates_and_extra_holidays_are_skipped(tmp_path):
    # x-of-y with 3 of 3: the three latest weekdays 12, 11, 10 June at 1.0, 2.0, 3.0 → 2.0.
    # Excluding 11 June (an earlier event) and declaring 10 June a holiday brings in 9 and 8 June (6.0 and 9.0):
    # days 12, 9, 8 → (1 + 6 + 9) / 3 = 5.333333.
    levels = {dt.date(2026, 6, 12): 1.0, dt.date(2026, 6, 11): 2.0, dt.date(2026, 6, 10): 3.0,
              dt.date(2026, 6, 9): 6.0, dt.date(2026, 6, 8): 9.0}  # fmt: skip
    path = weekday_file(tmp_path, levels)
    plain = run_json(path, "--y-days", "3", "--x-days", "3")
    assert plain["baseline_kwh"] == [2.0] * 4
    data = run_json(
        path, "--y-days", "3", "--x-days", "3", "--exclude-dates", "2026-06-11", "--holidays", "2026-06-10"
    )
    assert data["selected_days"] == ["2026-06-08", "2026-06-09", "2026-06-12"]
    assert data["baseline_kwh"] == [5.333333] * 4


def test_a_day_with_a_missing_interval_is_not_used_and_too_few_days_give_no_baseline(tmp_path):
    # 12 June has no row for 20:00: the two latest complete weekdays are 11 and 10 June.
    lines = ["meter_serial,start,energy_kwh"]
    for day, kwh in [(dt.date(2026, 6, 10), 1.0), (dt.date(2026, 6, 11), 3.0), (dt.date(2026, 6, 12), 7.0)]:
        lines += [row for row in day_rows("M1", day, kwh) if day.day != 12 or " 20:00," not in row]
    path = write(tmp_path, lines)
    data = run_json(path, "--y-days", "2", "--x-days", "2")
    assert data == {
        "selected_days": ["2026-06-10", "2026-06-11"],
        "baseline_kwh": [2.0] * 4,
        "adjustment": None,
    }
    # --min-days 3 with only two complete days: no baseline (but the command succeeds).
    assert run_json(path, "--min-days", "3") == {
        "selected_days": [],
        "baseline_kwh": None,
        "adjustment": None,
    }


def test_text_output(tmp_path):
    path = write(tmp_path, ["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.750"])
    out = run("--intervals", str(path), "--meter", "M1", "--event-date", "2026-06-15", "--start", "14:00", "--end", "15:00",
              "--method", "meter-before")  # fmt: skip
    assert "14:00–14:30  0.750 kWh" in out and "14:30–15:00  0.750 kWh" in out


@pytest.mark.parametrize(
    ("lines", "args", "message"),
    [
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--meter", "M7"], "Tệp không có dòng nào của công tơ M7"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,abc"], [], "Dòng 2, cột energy_kwh, giá trị “abc”"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:15,0.5"], [], "Dòng 2, cột start"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5", "M1,2026-06-15 13:30,0.6"], [], "Dòng 3 lặp lại khoảng 30 phút của dòng 2"),
        (["meter_serial,read_on,total_kwh", "M1,2026-06-15,100"], [], "không phải dữ liệu 30 phút"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--event-date", "2026-13-01"], "--event-date: ngày không hợp lệ"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--start", "2pm"], "--start: giờ không hợp lệ"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--method", "ercot"], "--method: “ercot” không hợp lệ"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--x-days", "0"], "--x-days: cần một số nguyên"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--gap-hours", "0.25"], "--gap-hours: cần một số giờ"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--cap", "lots"], "--cap: cần một tỉ lệ"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--direction", "sideways"], "--direction"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--start", "01:00", "--method", "caiso-10-in-10"],
         "Giờ điều chỉnh (--adjustment-hours, --gap-hours) nằm ngoài ngày sự kiện"),
        (["meter_serial,start,energy_kwh", "M1,2026-06-15 13:30,0.5"], ["--start", "16:00"], "--end phải sau --start"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_error(tmp_path, lines, args, message):
    path = write(tmp_path, lines)
    base = {"--meter": "M1", "--event-date": "2026-06-15", "--start": "14:00", "--end": "16:00"}
    for option, value in zip(args[::2], args[1::2], strict=True):
        base[option] = value
    with pytest.raises(CommandError) as error:
        run("--intervals", str(path), *[part for pair in base.items() for part in pair], "--json")
    assert message in str(error.value)
    assert error.value.returncode == 2


def test_from_the_shell_a_missing_file_is_one_line_and_exit_2(tmp_path):
    completed = subprocess.run(  # noqa: S603 - our own console script
        [GRIDCARE, "baseline", "--intervals", str(tmp_path / "none.csv"), "--meter", "M1",
         "--event-date", "2026-06-15", "--start", "14:00", "--end", "16:00", "--json"],
        capture_output=True, text=True, env={**os.environ, "GRIDCARE_DEV": "1"}, check=False, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip().count("\n") == 0 and "none.csv" in completed.stderr
    assert "Traceback" not in completed.stderr
