"""Reading import: hand-made files with every kind of bad row, re-imports, XLSX and interval data."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from gridcare.metering.models import IntervalReading, Meter, Reading, ReadingImport
from tests import factories
from tests.metering.builders import NOW, csv_file, meter_of, report_rows, xlsx_file


def run(path, **kwargs):
    """Run the command; return (exit code, last line printed)."""
    out = io.StringIO()
    try:
        call_command("import_readings", str(path), now=NOW, stdout=out, **kwargs)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def metered(world):
    a1 = factories.account(world)
    a2 = factories.account(world, register_digits=4)
    a3 = factories.account(world)
    factories.readings(a1, [1000, 1200, 1400])
    factories.readings(a2, [9700, 9800, 9900])
    factories.readings(a3, [500, 600, 700])
    return {"a1": a1, "a2": a2, "a3": a3, "m1": meter_of(a1), "m2": meter_of(a2), "m3": meter_of(a3)}


def test_bad_rows_are_rejected_with_reasons_and_good_rows_all_imported(metered, tmp_path):
    m1, m2, m3 = metered["m1"].serial, metered["m2"].serial, metered["m3"].serial
    path = csv_file(tmp_path / "readings.csv", [
        [m1, "2025-04-05", "1600"],      # 2 ok
        [m1, "2025-05-05", "1500"],      # 3 lower than 1600, not a rollover
        [m1, "2025-06-05", "1800"],      # 4 ok against 1600 (row 3 is not the reference)
        [m2, "2025-04-05", "50"],        # 5 rollover of a 4-digit register: 9900 -> 50
        ["NOPE-1", "2025-04-05", "10"],  # 6 unknown meter
        [m3, "2025-04-05", "abc"],       # 7 not a number
        [m3, "2025-04-06", "-5"],        # 8 negative
        [m3, "2025-04-05", "800"],       # 9 ok
        [m3, "2025-04-05", "800"],       # 10 duplicate of row 9
        [m3, "2025-05-05", "900000"],    # 11 implausible jump
        [m1, "2025-03-05", "1400"],      # 12 already recorded, same value
        [m1, "2025-02-05", "1250"],      # 13 conflicts with 1200 recorded
        [m3, "2030-01-01", "1000"],      # 14 future
        [m3, "31/02/2025", "1000"],      # 15 no such date
        [m3, "2019-06-01", "10"],        # 16 before the meter was installed
        [m3, "05/06/2025", "1000"],      # 17 ok, day/month/year
    ])  # fmt: skip
    code, summary = run(path)

    assert code == 1
    assert summary.startswith("Đã nhập 5 dòng mới, 1 dòng đã có, 10 dòng lỗi")
    assert "1 dòng chỉ số quay vòng" in summary and "readings.csv.errors.csv" in summary
    stored = set(
        Reading.objects.filter(read_on__gte=dt.date(2025, 4, 1)).values_list(
            "meter__serial", "read_on", "total", "rollover"
        )
    )
    assert stored == {
        (m1, dt.date(2025, 4, 5), 1600, False), (m1, dt.date(2025, 6, 5), 1800, False),
        (m2, dt.date(2025, 4, 5), 50, True), (m3, dt.date(2025, 4, 5), 800, False), (m3, dt.date(2025, 6, 5), 1000, False),
    }  # fmt: skip
    assert Reading.objects.get(meter=metered["m1"], read_on=dt.date(2025, 2, 5)).total == 1200
    report = {(int(r[0]), r[1]): r for r in report_rows(path)}
    assert sorted(report) == [
        (3, "total_kwh"), (6, "meter_serial"), (7, "total_kwh"), (8, "total_kwh"), (10, "read_on"), (11, "total_kwh"),
        (13, "total_kwh"), (14, "read_on"), (15, "read_on"), (16, "read_on"),
    ]  # fmt: skip
    assert "không phải quay vòng" in report[(3, "total_kwh")][3] and "1600" in report[(3, "total_kwh")][3]
    assert report[(3, "total_kwh")][2] == "1500"
    assert "Không có công tơ" in report[(6, "meter_serial")][3]
    assert report[(7, "total_kwh")][4] == "Not a number."
    assert report[(8, "total_kwh")][4] == "Negative value."
    assert "dòng 9" in report[(10, "read_on")][3]
    assert "vượt mức hợp lý" in report[(11, "total_kwh")][3] and "899200" in report[(11, "total_kwh")][3]
    assert "1200" in report[(13, "total_kwh")][3]
    assert "tương lai" in report[(14, "read_on")][3]
    assert "không lắp" in report[(16, "read_on")][3]
    record = ReadingImport.objects.get()
    assert (record.rows_total, record.rows_inserted, record.rows_already_present, record.rows_rejected) == (
        16,
        5,
        1,
        10,
    )
    assert record.status == ReadingImport.Status.DONE_WITH_ERRORS and len(record.errors) == 10


def test_reimporting_the_same_file_changes_nothing(metered, tmp_path):
    m1, m3 = metered["m1"].serial, metered["m3"].serial
    path = csv_file(
        tmp_path / "r.csv", [[m1, "2025-04-05", "1600"], [m3, "2025-04-05", "800"], [m3, "2025-05-05", "x"]]
    )
    assert run(path)[0] == 1
    before = list(
        Reading.objects.order_by("pk").values_list(
            "pk", "meter_id", "read_on", "total", "rollover", "reading_import_id"
        )
    )

    code, summary = run(path)

    assert code == 1
    assert summary.startswith("Đã nhập 0 dòng mới, 2 dòng đã có, 1 dòng lỗi")
    assert (
        list(
            Reading.objects.order_by("pk").values_list(
                "pk", "meter_id", "read_on", "total", "rollover", "reading_import_id"
            )
        )
        == before
    )


def test_a_clean_file_exits_zero_and_removes_a_stale_report(metered, tmp_path):
    path = csv_file(tmp_path / "ok.csv", [[metered["m1"].serial, "05/04/2025", "1600"]], delimiter=";")
    (tmp_path / "ok.csv.errors.csv").write_text("old")

    assert run(path) == (0, "Đã nhập 1 dòng mới, 0 dòng đã có, 0 dòng lỗi")
    assert not (tmp_path / "ok.csv.errors.csv").exists()
    assert run(path) == (0, "Đã nhập 0 dòng mới, 1 dòng đã có, 0 dòng lỗi")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["meter_serial", "read_on"], "thiếu cột total_kwh"),
        (["meter_serial", "read_on", "total_kwh", "note"], "cột không biết note"),
        (["serial", "value"], "Không nhận ra loại tệp"),
    ],
)
def test_a_bad_header_exits_two_and_writes_nothing(metered, tmp_path, header, expected):
    path = csv_file(
        tmp_path / "bad.csv", [[metered["m1"].serial, "2025-04-05", "1600", ""][: len(header)]], header=header
    )
    count = Reading.objects.count()

    code, line = run(path)

    assert code == 2 and expected in line
    assert Reading.objects.count() == count and not ReadingImport.objects.exists()


def test_an_unreadable_file_exits_two(db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("meter_serial,read_on,total_kwh\nM1,2025-04-05,1\nÉ,2025-04-05,1\n".encode("latin-1"))
    assert run(path)[0] == 2
    assert run(tmp_path / "missing.csv")[0] == 2


def test_rows_with_the_wrong_number_of_cells_are_rejected_not_fatal(metered, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        f"meter_serial,read_on,total_kwh\n{metered['m1'].serial},2025-04-05,1600\n{metered['m3'].serial},2025-04-05\n\n"
    )

    code, summary = run(path)

    assert code == 1 and summary.startswith("Đã nhập 1 dòng mới, 0 dòng đã có, 1 dòng lỗi")
    assert [r[0] for r in report_rows(path)] == ["3"]


def test_xlsx_with_date_cells_and_time_of_use_registers(world, tmp_path):
    acct = factories.account(world, time_of_use=True)
    meter = meter_of(acct)
    path = xlsx_file(
        tmp_path / "tou.xlsx",
        [
            [meter.serial, dt.date(2025, 4, 5), 300, 100, 150, 50],
            [meter.serial, "05/05/2025", 600.0, 200, 300, None],
        ],
        header=["meter_serial", "read_on", "total_kwh", "peak_kwh", "normal_kwh", "offpeak_kwh"],
    )

    assert run(path) == (0, "Đã nhập 2 dòng mới, 0 dòng đã có, 0 dòng lỗi")
    assert list(Reading.objects.order_by("read_on").values_list("total", "peak", "normal", "offpeak")) == [
        (300, 100, 150, 50), (600, 200, 300, None),
    ]  # fmt: skip


def test_interval_data_imports_the_same_way(world, tmp_path):
    meter = meter_of(factories.account(world, meter_kind=Meter.Kind.SMART))
    s = meter.serial
    path = csv_file(tmp_path / "interval.csv", [
        [s, "2025-11-05T10:00:00+07:00", "0.5"],    # 2 ok
        [s, "2025-11-05 10:30", "1.25"],            # 3 ok, local time
        [s, "05/11/2025 11:00", "0.001"],           # 4 ok, 1 Wh
        [s, "2025-11-05T10:15:00+07:00", "1"],      # 5 not on a half hour
        [s, "2025-11-05T11:30", "1.0005"],          # 6 more than 3 decimals
        [s, "2025-11-05T12:00", "-1"],              # 7 negative
        [s, "2025-11-05T03:30:00+00:00", "1.25"],   # 8 same interval as row 3, given in UTC
        [s, "2025-11-25T10:00", "1"],               # 9 future
        ["NOPE", "2025-11-05T10:00", "1"],          # 10 unknown meter
    ], header=["meter_serial", "start", "energy_kwh"])  # fmt: skip

    code, summary = run(path)

    assert code == 1 and summary.startswith("Đã nhập 3 dòng mới, 0 dòng đã có, 6 dòng lỗi")
    assert list(IntervalReading.objects.order_by("start").values_list("start", "energy_wh")) == [
        (dt.datetime(2025, 11, 5, 3, 0, tzinfo=dt.UTC), 500),
        (dt.datetime(2025, 11, 5, 3, 30, tzinfo=dt.UTC), 1250),
        (dt.datetime(2025, 11, 5, 4, 0, tzinfo=dt.UTC), 1),
    ]
    report = {int(r[0]): r for r in report_rows(path)}
    assert sorted(report) == [5, 6, 7, 8, 9, 10]
    assert "dòng 3" in report[8][3]
    assert run(path)[1].startswith("Đã nhập 0 dòng mới, 3 dòng đã có, 6 dòng lỗi")
    assert IntervalReading.objects.count() == 3


def test_the_background_task_runs_the_same_import(metered, tmp_path, settings):
    from gridcare.metering.tasks import reading_import_file_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    path = csv_file(
        tmp_path / "t.csv", [[metered["m1"].serial, "2025-04-05", "1600"], ["NOPE", "2025-04-05", "1"]]
    )

    result = reading_import_file_task.enqueue(str(path)).return_value

    assert (result["inserted"], result["rejected"]) == (1, 1)
    assert (tmp_path / "t.csv.errors.csv").exists()


def test_a_filled_in_reading_must_fit_below_the_next_recorded_one(metered, tmp_path):
    m1 = metered["m1"].serial  # recorded: 1200 on 5 Feb, 1400 on 5 Mar
    path = csv_file(tmp_path / "backfill.csv", [[m1, "2025-02-20", "1300"], [m1, "2025-02-25", "1500"]])

    code, summary = run(path)

    assert code == 1 and summary.startswith("Đã nhập 1 dòng mới, 0 dòng đã có, 1 dòng lỗi")
    assert Reading.objects.filter(meter=metered["m1"], read_on=dt.date(2025, 2, 20), total=1300).exists()
    ((row, column, value, reason, reason_en),) = report_rows(path)
    assert (row, column, value) == ("3", "total_kwh", "1500")
    assert "1400" in reason and "05/03/2025" in reason_en


def test_a_run_that_crashes_half_way_is_finished_by_running_it_again(metered, tmp_path, monkeypatch):
    from gridcare.metering import services

    m1, m3 = metered["m1"].serial, metered["m3"].serial
    path = csv_file(tmp_path / "r.csv", [
        [m1, "2025-04-05", "1600"], [m1, "2025-05-05", "1700"], [m3, "2025-04-05", "800"], [m3, "2025-05-05", "900"],
    ])  # fmt: skip
    from gridcare.metering import readingwrites

    real_progress, calls = readingwrites._progress, []

    def power_cut_on_second_chunk(*args):
        calls.append(args)
        if len(calls) == 2:  # the first chunk is written (SQLite) or on its way in the COPY (PostgreSQL)
            raise RuntimeError("power cut")
        return real_progress(*args)

    monkeypatch.setattr(readingwrites, "CHUNK_ROWS", 2)
    monkeypatch.setattr(readingwrites, "_progress", power_cut_on_second_chunk)
    with pytest.raises(RuntimeError):
        services.reading_import_file(path=path, now=NOW)
    # Validation and insert are one transaction: the crash leaves nothing half-imported behind.
    assert Reading.objects.filter(read_on__gte=dt.date(2025, 4, 1)).count() == 0
    assert ReadingImport.objects.get().status == ReadingImport.Status.FAILED

    monkeypatch.setattr(readingwrites, "_progress", real_progress)
    outcome = services.reading_import_file(path=path, now=NOW)

    assert (outcome.inserted, outcome.already_present, outcome.rejected) == (4, 0, 0)
    assert set(Reading.objects.filter(read_on__gte=dt.date(2025, 4, 1)).values_list("total", flat=True)) == {
        1600,
        1700,
        800,
        900,
    }


def test_progress_goes_to_stderr_and_the_summary_stays_the_last_line(metered, tmp_path):
    path = csv_file(tmp_path / "p.csv", [[metered["m1"].serial, "2025-04-05", "1600"]])
    out, err = io.StringIO(), io.StringIO()

    call_command("import_readings", str(path), now=NOW, verbosity=2, stdout=out, stderr=err)

    assert out.getvalue().strip() == "Đã nhập 1 dòng mới, 0 dòng đã có, 0 dòng lỗi"
    assert "Đã đọc 1 dòng" in err.getvalue() and "Đang ghi 0/1 dòng hợp lệ" in err.getvalue()
