"""``core.sql``: statements prepared once per PostgreSQL session (ADR 0036), list
parameters whose text does not depend on their length, and raw rows turned into the
instances the ORM would build."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.core import audit, sql
from doorstep.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table


def _event() -> AuditEvent:
    return audit.record(
        actor=None, action="test.sql", object_type="visit", object_id=7, details={"a": [1, "二"]}
    )


def test_in_list_text_does_not_depend_on_the_values() -> None:
    assert sql.in_list("x", []) == ("(1 = 0)", [])
    one, params_one = sql.in_list("x", [3])
    two, params_two = sql.in_list("x", [5, 3])
    if connection.vendor == "postgresql":
        assert one == two == "(x = ANY(%s))"
        assert (params_one, params_two) == ([[3]], [[3, 5]])
    else:
        assert (one, two) == ("(x IN (%s))", "(x IN (%s, %s))")
        assert params_two == [3, 5]


def test_fetchall_answers_like_the_orm_and_is_seen_by_query_capture() -> None:
    e = _event()
    text, params = sql.in_list("id", [e.pk, -1])
    with CaptureQueriesContext(connection) as seen:
        rows = sql.fetchall(f"SELECT id, action FROM {TABLE} WHERE {text}", params)  # noqa: S608
    assert rows == [(e.pk, "test.sql")]
    assert len(seen.captured_queries) == 1


def test_instance_converts_raw_values_as_the_orm_does() -> None:
    e = _event()
    names = ("id", "action", "details", "at")
    rows = sql.fetchall(
        f"SELECT id, action, details, at FROM {AuditEvent._meta.db_table} WHERE id = %s",  # noqa: S608
        [e.pk],
    )
    got = sql.instance(AuditEvent, names, rows[0])
    want = AuditEvent.objects.get(pk=e.pk)
    assert (got.pk, got.action, got.details, got.at) == (
        want.pk,
        want.action,
        want.details,
        want.at,
    )
    assert isinstance(got.at, dt.datetime)
    assert got.at.tzinfo is not None
    assert got.details == {"a": [1, "二"]}
    # Fields not loaded are deferred, as with ``only``.
    assert "object_type" in got.get_deferred_fields()


def test_statements_are_prepared_on_postgresql_only() -> None:
    query = f"SELECT COUNT(*) FROM {AuditEvent._meta.db_table} WHERE action = %s"  # noqa: S608
    sql.fetchall(query, ["test.sql"])
    assert sql.fetchall(query, ["nothing"]) == [(0,)]
    if connection.vendor != "postgresql":
        assert sql.prepared() is False
        return
    assert sql.prepared() is True
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        statements = [r[0] for r in cur.fetchall()]
    assert any("WHERE action = $1" in s for s in statements), statements


def test_with_prepared_statements_off_the_same_statement_runs(settings: Any) -> None:
    settings.DB_PREPARED_STATEMENTS = False
    e = _event()
    assert sql.prepared() is False
    query = f"SELECT action FROM {TABLE} WHERE id = %s"  # noqa: S608
    assert sql.fetchall(query, [e.pk]) == [("test.sql",)]


def test_statement_text_is_built_once_per_key() -> None:
    built: list[int] = []

    def build() -> str:
        built.append(1)
        return " ".join(
            ["SELECT", sql.column(AuditEvent, "action", "a"), "FROM", sql.table(AuditEvent), "a"]
        )

    first = sql.text("test.once", build)
    assert sql.text("test.once", build) is first
    assert built == [1]
    qn = connection.ops.quote_name
    assert first == " ".join(["SELECT", "a." + qn("action"), "FROM", qn(TABLE), "a"])
