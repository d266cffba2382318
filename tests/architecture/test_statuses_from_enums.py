"""Raw SQL takes outbox statuses from `OutboxStatus`, never as quoted literals.

A status renamed in the enum (or a new one) must not leave a statement behind that still says the old word;
the SQL of notifications, outages and the service desk writes `'{OutboxStatus.QUEUED.value}'` (or passes a
parameter) instead of `'queued'`. Migrations are history and keep their literals.
"""

import ast
import re
from pathlib import Path

import gridcare
from gridcare.notifications.models import OutboxStatus

AREAS = ("notifications", "outages", "servicedesk")
# A quoted status word inside SQL: `= 'queued'`, `IN ('sent', …`, `THEN 'delivered'`.
QUOTED = re.compile("'({})'".format("|".join(OutboxStatus.values)))
SQL = re.compile(r"\b(SELECT|UPDATE|INSERT|DELETE|WHERE|CASE)\b")


def quoted_statuses(path: Path) -> list[tuple[int, str]]:
    """(line, word) for every quoted status word in a string constant that reads as SQL."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if SQL.search(text) or re.search(r"\bstatus\s*(=|<>|IN)", text):
                found += [(node.lineno, m.group(1)) for m in QUOTED.finditer(text)]
    return found


def test_the_checker_finds_a_literal(tmp_path):
    module = tmp_path / "sql.py"
    module.write_text(
        "a = \"UPDATE t SET status = 'sent' WHERE id = %s\"\n"
        "b = f\"UPDATE t SET status = '{S}' WHERE status = 'queued'\"\n"
        "c = 'failed'\n"
    )
    assert quoted_statuses(module) == [(1, "sent"), (2, "queued")]


def test_raw_sql_takes_statuses_from_the_enum():
    root = Path(gridcare.__file__).parent
    found = {}
    for area in AREAS:
        for path in sorted((root / area).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            hits = quoted_statuses(path)
            if hits:
                found[path.relative_to(root).as_posix()] = hits
    assert not found, f"status literals in raw SQL (use OutboxStatus.X.value): {found}"
