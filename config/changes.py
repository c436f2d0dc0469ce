"""Change numbers: rows a partner can follow without missing or repeating a change.

A followed model has two columns the database keeps, on every INSERT and UPDATE whatever made it (``save()``,
``QuerySet.update()``, ``bulk_create``, the UNNEST writers of ``config.db``, raw SQL), by a trigger that
``FollowChanges`` installs in the model's migration:

- ``change_seq`` — the change number. On PostgreSQL it is the id of the transaction that last changed the row
  (``pg_current_xact_id()``, 64 bits, never wraps); on SQLite a counter kept in ``config_change_counter``.
- ``changed_at`` — when: the changing transaction's start (``now()``) on PostgreSQL, the statement's time on
  SQLite.

A follower reads rows in ``(change_seq, id)`` order after its cursor, and only rows whose change number is
*settled* (``settled()``): below ``pg_snapshot_xmin(pg_current_snapshot())``, the oldest transaction still in
progress. Every transaction with a smaller id has committed or rolled back, and every transaction that has not
yet written will get a larger id — so no row can later appear behind a cursor the reader has passed, even
when a slow transaction commits after a faster one that started after it. (A plain ``updated_at`` or
sequence cursor misses exactly those rows: the slow transaction's rows become visible with a position the
reader has already passed.) PostgreSQL documents these functions and the snapshot's parts in "Transaction ID
and Snapshot Information Functions", https://www.postgresql.org/docs/15/functions-info.html: xmin is the
lowest transaction id still active; every id below it has committed or rolled back.

The price is a lag: while a transaction that has written anything is open in the database, changes from
transactions that started after it wait (they are not lost). Transactions of other databases of the same
server are left out (``_SETTLED_SQL``). ``idle_in_transaction_session_timeout`` bounds it (docs/deployment.md).

SQLite lets one transaction write at a time, so counter order is commit order and every row is settled.

An UPDATE that changes nothing (the no-op ``ON CONFLICT DO UPDATE`` that locks a row) keeps the row's change
number. Writers never read or lock anything for it: the hot stock path pays one trigger call per row.

To make a model followable: inherit ``Followed`` (and ``class Meta(Followed.Meta)`` when the model has its own
Meta, keeping ``*Followed.Meta.indexes``), leave the two columns out of its history
(``HistoricalRecords(excluded_fields=CHANGE_FIELDS)``), run ``makemigrations``, make the migration
``atomic = False``, build its index with ``AddChangeIndex`` (same arguments as ``AddIndex``) and append
``FollowChanges("<model>")``. The API side is ``config.feed``.
"""

from __future__ import annotations

from django.apps import apps as django_apps
from django.db import connection, connections, models
from django.db.migrations.operations import AddIndex
from django.db.migrations.operations.base import Operation
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

CHANGE_FIELDS = ["change_seq", "changed_at"]

# One function for every followed table; each table gets its own trigger calling it.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION orderhub_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.change_seq := OLD.change_seq;
        NEW.changed_at := OLD.changed_at;
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;  -- nothing changed: keep the change number
        END IF;
    END IF;
    NEW.change_seq := pg_current_xact_id()::text::bigint;
    NEW.changed_at := now();
    RETURN NEW;
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION orderhub_change_stamp()"
)
_PG_DROP = "DROP TRIGGER IF EXISTS {trigger} ON {table}"

_SQLITE_COUNTER = (
    "CREATE TABLE IF NOT EXISTS config_change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO config_change_counter (id, value) VALUES (1, 0)",
)
# SQLite triggers cannot assign NEW: an AFTER trigger stamps the row it follows (recursive triggers are off, so
# its own UPDATE does not fire it again). The time is stored as Django stores datetimes on SQLite (UTC).
_SQLITE_STAMP = """
CREATE TRIGGER {trigger}_{event} AFTER {event_sql} ON {table} FOR EACH ROW
BEGIN
    UPDATE config_change_counter SET value = value + 1 WHERE id = 1;
    UPDATE {table} SET change_seq = (SELECT value FROM config_change_counter WHERE id = 1),
                       changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE {pk} = NEW.{pk};
END
"""
_SQLITE_EVENTS = ("insert", "update")


class Followed(models.Model):
    """The two columns of a followed model, and the index the followers read through."""

    change_seq = models.BigIntegerField(
        _("change number"), default=0, editable=False, help_text=_("Set by the database on every change.")
    )
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["change_seq", "id"], name="%(app_label)s_%(class)s_change_idx")]


