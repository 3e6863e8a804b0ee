"""The audit tables refuse changes in the database itself, whoever connects: triggers refuse every UPDATE and
DELETE of an audit row or of a person it names, and any DELETE of the chain's head (which writers update).

On PostgreSQL the application's role also lacks the privileges (``deploy/postgres/roles.sql``); the triggers
stop even the tables' owner until someone who may drop them does. A TRUNCATE fires no row trigger: the
application's role is not granted it, and Django's test flush depends on it.

On SQLite there are no roles: whoever can write the file can drop the triggers, so there they guard against
mistakes and against the application itself, and the chain (``chain``) is what shows tampering. Django's test
flush deletes every row; the DELETE triggers stand aside on a connection that holds the temporary table
``FLUSH_SWITCH`` (``allow_flush``), which only the test set-up creates.

A migration that rebuilds an audit table on SQLite (most ``AlterField`` operations do) loses its triggers: it
must call ``install`` again. ``audit verify`` reports missing triggers.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

FLUSH_SWITCH = "kakehashi_audit_flush"
APPEND_ONLY = ("audit_auditevent", "audit_auditperson")
NO_DELETE = ("audit_audithead",)
PG_FUNCTION = "kakehashi_audit_refuse"


def _sqlite_triggers() -> dict[str, str]:
    refused = "監査ログは追記のみです：{table} の{what}は拒否されます"
    # pragma_table_list (SQLite 3.37+): a trigger may not name the temp schema's tables directly.
    off = "NOT EXISTS (SELECT 1 FROM pragma_table_list WHERE schema = 'temp' AND name = 'kakehashi_audit_flush')"
    triggers = {}
    for table in APPEND_ONLY:
        triggers[f"{table}_no_update"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{refused.format(table=table, what='更新')}'); END")
    for table in APPEND_ONLY + NO_DELETE:
        triggers[f"{table}_no_delete"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} WHEN {off} "
            f"BEGIN SELECT RAISE(ABORT, '{refused.format(table=table, what='削除')}'); END")
    return triggers


def _pg_triggers() -> dict[str, str]:
    triggers = {}
    for table in APPEND_ONLY:
        triggers[f"{table}_append_only"] = (
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()")
    for table in NO_DELETE:
        triggers[f"{table}_no_delete"] = (
            f"CREATE OR REPLACE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()")
    return triggers


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '監査ログは追記のみです：% の % は拒否されます', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$"""


def expected(vendor: str) -> dict[str, str]:
    """The triggers this database should carry, by name, with the SQL that creates each."""
    if vendor == "sqlite":
        return _sqlite_triggers()
    if vendor == "postgresql":
        return _pg_triggers()
    return {}


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the triggers (again): safe to run on a database that has them."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION_SQL, params=None)
    for sql in expected(vendor).values():
        schema_editor.execute(sql, params=None)


def remove(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for name in expected(vendor):
        table = next(t for t in APPEND_ONLY + NO_DELETE if name.startswith(t))
        on = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}", params=None)
    if vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()", params=None)


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The triggers this database should carry and does not (on PostgreSQL: or carries disabled)."""
    names = list(expected(connection.vendor))
    if not names:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'")
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in names if n not in present]


def allow_flush(connection: Any) -> None:
    """Let this connection's next DELETEs through the DELETE triggers (SQLite: Django's test flush)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {FLUSH_SWITCH} (x INTEGER)")


def forbid_flush(connection: Any) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{FLUSH_SWITCH}")
