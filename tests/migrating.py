"""Running the database to a given migration and back, for tests of what a migration does to existing rows.

``migrate_to([("app", "0005_name")])`` applies or unapplies migrations until exactly those are the newest, and
returns the app registry of that state: write rows with its models before a migration, read them with the models
after. ``migrate_to_newest()`` leaves the database as the rest of the tests expect it. The tests that use them need
``pytest.mark.django_db(transaction=True)``.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_newest():
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
