"""Journal entries and lines are immutable (ADR 0021): the database refuses an UPDATE of
either on every backend, and a DELETE on PostgreSQL (where the test runner empties tables
with TRUNCATE, which row triggers do not see; SQLite's test flush deletes rows)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLES = ("billing_journalentry", "billing_journalline")


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION billing_journal_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'journal rows are immutable: post a reversal'
                    USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_journal_immutable();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'journal rows are immutable: post a reversal'); END;"
            )


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS billing_journal_immutable();")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