# The settled horizon: the snapshot's xmin (the oldest transaction still in progress), leaving out
# - the reading transaction itself: its own writes are visible to it. A follower's GET has no transaction id;
#   a reader inside a writing transaction (a test, a script) sees its own changes. (xmin counts the reader's
#   own id when it is the oldest; the xip list leaves it out, and the WHERE says so again.)
# - transactions of other databases of the cluster (transaction ids are cluster-wide): pg_stat_activity names
#   their database. It is read after the snapshot was taken, so it can only miss some of them (they ended, or
#   started, since) — an id it does not place in another database counts, which errs on the waiting side.
#   On a replica it lists no transaction of the primary: every one counts.
# - autovacuum workers: their ANALYZE takes a transaction id to write statistics, never a row of a table.
_SETTLED_SQL = """COALESCE(
    (SELECT min(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
     WHERE running IS DISTINCT FROM pg_current_xact_id_if_assigned()
       AND running::xid NOT IN (
           SELECT backend_xid FROM pg_stat_activity
           WHERE backend_xid IS NOT NULL
             AND (backend_type = 'autovacuum worker'
                  OR datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))),
    -- no other transaction in progress: everything below the snapshot's horizon, and the reader's own changes
    -- (the horizon is the newest completed transaction + 1, which is the reader's own id while it has written)
    GREATEST(
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
        pg_current_xact_id_if_assigned()::text::bigint + 1
    )
)"""


def settled():
    """The change numbers below this are final (see the module docstring); None where every row is."""
    if connection.vendor != "postgresql":
        return None
    return RawSQL(_SETTLED_SQL, (), output_field=models.BigIntegerField())


class FollowChanges(Operation):
    """Migration operation: the database stamps ``change_seq`` / ``changed_at`` of ``model_name`` on every
    INSERT and UPDATE. Reversible (drops the trigger)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def state_forwards(self, app_label, state):
        pass  # the columns are ordinary fields; the trigger is not part of the model state

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        _stamp_install(schema_editor, model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        names = _names(schema_editor, model)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(_PG_DROP.format(**names))
        else:
            for event in _SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {names['trigger']}_{event}")

    def describe(self):
        return f"Stamp change numbers of {self.model_name} on every change"

    @property
    def migration_name_fragment(self):
        return f"follow_{self.model_name.lower()}"


class AddChangeIndex(AddIndex):
    """``AddIndex`` for the followers' index, built ``CONCURRENTLY`` on PostgreSQL so that a large table keeps
    taking writes meanwhile (docs/deployment.md, upgrades; the migration must be ``atomic = False``), and
    plainly elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)


def _stamp_install(schema_editor, model) -> None:
    names = _names(schema_editor, model)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
        schema_editor.execute(_PG_DROP.format(**names))
        schema_editor.execute(_PG_TRIGGER.format(**names))
    elif schema_editor.connection.vendor == "sqlite":
        for statement in _SQLITE_COUNTER:
            schema_editor.execute(statement)
        for event in _SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {names['trigger']}_{event}")
            schema_editor.execute(_SQLITE_STAMP.format(event=event, event_sql=event.upper(), **names))
    else:
        vendor = schema_editor.connection.vendor
        raise NotImplementedError(f"change numbers need PostgreSQL or SQLite, not {vendor}")


_TRIGGER_EXISTS = {
    "postgresql": "SELECT 1 FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal",
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s",
}


def stamps_restore(using: str = "default", **kwargs) -> list[str]:
    """Put back the stamping trigger of every followed table that has the columns but lost its trigger; return
    the tables it fixed.

    SQLite cannot alter most columns in place: Django rebuilds the table (create a copy, move the rows, drop the
    old one), and the old table's triggers go with it — a later migration of a followed model would silently
    stop its change numbers. Run after every ``migrate`` (``post_migrate``); a table whose trigger is there is
    not touched, so on PostgreSQL this only reads the catalogue.
    """
    connection = connections[using]
    if connection.vendor not in _TRIGGER_EXISTS:
        return []
    restored = []
    followed = [m for m in django_apps.get_models() if issubclass(m, Followed) and m._meta.managed]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in followed:
            table = model._meta.db_table
            if table not in tables:
                continue
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if not set(CHANGE_FIELDS) <= columns:
                continue  # migrated back to before the model was followed
            trigger = f"{table}_change_stamp" + ("_insert" if connection.vendor == "sqlite" else "")
            cursor.execute(_TRIGGER_EXISTS[connection.vendor], [trigger])
            if cursor.fetchone() is None:
                restored.append(table)
    for table in restored:
        model = next(m for m in followed if m._meta.db_table == table)
        with connection.schema_editor() as schema_editor:
            _stamp_install(schema_editor, model)
    return restored


def _names(schema_editor, model) -> dict[str, str]:
    quote = schema_editor.quote_name
    table = model._meta.db_table
    return {"table": quote(table), "trigger": f"{table}_change_stamp", "pk": quote(model._meta.pk.column)}
