"""Database helpers every app may use. No domain rules here."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def rows_update(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Set different values on many rows in one statement: ``rows`` = [(pk, value of each field…)].

    On PostgreSQL one ``UPDATE … FROM UNNEST(one array per column)``, the same text for any number of rows
    (kept prepared); elsewhere Django's ``bulk_update``. Like every
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
    sql = _update_statement(model, tuple(fields))
    pk = opts.pk
    arrays = [_column([row[0] for row in rows], pk)]
    for index, field in enumerate(columns, start=1):
        arrays.append(_column([row[index] for row in rows], field))
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount


@functools.cache
def _update_statement(model: type[models.Model], fields: tuple[str, ...]) -> str:
    opts = model._meta
    quote = connection.ops.quote_name
    columns = [opts.pk, *(opts.get_field(name) for name in fields)]
    arrays = ", ".join(f"(%s)::{_array_type(field)}" for field in columns)
    names = ", ".join(["pk_", *(f"v{index}" for index in range(1, len(columns)))])
    assignments = ", ".join(f"{quote(field.column)} = v.v{index}" for index, field in enumerate(columns) if index)
    return (
        f"UPDATE {quote(opts.db_table)} AS t SET {assignments} FROM UNNEST({arrays}) AS v({names}) "
        f"WHERE t.{quote(opts.pk.column)} = v.pk_"
    )


def _array_type(field: models.Field) -> str:
    """The PostgreSQL array type of a column, without its length (varchar[], not varchar(20)[]), as Django's
    own UNNEST insert."""
    return field.db_type(connection).split("(")[0] + "[]"


def _column(values: list[Any], field: models.Field) -> list[Any]:
    """A column's values as the driver gets them: as they are when each needs no conversion (see
    ``_STORED_AS_IS``), else each through the field's ``get_db_prep_save``."""
    fits = _stored_as_is(field)
    if all(value is None or fits(value) for value in values):
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


def instance_new(model: type[models.Model], **values: Any) -> models.Model:
    """``model(**values)`` for the objects a batch creates by the hundred, at a third of the cost: every
    column is passed by position (Django's own fast path, the one it uses for rows read from the database),
    each missing one taking its field's default. ``values`` are keyed by field name or attribute name
    (``order`` or ``order_id``); a related object given by name is kept as the cached related object, as
    the keyword constructor does (its type is not checked)."""
    args = []
    related = []
    for attname, name, default in _instance_plan(model):
        if attname in values:
            args.append(values[attname])
        elif name in values:
            target = values[name]
            args.append(None if target is None else target.pk)
            related.append((name, target))
        else:
            args.append(default())
    obj = model(*args)
    if related:
        cache = obj._state.fields_cache
        for name, target in related:
            cache[name] = target
    return obj


@functools.cache
def _instance_plan(model: type[models.Model]) -> tuple[tuple[str, str, Any], ...]:
    return tuple((f.attname, f.name, f._get_default) for f in model._meta.concrete_fields)


def row_insert(obj: models.Model) -> Any:
    """INSERT one unsaved object and set its primary key — ``bulk_create([obj])`` without the batching
    machinery: the statement is built once per model, so the database can keep it prepared, and outside a
    transaction it runs alone (no BEGIN/COMMIT round trips; ``bulk_create`` always opens one). Like
    ``bulk_create`` it sends no signals and writes no history. Returns the primary key."""
    model = type(obj)
    sql, plan = _insert_statement(model, connection.vendor)
    params = []
    for field, attname, plain, fits in plan:
        value = getattr(obj, attname) if plain else field.pre_save(obj, add=True)
        params.append(value if value is None or fits(value) else field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj.pk


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    """The INSERT of one row of ``model`` and, for each of its columns: the field, its attribute, whether its
    value is the attribute as it is (the field adds nothing when saved: no ``auto_now``, no file to commit),
    and which values the driver takes as they are (on PostgreSQL, ``_STORED_AS_IS``; the others go through
    the field's ``get_db_prep_save``)."""
    opts = model._meta
    quote = connection.ops.quote_name
    fields = tuple(f for f in opts.local_concrete_fields if not (f.primary_key and isinstance(f, models.AutoField)))
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(opts.pk.column)}"
    )
    plan = tuple(
        (
            field,
            field.attname,
            type(field).pre_save is models.Field.pre_save,
            _stored_as_is(field) if vendor == "postgresql" else _never,
        )
        for field in fields
    )
    return sql, plan


def _never(value: Any) -> bool:
    return False


