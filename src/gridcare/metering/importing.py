"""The readings import's public names, from the modules that do one job each (kept so callers need not know them).

- `gridcare.core.importfiles`: bytes to rows of text (size caps, CSV, XLSX and its ZIP-bomb checks), shared with
  the payment statement import;
- `gridcare.metering.readingfiles`: rows to a `Table` of the readings' columns (headers, kinds, JSON records);
- `gridcare.metering.readingrules`: the validation rules (VEE), pure functions over numpy arrays;
- `gridcare.metering.readingwrites`: the valid rows into the database (binary COPY, written while the next chunk
  is prepared);
- `gridcare.metering.importchecks`: what an import checks against the database (the user's units, the meters held);
- `gridcare.metering.registerimport` / `intervalimport`: the register and the interval import's checks and write;
- `gridcare.metering.corrections`: correcting one reading (the same checks, audited);
- `gridcare.metering.services`: one import from end to end, in one transaction (and the names above re-exported).
"""

from gridcare.core.importfiles import (
    XLSX_MAX_MEMBERS,
    XLSX_MAX_RATIO,
    XLSX_RATIO_FLOOR_BYTES,
    ImportFileError,
    ImportLimits,
    RowError,
    check_import_size,
    check_xlsx_archive,
)
from gridcare.metering.readingfiles import (
    INTERVAL_REQUIRED,
    REGISTER_OPTIONAL,
    REGISTER_REQUIRED,
    Table,
    table_from_file,
    table_from_records,
    table_from_rows,
)
from gridcare.metering.readingrules import (
    INTERVAL_CEILING_WH,
    INTERVAL_SECONDS,
    JUMP_FACTOR,
    JUMP_FLOOR_KWH_PER_DAY,
    History,
    Installations,
    accounts_on,
    daily_limits,
    day_from_number,
    day_number,
    first_duplicates,
    forward_check,
    parse_days,
    parse_kwh_to_wh,
    parse_moments,
    parse_whole_numbers,
    resolve_serials,
    sequence_check,
    step_check,
)

__all__ = [
    "INTERVAL_CEILING_WH", "INTERVAL_REQUIRED", "INTERVAL_SECONDS", "JUMP_FACTOR", "JUMP_FLOOR_KWH_PER_DAY",
    "REGISTER_OPTIONAL", "REGISTER_REQUIRED", "XLSX_MAX_MEMBERS", "XLSX_MAX_RATIO", "XLSX_RATIO_FLOOR_BYTES",
    "History", "ImportFileError", "ImportLimits", "Installations", "RowError", "Table", "accounts_on",
    "check_import_size", "check_xlsx_archive", "daily_limits", "day_from_number", "day_number", "first_duplicates",
    "forward_check", "parse_days", "parse_kwh_to_wh", "parse_moments", "parse_whole_numbers", "resolve_serials",
    "sequence_check", "step_check", "table_from_file", "table_from_records", "table_from_rows",
]  # fmt: skip
