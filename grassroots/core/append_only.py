"""Database triggers that make a table append-only, on SQLite and on PostgreSQL.

The application never updates or deletes these rows; the trigger makes sure nobody
else does either, including someone with a SQL prompt.
"""

from django.db import migrations


def _forward(table: str):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        message = f"{table} is append-only"
        if vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_refuse() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse();"
            )

    return apply


def _backward(table: str):
    def remove(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_refuse()")

    return remove


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that installs the append-only triggers on ``table``."""
    return migrations.RunPython(_forward(table), _backward(table))
