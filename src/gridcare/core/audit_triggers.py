"""Row triggers that audit every write to the tables of billing inputs and customer records, on both databases.

An app lists the models whose every change is audited in its AppConfig (`audited_models = ("Account", ...)`).
After each `migrate` (and test database flush) `install` (re)creates one trigger set per table from that one
definition, so a queryset `.update()`, `bulk_create`, `bulk_update`, a delete or raw SQL is recorded like an
ORM save: one `AuditEntry` per row with the changed columns before and after. See docs/audit.md.

Who and why come from `gridcare.core.audit.acting_as` (the request's user and address, a service's reason):
- PostgreSQL: one PL/pgSQL function; the context travels in the session setting `gridcare.audit_context`,
  set just before each statement that writes an audited table (`context_wrapper`).
- SQLite: per-table triggers listing the columns; the context is read through an application-defined SQL
  function, `gridcare_audit_context()`, registered on every connection.
"""

import functools
import ipaddress
import json

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models

CONTEXT_SETTING = "gridcare.audit_context"
SQLITE_CONTEXT_FUNCTION = "gridcare_audit_context"
_PREFIX = "gridcare_audit"
_WRITES = ("INSERT", "UPDATE", "DELETE", "WITH", "MERGE")


def audited_models() -> list[type[models.Model]]:
    """The models whose every row change is audited by the database, as the apps declare them."""
    found = []
    for config in apps.get_app_configs():
        for name in getattr(config, "audited_models", ()):
            found.append(config.get_model(name))
    return found


@functools.cache
def _audited_set() -> frozenset[type[models.Model]]:
    return frozenset(audited_models())


def is_audited(model: type[models.Model]) -> bool:
    return model._meta.concrete_model in _audited_set()


@functools.cache
def _audited_tables() -> tuple[str, ...]:
    return tuple(model._meta.db_table for model in _audited_set())


def context_json() -> str:
    """The current actor, address and reason as JSON ('' when none is known)."""
    from gridcare.core.audit import current_context

    user, address, reason = current_context()
    if user is None and address is None and not reason:
        return ""
    try:
        address = str(ipaddress.ip_address(address)) if address else None
    except ValueError:  # the column is an IP address: an unusable one must not make the write itself fail
        address = None
    return json.dumps({
        "actor_id": user.pk if user is not None else None,
        "actor_label": user.get_username()[:150] if user is not None else "system",
        "address": address, "reason": (reason or "")[:200],
    })  # fmt: skip


# --- PostgreSQL ---------------------------------------------------------------------------------------

# Names in these statements come from model metadata and constants, never from input.
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_PREFIX}_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb := COALESCE(NULLIF(current_setting('{CONTEXT_SETTING}', true), ''), '{{}}')::jsonb;
    old_row jsonb;
    new_row jsonb;
    before_values jsonb;
    after_values jsonb;
    verb text;
    row_id text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        new_row := to_jsonb(NEW);
        verb := 'create'; row_id := new_row->>'id'; after_values := new_row;
    ELSIF TG_OP = 'UPDATE' THEN
        old_row := to_jsonb(OLD); new_row := to_jsonb(NEW);
        SELECT jsonb_object_agg(o.key, o.value), jsonb_object_agg(o.key, new_row->o.key)
          INTO before_values, after_values
          FROM jsonb_each(old_row) AS o WHERE (new_row->o.key) IS DISTINCT FROM o.value;
        IF before_values IS NULL THEN
            RETURN NULL;
        END IF;
        verb := 'update'; row_id := new_row->>'id';
    ELSE
        old_row := to_jsonb(OLD);
        verb := 'delete'; row_id := old_row->>'id'; before_values := old_row;
    END IF;
    INSERT INTO core_auditentry (at, actor_id, actor_label, address, action, object_type, object_id, before, after, reason)
    VALUES (clock_timestamp(), (ctx->>'actor_id')::bigint, left(COALESCE(ctx->>'actor_label', 'system'), 150),
            (ctx->>'address')::inet, verb, TG_ARGV[0], row_id, before_values, after_values,
            left(COALESCE(ctx->>'reason', ''), 200));
    RETURN NULL;
END
$$;
"""  # noqa: S608

# Inserts are audited once per statement over its new rows (a transition table), set-based: a bulk insert of
# thousands of rows (a statement import's payments) is one INSERT … SELECT into the audit log, not a call each.
_PG_INSERT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_PREFIX}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb := COALESCE(NULLIF(current_setting('{CONTEXT_SETTING}', true), ''), '{{}}')::jsonb;
BEGIN
    INSERT INTO core_auditentry (at, actor_id, actor_label, address, action, object_type, object_id, before, after, reason)
    SELECT clock_timestamp(), (ctx->>'actor_id')::bigint, left(COALESCE(ctx->>'actor_label', 'system'), 150),
           (ctx->>'address')::inet, 'create', TG_ARGV[0], r.row->>'id', NULL, r.row,
           left(COALESCE(ctx->>'reason', ''), 200)
      FROM (SELECT to_jsonb(n) AS row FROM {_PREFIX}_new_rows n) r;
    RETURN NULL;
END
$$;
"""  # noqa: S608


