"""The ledger's bounds as database triggers, on PostgreSQL and SQLite alike.

Whatever writes the rows (a service, a bulk import, raw SQL), the database refuses:
- an allocation that makes a payment's allocations exceed what it holds (its amount less its refunds and
  reversals), or fall below zero;
- an allocation that makes a bill's allocations exceed its total or fall below zero, and any positive allocation
  to a bill that is not owed (a held or cancelled bill, a credit note);
- a refund or reversal larger than what the payment holds unallocated;
- any edit of the money of a payment, an allocation or a reversal (entries are never edited).

On PostgreSQL each check first locks the payment and the bill rows (`FOR NO KEY UPDATE`), so two transactions
allocating to the same payment or bill are serialised and each one's sum sees the other's committed rows; on
SQLite a writer holds the database's write lock. On PostgreSQL the allocations are checked once per statement,
over all its new rows (a transition table), set-based: a statement import's thousands of allocations cost a few
queries, not a trigger call each. A violation raises an integrity error (SQLSTATE 23514 /
SQLITE_CONSTRAINT) whose message starts with `gridcare_ledger:`.

Installed after every `migrate` (`PaymentsConfig.ready`), like `gridcare.core.audit_triggers`.
"""

from django.db import DEFAULT_DB_ALIAS, connections

PREFIX = "gridcare_ledger"

# Names in these statements are constants, never input.
_PG = [  # noqa: S608
    f"""
CREATE OR REPLACE FUNCTION {PREFIX}_allocation_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- Once per statement, over all its new rows (a bulk import allocates thousands at once): lock the payments
    -- and bills concerned in id order, then check their sums, set-based.
    PERFORM 1 FROM payments_payment WHERE id IN (SELECT payment_id FROM {PREFIX}_new_allocations)
        ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM billing_bill WHERE id IN (SELECT bill_id FROM {PREFIX}_new_allocations)
        ORDER BY id FOR NO KEY UPDATE;
    SELECT p.id, COALESCE(a.allocated, 0) AS allocated, p.amount - COALESCE(r.reversed, 0) AS held INTO bad
      FROM payments_payment p
      LEFT JOIN (SELECT payment_id, SUM(amount) AS allocated FROM payments_allocation
                  WHERE payment_id IN (SELECT payment_id FROM {PREFIX}_new_allocations) GROUP BY payment_id) a
             ON a.payment_id = p.id
      LEFT JOIN (SELECT payment_id, SUM(amount) AS reversed FROM payments_paymentreversal
                  WHERE payment_id IN (SELECT payment_id FROM {PREFIX}_new_allocations) GROUP BY payment_id) r
             ON r.payment_id = p.id
     WHERE p.id IN (SELECT payment_id FROM {PREFIX}_new_allocations)
       AND (COALESCE(a.allocated, 0) < 0 OR COALESCE(a.allocated, 0) + COALESCE(r.reversed, 0) > p.amount)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '{PREFIX}: allocations of payment % would be % of %', bad.id, bad.allocated, bad.held
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT n.bill_id AS id INTO bad FROM {PREFIX}_new_allocations n LEFT JOIN billing_bill b ON b.id = n.bill_id
     WHERE n.amount > 0 AND (b.kind IS DISTINCT FROM 'invoice' OR b.status IS DISTINCT FROM 'issued') LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '{PREFIX}: bill % is not owed', bad.id USING ERRCODE = 'check_violation';
    END IF;
    SELECT b.id, s.allocated, b.total INTO bad
      FROM (SELECT bill_id, SUM(amount) AS allocated FROM payments_allocation
             WHERE bill_id IN (SELECT bill_id FROM {PREFIX}_new_allocations) GROUP BY bill_id) s
      JOIN billing_bill b ON b.id = s.bill_id
     WHERE s.allocated < 0 OR s.allocated > b.total
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '{PREFIX}: allocations of bill % would be % of %', bad.id, bad.allocated, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
""",  # noqa: S608
    f"""
CREATE OR REPLACE FUNCTION {PREFIX}_reversal_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held bigint; allocated bigint; reversed bigint;
BEGIN
    SELECT amount INTO held FROM payments_payment WHERE id = NEW.payment_id FOR NO KEY UPDATE;
    SELECT COALESCE(SUM(amount), 0) INTO allocated FROM payments_allocation WHERE payment_id = NEW.payment_id;
    SELECT COALESCE(SUM(amount), 0) INTO reversed FROM payments_paymentreversal WHERE payment_id = NEW.payment_id;
    IF allocated + reversed > held THEN
        RAISE EXCEPTION '{PREFIX}: reversals of payment % would be % with % allocated of %', NEW.payment_id,
            reversed, allocated, held USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
""",  # noqa: S608
    f"""
CREATE OR REPLACE FUNCTION {PREFIX}_no_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{PREFIX}: % entries are never edited', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END
$$;
""",
    f'DROP TRIGGER IF EXISTS {PREFIX}_allocation ON "payments_allocation"',
    f'CREATE TRIGGER {PREFIX}_allocation AFTER INSERT ON "payments_allocation" '
    f"REFERENCING NEW TABLE AS {PREFIX}_new_allocations FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}_allocation_check()",
    f'DROP TRIGGER IF EXISTS {PREFIX}_reversal ON "payments_paymentreversal"',
    f'CREATE TRIGGER {PREFIX}_reversal AFTER INSERT ON "payments_paymentreversal" FOR EACH ROW '
    f"EXECUTE FUNCTION {PREFIX}_reversal_check()",
    f'DROP TRIGGER IF EXISTS {PREFIX}_payment_no_edit ON "payments_payment"',
    f"CREATE TRIGGER {PREFIX}_payment_no_edit BEFORE UPDATE OF amount, account_id, channel, reference "
    f'ON "payments_payment" FOR EACH ROW EXECUTE FUNCTION {PREFIX}_no_edit()',
    f'DROP TRIGGER IF EXISTS {PREFIX}_allocation_no_edit ON "payments_allocation"',
    f'CREATE TRIGGER {PREFIX}_allocation_no_edit BEFORE UPDATE ON "payments_allocation" FOR EACH ROW '
    f"EXECUTE FUNCTION {PREFIX}_no_edit()",
    f'DROP TRIGGER IF EXISTS {PREFIX}_reversal_no_edit ON "payments_paymentreversal"',
    f'CREATE TRIGGER {PREFIX}_reversal_no_edit BEFORE UPDATE ON "payments_paymentreversal" FOR EACH ROW '
    f"EXECUTE FUNCTION {PREFIX}_no_edit()",
]