def rows_insert(objs: Sequence[models.Model], *, ignore_conflicts: bool = False) -> list[models.Model]:
    """INSERT new objects of one model and set their primary keys — ``bulk_create(objs)`` for the rows a
    batch creates, at a fraction of its Python cost. On PostgreSQL one ``INSERT … SELECT * FROM UNNEST(one
    array per column) RETURNING pk``, as Django's own, but its text is built once per model (the same for
    any number of rows, so the server keeps it prepared) and each column is taken straight from the
    instances when its values need no conversion — ints, strings, booleans, Decimals, aware datetimes,
    dates and UUIDs in the fields that store them as they are. Other values (JSON, lazy strings, a number
    in a text field…) go through the field's own ``get_db_prep_save``, as in ``bulk_create``. Elsewhere, or
    for objects that already have a primary key, it is ``bulk_create``. Like ``bulk_create`` it sends no
    signals and writes no history. ``ignore_conflicts`` is ``bulk_create``'s own (rows that break a unique
    constraint are left out, no primary keys set); to learn which rows went in, ``rows_insert_new``."""
    if not objs:
        return []
    model = type(objs[0])
    plan = _unnest_plan(model) if connection.vendor == "postgresql" else None
    if plan is None or ignore_conflicts or any(obj.pk is not None for obj in objs):
        return model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    sql, columns = plan
    with connection.cursor() as cursor:
        cursor.execute(sql, _arrays(objs, columns))
        pks = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        _saved(obj, pk)
    return list(objs)


def conflicts_reported() -> bool:
    """Whether ``rows_insert_new`` can tell which rows went in (PostgreSQL), so callers may leave out looking
    for the stored ones first."""
    return connection.vendor == "postgresql"


def rows_insert_new(objs: Sequence[models.Model], *, key: Sequence[str]) -> list[models.Model] | None:
    """INSERT new objects of one model, leaving out those that break a unique constraint (``ON CONFLICT DO
    NOTHING``), and tell which went in: returns those objects, primary keys set. The others match rows
    stored before (or by a concurrent transaction, which the INSERT waits for). ``key``: fields whose values
    tell the objects apart. One statement; PostgreSQL only — elsewhere it returns None and the caller looks
    for the stored rows first."""
    if not objs:
        return []
    plan = _conflict_plan(objs)
    if plan is None:
        return None
    model, sql, columns = plan
    fields = [model._meta.get_field(name) for name in key]
    quote = connection.ops.quote_name
    returning = ", ".join(quote(column) for column in [model._meta.pk.column, *(f.column for f in fields)])
    sql = f"{sql} ON CONFLICT DO NOTHING RETURNING {returning}"
    waiting: dict[tuple, list[models.Model]] = {}
    for obj in objs:
        waiting.setdefault(tuple(obj.__dict__[f.attname] for f in fields), []).append(obj)
    inserted = []
    with connection.cursor() as cursor:
        cursor.execute(sql, _arrays(objs, columns))
        for pk, *values in cursor.fetchall():
            obj = waiting[tuple(values)].pop(0)
            _saved(obj, pk)
            inserted.append(obj)
    return inserted


def rows_insert_or_lock(objs: Sequence[models.Model], *, unique: Sequence[str]) -> list[models.Model] | None:
    """INSERT new objects of one model; for those whose ``unique`` fields match a stored row, lock that row
    instead (``ON CONFLICT (unique) DO UPDATE`` with a no-op change). Returns every row as stored (new ones
    and locked ones); rows are inserted or locked in the order given. One statement that finds the stored
    rows through the unique index itself: unlike a ``SELECT … FOR UPDATE``, its plan does not depend on the
    table's statistics (for a new shop they say it has no rows, and the lookup becomes a scan of all of
    them).
    ``objs`` must differ in their ``unique`` values. PostgreSQL only — elsewhere it returns None."""
    if not objs:
        return []
    plan = _conflict_plan(objs)
    if plan is None:
        return None
    model, sql, columns = plan
    opts = model._meta
    quote = connection.ops.quote_name
    keys = [quote(opts.get_field(name).column) for name in unique]
    stored = list(opts.concrete_fields)
    sql = (
        f"{sql} ON CONFLICT ({', '.join(keys)}) "
        f"DO UPDATE SET {keys[0]} = EXCLUDED.{keys[0]} RETURNING {', '.join(quote(field.column) for field in stored)}"
    )
    converters = [(index, field.get_db_converters(connection)) for index, field in enumerate(stored)]
    converters = [(index, found) for index, found in converters if found]
    attnames = [field.attname for field in stored]
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, _arrays(objs, columns))
        for row in cursor.fetchall():
            values = list(row)
            for index, functions in converters:
                for convert in functions:
                    values[index] = convert(values[index], stored[index], connection)
            rows.append(model.from_db(connection.alias, attnames, values))
    return rows


def _conflict_plan(objs: Sequence[models.Model]):
    """(model, INSERT without its RETURNING, columns) for the ``ON CONFLICT`` inserts, or None where they
    cannot run (not PostgreSQL, a model ``rows_insert`` cannot insert, objects with primary keys)."""
    model = type(objs[0])
    plan = _unnest_plan(model) if conflicts_reported() else None
    if plan is None or any(obj.pk is not None for obj in objs):
        return None
    sql, columns = plan
    return model, sql.rsplit(" RETURNING ", 1)[0], columns


