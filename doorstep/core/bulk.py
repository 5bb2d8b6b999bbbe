"""Bulk writes and key lists for PostgreSQL without per-element Python work (ADR 0034).

psycopg adapts a Python list parameter (``%s::bigint[]``) element by element in pure Python
(a few microseconds each), which made the ``unnest(...)`` statements of device ingestion
spend more time in the client than in the database. Instead:

- ``copy_rows`` writes rows with a binary ``COPY ... FROM STDIN`` (psycopg's C row writer
  and binary dumpers: about 4 us a row of a dozen columns; text format is twice that, as
  psycopg formats datetimes as text in Python);
- ``allocate_ids`` takes the next ``n`` ids of a table's identity sequence in one statement,
  so rows written by ``COPY`` (which returns nothing) can carry their ids and be referred to;
- ``array_literal`` renders a list as one PostgreSQL array literal (``'{1,2,3}'``), passed
  as ONE text parameter and cast in SQL (``%s::bigint[]``): the server parses it in C.

PostgreSQL only: callers keep their ``bulk_create`` / ORM path for other databases (the
default test suite runs on SQLite). A constraint violated by ``copy_rows`` raises Django's
``IntegrityError``, as an ``INSERT`` would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

__all__ = ["allocate_ids", "array_literal", "copy_rows"]


def _quoted(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an array literal")
        text = value.isoformat()
    else:
        text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values: Iterable[Any]) -> str:
    """A one-dimensional PostgreSQL array literal of ``values``: integers as they are, ``None``
    as ``NULL``, booleans as ``t``/``f``, aware datetimes in ISO 8601 with their offset, any
    other value as its ``str`` in double quotes (backslashes and quotes escaped). Pass it as
    one parameter and cast it to the element type in SQL, e.g. ``unnest(%s::bigint[])``."""
    return "{" + ",".join([_quoted(v) for v in values]) + "}"


def _cursor(using: str) -> CursorWrapper:
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotSupportedError("doorstep.core.bulk needs PostgreSQL")
    return connection.cursor()


def copy_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    using: str = "default",
) -> int:
    """Write ``rows`` (tuples in the order of ``fields``, the model's field names or
    attnames such as ``elder_id``) into the model's table with one binary
    ``COPY ... FROM STDIN``, inside the current transaction; returns the number written.

    Values must have the column's Python type (``int``, ``str``, ``bool``, ``Decimal``,
    aware ``datetime``; ``None`` is NULL): binary COPY does not convert a string to a
    number. Columns not named take their database default (an identity id, NULL). Database
    errors (a unique or check constraint) are Django's (``IntegrityError``...)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    opts = model._meta
    columns = [_column(opts.get_field(name), connection) for name in fields]
    names = ", ".join(quote(column) for column, _ in columns)
    types = [type_name for _, type_name in columns]
    statement = f"COPY {quote(opts.db_table)} ({names}) FROM STDIN (FORMAT BINARY)"
    n = 0
    with _cursor(using) as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(statement) as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
    return n


def _column(field: object, connection: BaseDatabaseWrapper) -> tuple[str, str]:
    """A field's column and its type as psycopg's registry knows it (``varchar(16)`` ->
    ``varchar``, ``numeric(7, 2)`` -> ``numeric``; ``timestamp with time zone``, ``bigint``,
    ``boolean`` as they are)."""
    db_type = field.db_type(connection) if isinstance(field, Field) else None
    if not isinstance(field, Field) or not field.column or not db_type:
        raise ValueError(f"{field} is not a column of the table")
    return field.column, db_type.split("(", 1)[0].strip()


def allocate_ids(model: type[Model], n: int, *, using: str = "default") -> list[int]:
    """The next ``n`` values of the sequence behind the model's primary key (an identity or
    serial column), ascending. Ids taken and not used (the transaction rolls back) are gaps, as
    with any ``INSERT``. Explicit ids are allowed: Django's identity columns are ``GENERATED
    BY DEFAULT``."""
    if n <= 0:
        return []
    with _cursor(using) as cursor:
        cursor.execute(
            # The sequence is looked up once (MATERIALIZED), not once per id.
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s CROSS JOIN generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    return ids
