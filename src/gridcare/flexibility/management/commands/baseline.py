"""`gridcare baseline`: one meter's demand-response baseline from an interval file, for analysts and audits.

    gridcare baseline --intervals FILE.csv --meter SERIAL --event-date 2026-06-15 --start 14:00 --end 16:00 \
        [--method caiso-10-in-10] [--x-days N] ... --json

`--method` picks a named rule (docs/demand-response.md); any option given explicitly overrides it. With
`--json` it prints `{"selected_days": [...], "baseline_kwh": [one per event interval] | null, "adjustment":
number | null}`. Bad input: one line on stderr and exit status 2.
"""

import dataclasses
import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcare.flexibility import baselines
from gridcare.flexibility.interval_files import meter_intervals
from gridcare.metering.importing import ImportFileError

USAGE_ERROR = 2
METHOD_NAMES = (
    "x-of-y",
    "same-day",
    "meter-before",
    "caiso-10-in-10",
    "pjm-4-of-5",
    "nyiso-5-of-10",
    "miso-10",
)
WHOLE_OPTIONS = {
    "y_days": "--y-days",
    "x_days": "--x-days",
    "max_lookback_days": "--max-lookback-days",
    "min_days": "--min-days",
}
HOUR_OPTIONS = {
    "adjustment_hours": "--adjustment-hours", "gap_hours": "--gap-hours", "before_hours": "--before-hours",
    "before_gap_hours": "--before-gap-hours", "after_hours": "--after-hours", "after_gap_hours": "--after-gap-hours",
}  # fmt: skip
CHOICE_OPTIONS = {
    "day_type": ("--day-type", baselines.DAY_TYPES), "adjustment": ("--adjustment", baselines.ADJUSTMENTS),
    "direction": ("--direction", baselines.DIRECTIONS), "day_kinds": ("--day-kinds", baselines.DAY_KINDS),
}  # fmt: skip
OPTION_OF = {
    **WHOLE_OPTIONS,
    **HOUR_OPTIONS,
    **{k: v[0] for k, v in CHOICE_OPTIONS.items()},
    "cap": "--cap",
    "method": "--method",
}


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _fail(
            _("%(option)s: ngày không hợp lệ “%(value)s” (dạng YYYY-MM-DD).")
            % {"option": option, "value": value}
        ) from None


def _days(value: str | None, option: str) -> list[dt.date]:
    return [_day(part, option) for part in value.split(",") if part.strip()] if value else []


def _time(value: str, option: str) -> dt.time:
    try:
        if len(value) != 5 or value[2] != ":":
            raise ValueError
        return dt.time(int(value[:2]), int(value[3:]))
    except ValueError:
        raise _fail(
            _("%(option)s: giờ không hợp lệ “%(value)s” (dạng HH:MM).") % {"option": option, "value": value}
        ) from None


