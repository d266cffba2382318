"""`gridcare quote`: price one consumption from the command line, exactly as a bill would."""

import datetime as dt
import json

from babel.numbers import format_decimal
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from gridcare.core.formatting import babel_locale, format_day, format_vnd
from gridcare.customers.models import Purpose, Voltage
from gridcare.tariffs import engine
from gridcare.tariffs.models import TimeOfUsePeriod
from gridcare.tariffs.quotes import pricing_error_message, quote_as_dict
from gridcare.tariffs.selectors import consumption_quote

USAGE_ERROR = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(
            _("%(option)s: ngày không hợp lệ “%(value)s” (dạng YYYY-MM-DD).")
            % {"option": option, "value": value}
        ) from None


class Command(BaseCommand):
    help = _("Tính tiền điện cho một lượng điện năng theo biểu giá trong cơ sở dữ liệu.")

    def add_arguments(self, parser):
        parser.add_argument("--purpose", required=True, help=" | ".join(Purpose.values))
        parser.add_argument("--start", required=True, help=_("ngày ghi chỉ số kỳ trước (YYYY-MM-DD)"))
        parser.add_argument("--end", required=True, help=_("ngày ghi chỉ số kỳ này (YYYY-MM-DD)"))
        parser.add_argument("--kwh", type=int, help=_("tổng điện năng (kWh)"))
        parser.add_argument("--peak", type=int, help=_("điện năng giờ cao điểm (kWh)"))
        parser.add_argument("--normal", type=int, help=_("điện năng giờ bình thường (kWh)"))
        parser.add_argument("--offpeak", type=int, help=_("điện năng giờ thấp điểm (kWh)"))
        parser.add_argument("--households", type=int, default=1, help=_("số hộ dùng chung công tơ"))
        parser.add_argument("--voltage", help="ge110kv | 22to110kv | 6to22kv | lt6kv")
        parser.add_argument("--json", action="store_true", help=_("in một đối tượng JSON"))
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="vi | en | fr")

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            quote = self._quote(options)
            if options["json"]:
                self.stdout.write(json.dumps(quote_as_dict(quote), ensure_ascii=False))
            else:
                self.stdout.write(self._table(quote, options["language"]))

    def _quote(self, options) -> engine.Quote:
        purpose, voltage = options["purpose"], options["voltage"]
        if purpose not in Purpose.values:
            raise _fail(
                _("Mục đích sử dụng không hợp lệ “%(value)s”; chọn một trong: %(choices)s.")
                % {"value": purpose, "choices": ", ".join(Purpose.values)}
            )
        start, end = _day(options["start"], "--start"), _day(options["end"], "--end")
        if end <= start:
            raise _fail(_("Ngày ghi chỉ số kỳ này (--end) phải sau ngày ghi chỉ số kỳ trước (--start)."))
        registers = [options[name] for name in ("peak", "normal", "offpeak")]
        kwh = options["kwh"]
        if any(r is not None for r in registers):
            if kwh is not None:
                raise _fail(_("Dùng --kwh hoặc --peak/--normal/--offpeak, không dùng cả hai."))
            if purpose == Purpose.RESIDENTIAL:
                raise _fail(_("Giá điện sinh hoạt tính theo tổng điện năng: dùng --kwh."))
            registers = tuple(r or 0 for r in registers)
        elif kwh is None:
            raise _fail(_("Cần --kwh, hoặc --peak, --normal, --offpeak cho công tơ nhiều biểu giá."))
        else:
            registers = None
        if (kwh is not None and kwh < 0) or (registers and min(registers) < 0):
            raise _fail(_("Điện năng không được âm."))
        if options["households"] < 1:
            raise _fail(_("Số hộ dùng chung công tơ phải từ 1 trở lên."))
        if purpose != Purpose.RESIDENTIAL:
            if voltage is None:
                raise _fail(
                    _("Cần --voltage cho mục đích này: %(choices)s.") % {"choices": ", ".join(Voltage.values)}
                )
            if voltage not in Voltage.values:
                raise _fail(
                    _("Cấp điện áp không hợp lệ “%(value)s”; chọn một trong: %(choices)s.")
                    % {"value": voltage, "choices": ", ".join(Voltage.values)}
                )
        try:
            return consumption_quote(
                purpose=purpose, start=start, end=end, kwh=kwh, registers=registers,
                households=options["households"], voltage=voltage,
            )  # fmt: skip
        except (engine.NoTariff, engine.NoVatRate) as error:
            raise _fail(pricing_error_message(error)) from None

    def _table(self, quote: engine.Quote, language: str) -> str:
        locale = babel_locale(language)

        def number(value):
            return format_decimal(value, format="#,##0", locale=locale)

        def day(value):
            return format_day(value, language=language)

        header = [_("Từ ngày"), _("Đến ngày"), _("Bậc / khung giờ"), _("Định mức (kWh)"), _("Điện năng (kWh)"),
                  _("Đơn giá (đ/kWh)"), _("Thành tiền (đ)")]  # fmt: skip
        rows = [
            [
                day(line.start), day(line.end),
                _("Bậc %(tier)s") % {"tier": line.tier} if line.tier else capfirst(TimeOfUsePeriod(line.period).label),
                number(line.limit_kwh) if line.limit_kwh is not None else "—",
                number(line.kwh), number(line.unit_price), number(line.amount),
            ]
            for line in quote.lines
        ]  # fmt: skip
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
        aligned = [
            "  ".join(
                cell.ljust(w) if i < 3 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
            for row in [header, *rows]
        ]
        rates = sorted({p.basis_points for p in quote.vat_parts})
        rate_text = " + ".join(
            format_decimal(bp / 100, format="#,##0.##", locale=locale) + "%" for bp in rates
        )
        out = [
            _("Kỳ từ %(start)s đến %(end)s: %(days)s ngày") % {"start": day(quote.start), "end": day(quote.end),
                                                             "days": quote.days},
            _("Biểu giá: %(decisions)s") % {"decisions": ", ".join(quote.decisions)},
            "",
            *aligned,
            "",
            _("Cộng tiền điện: %(amount)s") % {"amount": format_vnd(quote.subtotal, language=language)},
            _("Thuế GTGT (%(rate)s): %(amount)s") % {"rate": rate_text, "amount": format_vnd(quote.vat, language=language)},
            _("Tổng cộng tiền thanh toán: %(amount)s") % {"amount": format_vnd(quote.total, language=language)},
        ]  # fmt: skip
        return "\n".join(out)
