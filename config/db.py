"""Database helpers every app may use. No domain rules here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def rows_update(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set different values on many rows in one statement: ``rows`` = [(pk, value of each field…)].

    On PostgreSQL one ``UPDATE … FROM (VALUES …)``; elsewhere Django's ``bulk_update``. Like every
    ``QuerySet.update``, it runs no ``save()``, signals or simple-history: for work rows (claims, states)
    whose own columns are the record. Returns the number of rows updated.
    """
    if not rows:
        return 0
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objs = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for field, value in zip(columns, values, strict=True):
                setattr(obj, field.attname, value)
            objs.append(obj)
        return model._default_manager.bulk_update(objs, [field.name for field in columns])
    quote = connection.ops.quote_name
    pk = opts.pk
    casts = [pk.db_type(connection), *(field.db_type(connection) for field in columns)]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = ["pk_", *(f"v{index}" for index in range(len(columns)))]
    assignments = ", ".join(f"{quote(field.column)} = v.v{index}" for index, field in enumerate(columns))
    sql = (
        f"UPDATE {quote(opts.db_table)} AS t SET {assignments} "
        f"FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({', '.join(names)}) "
        f"WHERE t.{quote(pk.column)} = v.pk_"
    )
    params: list[Any] = []
    for pk_value, *values in rows:
        params.append(pk.get_db_prep_value(pk_value, connection))
        for field, value in zip(columns, values, strict=True):
            params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def row_insert(obj: models.Model) -> Any:
    """INSERT one unsaved object and set its primary key — ``bulk_create([obj])`` without the batching
    machinery: the statement is built once per model, so the database can keep it prepared, and outside a
    transaction it runs alone (no BEGIN/COMMIT round trips; ``bulk_create`` always opens one). Like
    ``bulk_create`` it sends no signals and writes no history. Returns the primary key."""
    model = type(obj)
    sql, fields = _insert_statement(model, connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj.pk


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    opts = model._meta
    quote = connection.ops.quote_name
    fields = tuple(f for f in opts.local_concrete_fields if not (f.primary_key and isinstance(f, models.AutoField)))
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(opts.pk.column)}"
    )
    return sql, fields


def bulk_create_with_history_copy(objs: Sequence[models.Model], *, user=None) -> list[models.Model]:
    """``bulk_create`` the objects (primary keys come back: PostgreSQL and SQLite), then write their
    simple-history "created" rows with one ``INSERT … SELECT`` copying the new rows in the database — the
    rows ``simple_history.utils.bulk_create_with_history`` writes, without building each one in Python.
    ``user``: the history user (default: the signed-in user of the current request, as simple-history)."""
    if not objs:
        return []
    model = type(objs[0])
    created = model._default_manager.bulk_create(objs)
    history_copy(model, [obj.pk for obj in created], user=user)
    return created


HISTORY_TYPES = frozenset({"+", "~", "-"})


def history_copy(
    model: type[models.Model],
    pks: Sequence[Any],
    *,
    user=None,
    reason: str | None = None,
    history_type: str = "+",
) -> int:
    """Record the current state of rows ``pks`` of ``model`` as simple-history rows copied by the database:
    "created" (``+``, the default) after an INSERT, "changed" (``~``) after an UPDATE — the row
    simple-history writes for a ``save()`` — or "deleted" (``-``). Returns the number of history rows
    written."""
    if history_type not in HISTORY_TYPES:
        raise ValueError(f"history_type must be one of + ~ -, not {history_type!r}")
    if not pks or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return 0
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    quote = connection.ops.quote_name
    targets, sources = [], []
    for field in history.tracked_fields:
        targets.append(quote(history._meta.get_field(field.name).column))
        sources.append(quote(field.column))
    targets += [quote(name) for name in ("history_date", "history_type", "history_change_reason", "history_user_id")]
    user_id = _history_user_id(user)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, reason, user_id, *pks])
        return cursor.rowcount


def _history_user_id(user) -> int | None:
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None