def _choice(value: str, option: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _fail(
            _("%(option)s: “%(value)s” không hợp lệ; chọn một trong: %(choices)s.")
            % {"option": option, "value": value, "choices": ", ".join(choices)}
        )
    return value


def _whole(value: str, option: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise _fail(
            _("%(option)s: cần một số nguyên từ 1 trở lên, không phải “%(value)s”.")
            % {"option": option, "value": value}
        )
    return int(value)


def _hours(value: str, option: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not (0 <= hours <= 24) or (hours * 2) != int(hours * 2):
        raise _fail(
            _("%(option)s: cần một số giờ từ 0 đến 24, bội của nửa giờ (ví dụ 1.5), không phải “%(value)s”.")
            % {"option": option, "value": value}
        )
    return hours


def _cap(value: str) -> float | None:
    if value.strip().lower() == "none":
        return None
    try:
        cap = float(value)
    except ValueError:
        cap = -1.0
    if not (0 <= cap < 100):
        raise _fail(
            _("--cap: cần một tỉ lệ ≥ 0 (ví dụ 0.2 là 20 %%) hoặc “none”, không phải “%(value)s”.")
            % {"value": value}
        )
    return cap


def _engine_error(error: baselines.BaselineError) -> CommandError:
    if error.code == "window_outside_day":
        hours = error.details.get("hours")
        what = {
            "adjustment": _("Giờ điều chỉnh (--adjustment-hours, --gap-hours)"),
            "before": _("Giờ trước sự kiện (--before-hours, --before-gap-hours)"),
            "after": _("Giờ sau sự kiện (--after-hours, --after-gap-hours)"),
        }.get(hours, _("Khung giờ sự kiện"))
        return _fail(_("%(what)s nằm ngoài ngày sự kiện (trước 00:00 hoặc sau 24:00).") % {"what": what})
    if error.code == "window_not_aligned":
        return _fail(_("--start, --end: giờ sự kiện phải ở phút :00 hoặc :30."))
    if error.code == "window_empty":
        return _fail(_("--end phải sau --start, trong cùng một ngày (00:00 là nửa đêm cuối ngày)."))
    if error.code == "bad_parameter":
        option = OPTION_OF.get(error.details.get("parameter"), error.details.get("parameter"))
        return _fail(
            _("%(option)s: giá trị “%(value)s” không hợp lệ.")
            % {"option": option, "value": error.details.get("value")}
        )
    return _fail(_("Không tính được đường cơ sở: %(reason)s") % {"reason": error})


class Command(BaseCommand):
    help = _(
        "Tính đường cơ sở điều chỉnh phụ tải của một công tơ từ tệp dữ liệu 30 phút (xem docs/demand-response.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--intervals", required=True, type=Path, help=_("tệp CSV/XLSX dữ liệu 30 phút (như khi nhập)")
        )
        parser.add_argument("--meter", required=True, help=_("số công tơ"))
        parser.add_argument("--event-date", required=True, help=_("ngày sự kiện (YYYY-MM-DD)"))
        parser.add_argument("--start", required=True, help=_("giờ bắt đầu sự kiện (HH:MM)"))
        parser.add_argument("--end", required=True, help=_("giờ kết thúc sự kiện (HH:MM)"))
        parser.add_argument("--method", default="x-of-y", help=" | ".join(METHOD_NAMES))
        for option in (
            *WHOLE_OPTIONS.values(),
            *HOUR_OPTIONS.values(),
            "--day-type",
            "--day-kinds",
            "--adjustment",
            "--direction",
            "--cap",
        ):
            parser.add_argument(option, default=None)
        parser.add_argument("--holidays", default=None, help=_("ngày nghỉ lễ thêm vào lịch Việt Nam (D,D)"))
        parser.add_argument(
            "--exclude-dates", default=None, help=_("ngày loại ra: sự kiện trước, mất điện (D,D)")
        )
        parser.add_argument("--json", action="store_true", help=_("in một đối tượng JSON"))

    def handle(self, *args, **options):
        event_day = _day(options["event_date"], "--event-date")
        start, end = _time(options["start"], "--start"), _time(options["end"], "--end")
        method = _choice(options["method"], "--method", METHOD_NAMES)
        extra_holidays = _days(options["holidays"], "--holidays")
        excluded_dates = _days(options["exclude_dates"], "--exclude-dates")
        overrides = {}
        for name, option in WHOLE_OPTIONS.items():
            if options[name] is not None:
                overrides[name] = _whole(options[name], option)
        for name, option in HOUR_OPTIONS.items():
            if options[name] is not None:
                overrides[name] = _hours(options[name], option)
        for name, (option, choices) in CHOICE_OPTIONS.items():
            if options[name] is not None:
                overrides[name] = _choice(options[name], option, choices)
        if options["cap"] is not None:
            overrides["cap"] = _cap(options["cap"])
        try:
            window = baselines.window_at(start=start, end=end)
        except baselines.BaselineError as error:
            raise _engine_error(error) from None

        this_year = baselines.vietnam_holidays(first_year=event_day.year, last_year=event_day.year)
        weekend_or_holiday = event_day.weekday() >= 5 or event_day in this_year or event_day in extra_holidays
        rule = dataclasses.replace(
            baselines.PRESETS[method].for_event_day(weekend_or_holiday=weekend_or_holiday), **overrides
        )
        first_day = event_day - dt.timedelta(days=rule.max_lookback_days)
        holidays = (
            baselines.vietnam_holidays(first_year=first_day.year, last_year=event_day.year) + extra_holidays
        )
        path: Path = options["intervals"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise _fail(
                _("Không đọc được tệp %(file)s: %(reason)s")
                % {"file": path, "reason": error.strerror or error}
            ) from None
        try:
            data = meter_intervals(
                content=content, filename=path.name, serial=options["meter"].strip(), first_day=first_day,
                last_day=event_day + dt.timedelta(days=1 if window.end > baselines.INTERVALS_PER_DAY else 0),
                now=timezone.now(),
            )  # fmt: skip
        except ImportFileError as error:
            raise _fail(_("Tệp %(file)s: %(reason)s") % {"file": path, "reason": error.message}) from None
        try:
            result = baselines.baseline(
                loads=data.loads, days=data.days, event_day=event_day, window=window, params=rule, holidays=holidays,
                excluded_dates=excluded_dates,
            )  # fmt: skip
        except baselines.BaselineError as error:
            raise _engine_error(error) from None
        selected = [data.days[i].isoformat() for i in result.selected_days(0)]
        values = [round(float(v), 6) for v in result.baseline_kwh[0]] if result.has_baseline[0] else None
        adjustment = (
            None if result.adjustment[0] != result.adjustment[0] else round(float(result.adjustment[0]), 6)
        )  # NaN: none
        if options["json"]:
            self.stdout.write(
                json.dumps({"selected_days": selected, "baseline_kwh": values, "adjustment": adjustment})
            )
            return
        self.stdout.write(self._text(rule, window, selected, values, adjustment))

    def _text(self, rule, window, selected, values, adjustment) -> str:
        if values is None:
            return _("Không có đường cơ sở: không đủ ngày hợp lệ (cần ít nhất %(min)d, có %(found)d).") % {
                "min": rule.min_days if rule.method == "x-of-y" else 1, "found": len(selected),
            }  # fmt: skip
        lines = [_("Ngày dùng làm đường cơ sở: %(days)s") % {"days": ", ".join(selected)}]
        if adjustment is None:
            lines.append(_("Điều chỉnh trong ngày: không"))
        elif rule.adjustment == "ratio":
            lines.append(_("Điều chỉnh trong ngày: nhân %(ratio)s") % {"ratio": f"{adjustment:.4f}"})
        else:
            lines.append(_("Điều chỉnh trong ngày: %(kwh)s kWh mỗi 30 phút") % {"kwh": f"{adjustment:+.3f}"})
        for k, value in enumerate(values):
            minutes = (window.start + k) * 30
            lines.append(
                f"{minutes // 60:02d}:{minutes % 60:02d}–{(minutes + 30) // 60 % 24:02d}:{(minutes + 30) % 60:02d}  {value:.3f} kWh"
            )
        return "\n".join(lines)