_SQLITE_PAYMENT_SUMS = (
    "(SELECT COALESCE(SUM(amount), 0) FROM payments_allocation WHERE payment_id = NEW.payment_id)",
    "(SELECT COALESCE(SUM(amount), 0) FROM payments_paymentreversal WHERE payment_id = NEW.payment_id)",
    "(SELECT amount FROM payments_payment WHERE id = NEW.payment_id)",
)
_SQLITE_BILL_SUM = "(SELECT COALESCE(SUM(amount), 0) FROM payments_allocation WHERE bill_id = NEW.bill_id)"
_allocated, _reversed, _held = _SQLITE_PAYMENT_SUMS

_SQLITE = [
    f'DROP TRIGGER IF EXISTS "{PREFIX}_allocation"',
    f'CREATE TRIGGER "{PREFIX}_allocation" AFTER INSERT ON "payments_allocation" FOR EACH ROW BEGIN '  # noqa: S608
    f"SELECT RAISE(ABORT, '{PREFIX}: allocations exceed the payment') "
    f"WHERE {_allocated} < 0 OR {_allocated} + {_reversed} > {_held}; "
    f"SELECT RAISE(ABORT, '{PREFIX}: the bill is not owed') WHERE NEW.amount > 0 AND NOT EXISTS "
    "(SELECT 1 FROM billing_bill WHERE id = NEW.bill_id AND kind = 'invoice' AND status = 'issued'); "
    f"SELECT RAISE(ABORT, '{PREFIX}: allocations exceed the bill') "
    f"WHERE {_SQLITE_BILL_SUM} < 0 OR {_SQLITE_BILL_SUM} > (SELECT total FROM billing_bill WHERE id = NEW.bill_id); "
    "END",
    f'DROP TRIGGER IF EXISTS "{PREFIX}_reversal"',
    f'CREATE TRIGGER "{PREFIX}_reversal" AFTER INSERT ON "payments_paymentreversal" FOR EACH ROW BEGIN '
    f"SELECT RAISE(ABORT, '{PREFIX}: reversals exceed what the payment holds') "
    f"WHERE {_allocated} + {_reversed} > {_held}; END",
    f'DROP TRIGGER IF EXISTS "{PREFIX}_payment_no_edit"',
    f'CREATE TRIGGER "{PREFIX}_payment_no_edit" BEFORE UPDATE OF amount, account_id, channel, reference '
    f'ON "payments_payment" FOR EACH ROW BEGIN SELECT RAISE(ABORT, \'{PREFIX}: payments are never edited\'); END',
    f'DROP TRIGGER IF EXISTS "{PREFIX}_allocation_no_edit"',
    f'CREATE TRIGGER "{PREFIX}_allocation_no_edit" BEFORE UPDATE ON "payments_allocation" FOR EACH ROW '
    f"BEGIN SELECT RAISE(ABORT, '{PREFIX}: allocations are never edited'); END",
    f'DROP TRIGGER IF EXISTS "{PREFIX}_reversal_no_edit"',
    f'CREATE TRIGGER "{PREFIX}_reversal_no_edit" BEFORE UPDATE ON "payments_paymentreversal" FOR EACH ROW '
    f"BEGIN SELECT RAISE(ABORT, '{PREFIX}: reversals are never edited'); END",
]  # fmt: skip

TABLES = ("payments_payment", "payments_allocation", "payments_paymentreversal")


def install(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """(Re)create the ledger's triggers; False when the tables do not exist (yet) or the database is neither."""
    connection = connections[using]
    if not set(TABLES) <= set(connection.introspection.table_names()):
        return False
    statements = {"postgresql": _PG, "sqlite": _SQLITE}.get(connection.vendor)
    if statements is None:
        return False
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return True


def installed(*, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Names of the ledger triggers in the database now."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"{PREFIX}_%"])
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}_%"]
            )
        return {row[0] for row in cursor.fetchall()}
