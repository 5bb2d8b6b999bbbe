"""Fast bulk insert for the seed: ``COPY`` on PostgreSQL, ``executemany`` elsewhere.

``bulk_create`` spends most of its time preparing values field by field through the
query compiler; at Lanzhou scale that alone takes minutes. The seed is the only writer
while it runs, so it allocates primary keys itself (``MAX(id) + 1`` onwards, once per
table), writes unsaved model instances' column values straight to the driver, and
finally moves each PostgreSQL sequence past the rows it wrote. The database still checks
every constraint (unique, foreign key, check) on the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models.base import ModelState
from django.utils import timezone

Converter = Callable[[Any], Any]
M = TypeVar("M", bound=models.Model)


def _identity(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return None if value is None else json.dumps(value, ensure_ascii=False)


_BLUEPRINTS: dict[
    type[models.Model], tuple[dict[str, Any], list[tuple[str, Any]], dict[str, Any]]
] = {}


def _blueprint(
    model: type[models.Model],
) -> tuple[dict[str, Any], list[tuple[str, Any]], dict[str, Any]]:
    if model not in _BLUEPRINTS:
        static: dict[str, Any] = {}
        dynamic: list[tuple[str, Any]] = []
        by_name: dict[str, Any] = {}
        for f in model._meta.concrete_fields:
            by_name[f.name] = f
            if f.has_default() and callable(f.default):
                dynamic.append((f.attname, f.default))
            else:
                static[f.attname] = f.get_default()
        _BLUEPRINTS[model] = (static, dynamic, by_name)
    return _BLUEPRINTS[model]


def make(model: type[M], **values: Any) -> M:
    """An unsaved instance, like ``model(**values)`` without ``Model.__init__``'s cost.

    Foreign keys may be given as instances (saved or not: the writer resolves their pk
    at insert time) or as ``<name>_id`` values. Only concrete fields are accepted.
    """
    static, dynamic, by_name = _blueprint(model)
    obj = model.__new__(model)
    state = ModelState()
    data = obj.__dict__
    data["_state"] = state
    data.update(static)
    for attname, factory in dynamic:
        data[attname] = factory()
    for name, value in values.items():
        field = by_name.get(name)
        if field is not None and field.is_relation:
            data[field.attname] = None if value is None else value.pk
            if value is not None:
                state.fields_cache[name] = value
        else:
            data[name if field is None else field.attname] = value
    return obj


class FastWriter:
    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.next_id: dict[type[models.Model], int] = {}
        self.plans: dict[type[models.Model], tuple[str, list[models.Field[Any, Any]]]] = {}
        self.now = timezone.now()

    def _converter(self, field: models.Field[Any, Any]) -> Converter:
        ops = connection.ops
        if isinstance(field, models.JSONField):
            return _json
        if self.vendor == "postgresql":
            return _identity
        if isinstance(field, models.DateTimeField):
            return ops.adapt_datetimefield_value  # type: ignore[return-value]
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value  # type: ignore[return-value]
        if isinstance(field, models.TimeField):
            return ops.adapt_timefield_value  # type: ignore[return-value]
        return _identity

    def _plan(self, model: type[models.Model]) -> tuple[str, list[models.Field[Any, Any]]]:
        if model not in self.plans:
            fields = list(model._meta.concrete_fields)
            table = connection.ops.quote_name(str(model._meta.db_table))
            cols = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
            if self.vendor == "postgresql":
                sql = f"COPY {table} ({cols}) FROM STDIN"
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
            self.plans[model] = (sql, fields)
            with connection.cursor() as cursor:
                pk = connection.ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
                cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 - quoted names
                self.next_id[model] = (cursor.fetchone()[0] or 0) + 1
        return self.plans[model]

    def insert(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        """Give ``objs`` primary keys and insert them; FK ``*_id`` values must be set."""
        if not objs:
            return
        sql, fields = self._plan(model)
        start = self.next_id[model]
        self.next_id[model] = start + len(objs)
        for offset, obj in enumerate(objs):
            obj.pk = start + offset
            obj._state.adding = False
        stamps = [
            f.attname
            for f in fields
            if isinstance(f, models.DateField)
            and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        relations = [f for f in fields if f.is_relation]
        for obj in objs:
            # Foreign keys to objects that got their pk after this one was built.
            for f in relations:
                if getattr(obj, f.attname) is None and f.is_cached(obj):  # type: ignore[attr-defined]
                    related = f.get_cached_value(obj)  # type: ignore[attr-defined]
                    if related is not None:
                        setattr(obj, f.attname, related.pk)
            for name in stamps:
                if getattr(obj, name) is None:
                    setattr(obj, name, self.now)
        convert = [(f.attname, self._converter(f)) for f in fields]
        rows = [tuple(conv(getattr(obj, name)) for name, conv in convert) for obj in objs]
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, rows)

    def finish(self) -> None:
        """Move PostgreSQL sequences past the ids written (no-op elsewhere)."""
        if not self.next_id:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_id))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