def _arrays(objs: Sequence[models.Model], columns: list[tuple[models.Field, bool, bool]]) -> list[list[Any]]:
    arrays = []
    for field, relation, pre_save in columns:
        if pre_save:
            values = [field.pre_save(obj, add=True) for obj in objs]
        else:
            values = [obj.__dict__[field.attname] for obj in objs]
        if relation and None in values:  # a related object saved since it was set: take its primary key
            for obj, value in zip(objs, values, strict=True):
                if value is None and field.is_cached(obj):
                    obj._prepare_related_fields_for_save(operation_name="rows_insert", fields=[field])
            values = [obj.__dict__[field.attname] for obj in objs]
        arrays.append(_column(values, field))
    return arrays


def _saved(obj: models.Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def _aware(value: Any) -> bool:
    return isinstance(value, dt.datetime) and (value.tzinfo is not None or not settings.USE_TZ)


_STORED_AS_IS = {  # field class → "this Python value is what the database driver gets" (PostgreSQL)
    **{
        cls: (lambda value: type(value) is int)
        for cls in (
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        )
    },
    **{cls: (lambda value: isinstance(value, str)) for cls in (models.CharField, models.TextField, models.SlugField)},
    models.BooleanField: lambda value: type(value) is bool,
    models.DecimalField: lambda value: type(value) is Decimal,
    models.DateTimeField: _aware,
    models.DateField: lambda value: type(value) is dt.date,
    models.UUIDField: lambda value: type(value) is uuid.UUID,
}


def _stored_as_is(field: models.Field):
    target = field.target_field if field.is_relation else field
    return _STORED_AS_IS.get(type(target), lambda value: False)


@functools.cache
def _unnest_plan(model: type[models.Model]) -> tuple[str, list[tuple[models.Field, bool, bool]]] | None:
    """The INSERT statement of ``rows_insert`` and, per column, (field, is a relation, needs its
    ``pre_save``); None for a model it cannot insert this way."""
    opts = model._meta
    fields = [
        f
        for f in opts.local_concrete_fields
        if not f.generated and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    if any(f.db_default is not models.NOT_PROVIDED or hasattr(f, "get_placeholder") for f in fields):
        return None
    quote = connection.ops.quote_name
    columns = []
    for f in fields:
        if (f.target_field if f.is_relation else f).get_internal_type() not in connection.data_types:
            return None
        stamps = isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
        custom = type(f).pre_save is not models.Field.pre_save and not isinstance(f, models.DateField)
        columns.append((f, f.is_relation, stamps or custom))
    arrays = ", ".join(f"(%s)::{_array_type(f)}" for f in fields)
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM UNNEST({arrays}) RETURNING {quote(opts.pk.column)}"
    )
    return sql, columns


def bulk_create_with_history_copy(objs: Sequence[models.Model], *, user=None) -> list[models.Model]:
    """``rows_insert`` the objects (primary keys come back: PostgreSQL and SQLite), then write their
    simple-history "created" rows with one ``INSERT … SELECT`` copying the new rows in the database — the
    rows ``simple_history.utils.bulk_create_with_history`` writes, without building each one in Python.
    ``user``: the history user (default: the signed-in user of the current request, as simple-history)."""
    if not objs:
        return []
    model = type(objs[0])
    created = rows_insert(objs)
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
    if not pks or not settings.SIMPLE_HISTORY_ENABLED:
        return 0
    user_id = _history_user_id(user)
    if connection.vendor == "postgresql":  # one text for any number of rows: kept prepared
        sql, keys = _history_copy_statement(model, None), [list(pks)]
    else:
        sql, keys = _history_copy_statement(model, len(pks)), list(pks)
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), history_type, reason, user_id, *keys])
        return cursor.rowcount


@functools.cache
def _history_copy_statement(model: type[models.Model], count: int | None) -> str:
    """``history_copy``'s INSERT … SELECT for ``model``: rows chosen by ``= ANY(array)`` (``count`` None) or
    by ``IN`` with ``count`` parameters. Built once: reading the history model through its descriptor
    builds a manager class each time."""
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    quote = connection.ops.quote_name
    targets, sources = [], []
    for field in history.tracked_fields:
        targets.append(quote(history._meta.get_field(field.name).column))
        sources.append(quote(field.column))
    targets += [quote(name) for name in ("history_date", "history_type", "history_change_reason", "history_user_id")]
    pk = quote(model._meta.pk.column)
    where = f"{pk} = ANY(%s)" if count is None else f"{pk} IN ({', '.join(['%s'] * count)})"
    return (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} WHERE {where}"
    )


def _history_user_id(user) -> int | None:
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None
