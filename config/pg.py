"""PostgreSQL connection set-up that every app relies on. No domain rules here."""

from __future__ import annotations

from django.db.backends.signals import connection_created


def binary_arrays(sender, connection, **kwargs) -> None:
    """Send Python lists as binary arrays. Django's bulk_create inserts through ``UNNEST(%s::type[], …)``
    with one list per column; psycopg's default text format escapes every element with regular expressions
    (a JSON body full of quotes costs more to escape than to store). Binary arrays need no escaping. Only
    with server-side binding (``DB_SERVER_SIDE_BINDING``, on by default): client-side binding quotes every
    parameter as text."""
    if connection.vendor != "postgresql" or not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        return
    from psycopg.types.array import ListBinaryDumper

    connection.connection.adapters.register_dumper(list, ListBinaryDumper)


def connect() -> None:
    connection_created.connect(binary_arrays, dispatch_uid="config.pg.binary_arrays")
