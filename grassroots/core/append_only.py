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
    """A migration operation that installs the append-only triggers on ``table`` (UPDATE and DELETE refused).

    New tables add ``no_truncate(table)`` too; migrations after the first did so for the older ones."""
    return migrations.RunPython(_forward(table), _backward(table))


def _truncate_forward(table: str):
    def apply(apps, schema_editor):
        # SQLite has no TRUNCATE (its DELETE without WHERE is refused by the row trigger above).
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_refuse_truncate() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} is append-only: TRUNCATE refused'; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_truncate();"
            )

    return apply


def _truncate_backward(table: str):
    def remove(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_truncate()")

    return remove


def no_truncate(table: str) -> migrations.RunPython:
    """A migration operation that refuses TRUNCATE on ``table`` (PostgreSQL; a statement trigger).

    Row triggers do not fire on TRUNCATE, so without this an append-only table could be emptied."""
    return migrations.RunPython(_truncate_forward(table), _truncate_backward(table))


def _forward_only_apply(table: str, entries: str):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        bad = (f"NEW.village_id <> OLD.village_id OR NEW.seq < OLD.seq OR (NEW.seq > 0 AND NOT EXISTS ("
               f"SELECT 1 FROM {entries} e WHERE e.village_id = NEW.village_id AND e.seq = NEW.seq "
               f"AND e.hash = NEW.hash))")
        message = f"{table} only moves forward, to an entry of the chain"
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE ON {table} WHEN {bad} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END;"
            )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_forward_only() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION '{table} rows are never deleted'; END IF; "
                f"IF {bad} THEN RAISE EXCEPTION '{message}'; END IF; "
                f"RETURN NEW; END; $$ LANGUAGE plpgsql;"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_forward_only();"
            )

    return apply


def _forward_only_remove(table: str):
    def remove(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_forward_only")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_forward_only ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_forward_only()")

    return remove


def forward_only_head(table: str, entries: str) -> list[migrations.RunPython]:
    """Triggers on a chain-head table (village_id, seq, hash): an UPDATE may only move the head forward
    (or keep it) to an entry that exists in ``entries`` with that hash; DELETE and TRUNCATE are refused.
    So the head cannot be rewound to hide entries deleted from the end of the chain."""
    return [migrations.RunPython(_forward_only_apply(table, entries), _forward_only_remove(table)),
            no_truncate(table)]
