"""Hand-written SQL on hot read paths: prepared statements on PostgreSQL and model instances
from raw rows, converted exactly as the ORM converts them (ADR 0036).

Django sends every query as text with its parameters interpolated client-side, so
PostgreSQL parses and plans each one again. For a short statement over many joins the
planning is most of its cost (the ranking's visit lookup: 1.7 ms of planning, 0.1 ms of
execution). ``fetchall`` runs a statement through a *server-binding* psycopg cursor, and
psycopg prepares it on its connection at its first execution (``prepare_threshold`` 0 in
``settings.DATABASES``, only these cursors prepare: Django's own client-binding cursors
never do). Later executions on that connection skip parsing and planning.

The statement text must therefore be stable: values always as parameters (lists as one
array parameter with ``= ANY(%s)``, see ``in_list``), never formatted into the text.
Prepared statements live in the database session; a transaction pooler that does not keep
sessions (PgBouncer in transaction mode) cannot honour them: set
``DB_PREPARED_STATEMENTS=0`` there and the same statements run unprepared.

The cursor is Django's cursor wrapper, so execute wrappers, query logging and the
database error translation see these statements like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


def prepared() -> bool:
    """Whether statements of ``fetchall`` are prepared (PostgreSQL, and not turned off)."""
    return connection.vendor == "postgresql" and bool(
        getattr(settings, "DB_PREPARED_STATEMENTS", False)
    )


def _cursor() -> Any:
    if not prepared():
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw: Any = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


_TEXTS: dict[tuple[str, str], str] = {}


def text(key: str, build: Callable[[], str]) -> str:
    """The statement text ``build()`` makes, built once per process and database vendor
    (``key`` names it): a prepared statement's text never changes between calls."""
    k = (key, connection.vendor)
    found = _TEXTS.get(k)
    if found is None:
        found = _TEXTS[k] = build()
    return found


def table(model: type[Model]) -> str:
    """``model``'s table, quoted."""
    return str(connection.ops.quote_name(model._meta.db_table))


def column(model: type[Model], name: str, alias: str) -> str:
    """``alias.column`` of ``model``'s field ``name``, quoted."""
    col = model._meta.get_field(name).column  # type: ignore[union-attr]
    return f"{alias}.{connection.ops.quote_name(str(col))}"


def fetchall(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement (``%s`` placeholders), prepared on PostgreSQL."""
    with _cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def in_list(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """``column`` is one of ``values``, as SQL and parameters whose text does not depend on
    how many values there are on PostgreSQL (one array parameter); an ``IN`` list
    elsewhere. No values: false."""
    # Plain ``str`` for enum members: psycopg adapts by exact type.
    items = sorted(str(v) if isinstance(v, str) else v for v in values)
    if not items:
        return "(1 = 0)", []
    if connection.vendor == "postgresql":
        return f"({column} = ANY(%s))", [items]
    return f"({column} IN ({', '.join(['%s'] * len(items))}))", items


#: Per (vendor, model, field names): the attribute names in the model's field order, and
#: for each the position of its raw value, its column and the ORM's converters.
_PLANS: dict[
    tuple[str, str, tuple[str, ...]], tuple[list[str], list[tuple[int, Any, list[Any]]]]
] = {}


def _plan(
    conn: Any, model: type[Model], names: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
    """How to build ``model`` instances from raw values of ``names``: the converters the
    ORM applies to each column a query reads (the backend's, e.g. SQLite's text dates and
    0/1 booleans, then the field's ``from_db_value``), in the model's field order."""
    key = (conn.vendor, model._meta.label, names)
    plan = _PLANS.get(key)
    if plan is None:
        at = {model._meta.get_field(n).attname: i for i, n in enumerate(names)}  # type: ignore[union-attr]
        attnames, steps = [], []
        for f in model._meta.concrete_fields:
            if f.attname in at:
                col = f.get_col(model._meta.db_table)
                convs = [*conn.ops.get_db_converters(col), *col.get_db_converters(conn)]
                attnames.append(f.attname)
                steps.append((at[f.attname], col, convs))
        if len(attnames) != len(names):
            raise ValueError(f"{model._meta.label}: not concrete fields or repeated: {names}")
        plan = (attnames, steps)
        _PLANS[key] = plan
    return plan


def _converted(
    model: type[Model], names: Sequence[str], raw: Sequence[Any]
) -> tuple[list[str], list[Any]]:
    conn = connections[DEFAULT_DB_ALIAS]
    attnames, steps = _plan(conn, model, tuple(names))
    if len(raw) != len(names):
        raise ValueError(f"{len(names)} names, {len(raw)} values")
    values = []
    for i, col, convs in steps:
        v = raw[i]
        for convert in convs:
            v = convert(v, col, conn)
        values.append(v)
    return attnames, values


def values(model: type[Model], names: Sequence[str], raw: Sequence[Any]) -> dict[str, Any]:
    """``{attribute name: value}`` of ``raw`` values of ``model``'s ``names`` (field names,
    in that order), converted as the ORM converts them: for reads that need the values,
    not an instance."""
    attnames, converted = _converted(model, names, raw)
    return dict(zip(attnames, converted, strict=True))


def instance(model: type[M], names: Sequence[str], raw: Sequence[Any]) -> M:
    """A ``model`` instance with only ``names`` (field names) loaded from ``raw`` values in
    the same order, converted as the ORM converts them; the other fields are deferred, as
    with ``QuerySet.only``."""
    attnames, converted = _converted(model, names, raw)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, converted)
