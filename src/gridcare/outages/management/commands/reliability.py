"""`gridcare reliability --interruptions FILE.csv --customers-served N`: IEEE 1366 indices of an interruption log.

Exit status: 0 with the indices printed, 1 when the file has bad rows (each named with its line, column and
value on stderr; nothing is computed), 2 when the file cannot be opened or an option is wrong.
"""

import json
from pathlib import Path

from babel.numbers import format_decimal
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from gridcare.core.formatting import babel_locale
from gridcare.outages import reliability
from gridcare.outages.interruption_log import InterruptionLogError, interruptions_from_csv

BAD_ROWS = 1
USAGE_ERROR = 2


class Command(BaseCommand):
    help = _("Tính các chỉ số độ tin cậy SAIFI, SAIDI, CAIDI, MAIFI (IEEE 1366) từ nhật ký mất điện CSV.")

    def add_arguments(self, parser):
        parser.add_argument("--interruptions", required=True, type=Path,
                            help=_("tệp CSV có các cột start, end, customers và planned (tùy chọn)"))  # fmt: skip
        parser.add_argument(
            "--customers-served", required=True, type=int, help=_("tổng số khách hàng được cấp điện")
        )
        parser.add_argument(
            "--exclude-planned", action="store_true", help=_("bỏ các lần ngừng điện có kế hoạch")
        )
        parser.add_argument("--json", action="store_true", help=_("in một đối tượng JSON"))
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="vi | en | fr")

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            result = self._indices(options)
            if options["json"]:
                self.stdout.write(json.dumps(result.as_dict()))
            else:
                self.stdout.write(self._text(result, options["language"]))

    def _indices(self, options) -> reliability.Indices:
        served, path = options["customers_served"], options["interruptions"]
        if served < 1:
            raise CommandError(_("--customers-served phải từ 1 trở lên."), returncode=USAGE_ERROR)
        try:
            with path.open(encoding="utf-8-sig", newline="") as lines:
                columns = interruptions_from_csv(lines=lines, customers_served=served)
        except OSError as error:
            raise CommandError(
                _("Không mở được tệp %(file)s: %(reason)s")
                % {"file": path, "reason": error.strerror or error},
                returncode=USAGE_ERROR,
            ) from None
        except UnicodeDecodeError:
            raise CommandError(
                _("Tệp %(file)s không phải văn bản UTF-8.") % {"file": path}, returncode=USAGE_ERROR
            ) from None
        except InterruptionLogError as error:
            raise CommandError(error.message, returncode=BAD_ROWS) from None
        return reliability.indices(
            duration_s=columns.duration_s, customers=columns.customers, customers_served=served,
            planned=columns.planned, exclude_planned=options["exclude_planned"],
        )  # fmt: skip

    def _text(self, result: reliability.Indices, language: str) -> str:
        locale = babel_locale(language)

        def number(value, pattern="#,##0.####"):
            return "—" if value is None else format_decimal(value, format=pattern, locale=locale)

        return "\n".join([
            _("Khách hàng được cấp điện: %(n)s") % {"n": number(result.customers_served, "#,##0")},
            _("Lượt khách hàng mất điện kéo dài (> 5 phút): %(n)s") % {"n": number(result.customers_interrupted, "#,##0")},
            _("Khách hàng × phút mất điện: %(n)s") % {"n": number(result.customer_minutes, "#,##0.#")},
            _("SAIFI (lần/khách hàng): %(n)s") % {"n": number(result.saifi)},
            _("SAIDI (phút/khách hàng): %(n)s") % {"n": number(result.saidi)},
            _("CAIDI (phút/lần): %(n)s") % {"n": number(result.caidi)},
            _("MAIFI (lần thoáng qua/khách hàng): %(n)s") % {"n": number(result.maifi)},
        ])  # fmt: skip
