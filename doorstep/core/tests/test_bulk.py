"""``core.bulk``: array literals (pure), and on PostgreSQL ``COPY`` with pre-allocated ids,
constraint errors as Django's, and literals that round-trip through the server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, NotSupportedError, connection, transaction

from doorstep.core import bulk
from doorstep.devices.models import RejectionCount

UTC8 = dt.timezone(dt.timedelta(hours=8))


def test_array_literal_quotes_text_and_keeps_numbers_nulls_and_booleans() -> None:
    assert bulk.array_literal([1, -2, None]) == "{1,-2,NULL}"
    assert bulk.array_literal([True, False]) == "{t,f}"
    assert bulk.array_literal([]) == "{}"
    assert bulk.array_literal(['a "b"', "c\\d", "e,f", "NULL"]) == (
        r'{"a \"b\"","c\\d","e,f","NULL"}'
    )
    at = dt.datetime(2026, 11, 23, 8, 30, tzinfo=UTC8)
    assert bulk.array_literal([at, Decimal("5.60")]) == '{"2026-11-23T08:30:00+08:00","5.60"}'
    with pytest.raises(ValueError, match="naive"):
        bulk.array_literal([dt.datetime(2026, 11, 23, 8, 30)])


def test_outside_postgresql_the_helpers_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(NotSupportedError, match="needs PostgreSQL"):
        bulk.allocate_ids(RejectionCount, 1)
    with pytest.raises(NotSupportedError, match="needs PostgreSQL"):
        bulk.copy_rows(RejectionCount, ("reason",), [("not_json",)])


@pytest.mark.postgres
@pytest.mark.django_db
def test_literals_round_trip_through_postgresql() -> None:
    texts = ['a "b"', "c\\d", "e,f", "NULL", "{x}", " 空格 ", ""]
    at = dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC8)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT %s::varchar[], %s::bigint[], %s::timestamptz[], %s::boolean[]",
            [
                bulk.array_literal([*texts, None]),
                bulk.array_literal([1, 2**62, None]),
                bulk.array_literal([at]),
                bulk.array_literal([True, None, False]),
            ],
        )
        got = cur.fetchone()
    assert got[0] == [*texts, None]
    assert got[1] == [1, 2**62, None]
    assert got[2] == [at]
    assert got[3] == [True, None, False]


@pytest.mark.postgres
@pytest.mark.django_db
def test_copy_rows_writes_with_allocated_ids_in_order() -> None:
    day = dt.date(2026, 11, 23)
    ids = bulk.allocate_ids(RejectionCount, 3)
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    assert bulk.allocate_ids(RejectionCount, 0) == []
    written = bulk.copy_rows(
        RejectionCount,
        ("id", "day", "reason", "via", "count"),
        [
            (ids[0], day, "not_json", "mqtt", 3),
            (ids[1], day, "too_large", "http", 1),
            (ids[2], day, 'quote"and\\slash', "mqtt", 0),
        ],
    )
    assert written == 3
    rows = list(RejectionCount.objects.filter(pk__in=ids).order_by("pk").values_list())
    assert rows == [
        (ids[0], day, "not_json", "mqtt", 3),
        (ids[1], day, "too_large", "http", 1),
        (ids[2], day, 'quote"and\\slash', "mqtt", 0),
    ]
    # The sequence moved on: an ORM insert does not collide with the ids taken.
    later = RejectionCount.objects.create(day=day, reason="seq_invalid", via="mqtt", count=1)
    assert later.pk > ids[-1]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_violated_constraint_is_djangos_integrity_error_and_writes_nothing() -> None:
    day = dt.date(2026, 11, 23)
    RejectionCount.objects.create(day=day, reason="not_json", via="mqtt", count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.copy_rows(
            RejectionCount,
            ("day", "reason", "via", "count"),
            [(day, "too_large", "mqtt", 1), (day, "not_json", "mqtt", 2)],
        )
    assert list(RejectionCount.objects.values_list("reason", "count")) == [("not_json", 1)]