def _pg_statements(model: type[models.Model]) -> list[str]:
    table = model._meta.db_table
    name = f"{_PREFIX}_{table}"
    label = model._meta.label_lower
    return [
        f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
        f'DROP TRIGGER IF EXISTS {name}_update ON "{table}"',
        f'DROP TRIGGER IF EXISTS {name}_insert ON "{table}"',
        f'CREATE TRIGGER {name} AFTER DELETE ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION {_PREFIX}_row('{label}')",
        f'CREATE TRIGGER {name}_insert AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS {_PREFIX}_new_rows '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_PREFIX}_inserted('{label}')",
        f'CREATE TRIGGER {name}_update AFTER UPDATE ON "{table}" FOR EACH ROW '
        f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {_PREFIX}_row('{label}')",
    ]


def context_wrapper(execute, sql, params, many, context):
    """PostgreSQL execute wrapper: before a statement that writes an audited table, pass the audit context."""
    head = sql.lstrip()[:6].upper() if isinstance(sql, str) else ""
    if head.startswith(_WRITES) and any(table in sql for table in _audited_tables()):
        # Session-level (not LOCAL): an autocommit statement is its own transaction. Set before every such
        # statement, so a value left by an earlier request or a rolled-back transaction never carries over.
        context["cursor"].cursor.execute(
            "SELECT set_config(%s, %s, false)", [CONTEXT_SETTING, context_json()]
        )
    return execute(sql, params, many, context)


# --- SQLite -------------------------------------------------------------------------------------------


def _sqlite_value(field: models.Field, row: str) -> str:
    """SQL giving the JSON text of one column of OLD/NEW, typed as the ORM's JSON of it would be."""
    column = f'{row}."{field.column}"'
    internal = field.get_internal_type()
    if internal == "BooleanField":
        return f"CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END"
    if internal == "DateTimeField":
        return f"json_quote(replace({column}, ' ', 'T') || '+00:00')"
    if internal == "JSONField":
        return f"COALESCE(json({column}), 'null')"
    return f"json_quote({column})"


def _sqlite_object(fields: list[models.Field], row: str, *, changed_only: bool) -> str:
    parts = []
    for field in fields:
        where = f' WHERE OLD."{field.column}" IS NOT NEW."{field.column}"' if changed_only else ""
        parts.append(f"SELECT '{field.column}' AS k, {_sqlite_value(field, row)} AS v{where}")
    return f"(SELECT json_group_object(k, json(v)) FROM ({' UNION ALL '.join(parts)}))"  # noqa: S608


def _sqlite_statements(model: type[models.Model]) -> list[str]:
    table = model._meta.db_table
    label = model._meta.label_lower
    fields = list(model._meta.concrete_fields)
    pk = model._meta.pk.column
    context = f"(SELECT COALESCE(NULLIF({SQLITE_CONTEXT_FUNCTION}(), ''), '{{}}') AS c)"

    def insert(verb: str, row: str, before: str, after: str) -> str:
        return (
            "INSERT INTO core_auditentry (at, actor_id, actor_label, address, action, object_type, object_id, "  # noqa: S608
            "before, after, reason) "
            "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now'), json_extract(c, '$.actor_id'), "
            "COALESCE(json_extract(c, '$.actor_label'), 'system'), json_extract(c, '$.address'), "
            f"'{verb}', '{label}', CAST({row}.\"{pk}\" AS TEXT), {before}, {after}, "
            f"COALESCE(json_extract(c, '$.reason'), '') FROM {context};"
        )

    changed = " OR ".join(f'OLD."{f.column}" IS NOT NEW."{f.column}"' for f in fields)
    name = f"{_PREFIX}_{table}"
    return [
        *(f'DROP TRIGGER IF EXISTS "{name}_{verb}"' for verb in ("insert", "update", "delete")),
        f'CREATE TRIGGER "{name}_insert" AFTER INSERT ON "{table}" FOR EACH ROW BEGIN '
        + insert("create", "NEW", "NULL", _sqlite_object(fields, "NEW", changed_only=False)) + " END",
        f'CREATE TRIGGER "{name}_update" AFTER UPDATE ON "{table}" FOR EACH ROW WHEN {changed} BEGIN '
        + insert("update", "NEW", _sqlite_object(fields, "OLD", changed_only=True),
                 _sqlite_object(fields, "NEW", changed_only=True)) + " END",
        f'CREATE TRIGGER "{name}_delete" AFTER DELETE ON "{table}" FOR EACH ROW BEGIN '
        + insert("delete", "OLD", _sqlite_object(fields, "OLD", changed_only=False), "NULL") + " END",
    ]  # fmt: skip


def register_sqlite_function(*, connection) -> None:
    """Let this SQLite connection's triggers ask who is acting (the Python audit context)."""
    connection.connection.create_function(SQLITE_CONTEXT_FUNCTION, 0, context_json)


# --- installing ---------------------------------------------------------------------------------------


def install(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """(Re)create the audit triggers of every audited table; returns the number of tables."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    models_ = [
        model for model in audited_models() if model._meta.db_table in existing
    ]  # e.g. after `migrate x zero`
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            cursor.execute(_PG_INSERT_FUNCTION)
            statements = [s for model in models_ for s in _pg_statements(model)]
        elif connection.vendor == "sqlite":
            statements = [s for model in models_ for s in _sqlite_statements(model)]
        else:
            return 0
        for statement in statements:
            cursor.execute(statement)
    return len(models_)


def installed(*, using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Tables of audited models that have their audit triggers in the database now."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s",
                [f"{_PREFIX}_%"],
            )
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                           [f"{_PREFIX}_%"])  # fmt: skip
        return {row[0] for row in cursor.fetchall()}
