"""The database a benchmark measures: housekeeping before measuring, and the separate bench database that
``bench_api`` fills (never the configured development database)."""

from __future__ import annotations

import urllib.parse

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connection as db_connection
from django.db import connections


def vacuum() -> None:
    """PostgreSQL: what autovacuum would have done by now, with its default thresholds — VACUUM the tables
    whose dead rows passed 50 + 20 % of their rows, ANALYZE those changed by more than 50 + 10 % since their
    last analysis. Autovacuum is off on some machines, the project's standard one included: without this,
    earlier runs leave dead entries in the inbox's work-list index and stale statistics (claims and stock
    releases then cost tens of milliseconds each). A table autovacuum would leave alone is left alone: an
    ANALYZE of the empty tables of a new database tells PostgreSQL they stay empty, and it then checks each
    new row's foreign keys by scanning the whole referenced table."""
    if db_connection.vendor != "postgresql":
        return
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_dead_tup > 50 + 0.2 * n_live_tup, n_mod_since_analyze > 50 + 0.1 * n_live_tup "
            "FROM pg_stat_user_tables ORDER BY relname"
        )
        for table, vacuum_due, analyze_due in cursor.fetchall():
            if analyze_due:
                cursor.execute(f"VACUUM (ANALYZE) {db_connection.ops.quote_name(table)}")
            elif vacuum_due:
                cursor.execute(f"VACUUM {db_connection.ops.quote_name(table)}")


def configured_name() -> str:
    """The name of the database ``DATABASE_URL`` names (the development database)."""
    return dj_database_url.parse(settings.DATABASE_URL)["NAME"]


def _admin_conninfo() -> str:
    params = db_connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=str(params.get("PORT") or "") or None,
    )


def bench_database_prepare(name: str, *, keep: bool) -> None:
    """The bench database exists (dropped first unless ``keep``)."""
    if name.startswith("test_"):
        return  # the test suite's own database (the smoke test): it exists and is migrated
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def bench_database_use(name: str) -> None:
    """This process's default connection points at the bench database from now on."""
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name


def database_url(name: str = "") -> str:
    """The URL of the database ``name`` on the configured server (default: the one this process is connected
    to), for the children's ``DATABASE_URL``."""
    params = db_connection.settings_dict
    user = urllib.parse.quote(params.get("USER") or "")
    password = params.get("PASSWORD") or ""
    auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name or params['NAME']}"
