"""Indexes for the order lists at a million orders (docs/performance.md, "API and back office at scale").

- (status, shop, created_at) replaces (status, shop): a list filtered by status and shop reads one page of the
  index newest first instead of sorting every matching order; it still serves every query (status, shop) did.
- consignee_phone (erased phones left out): the search by a full phone number.
- PostgreSQL only: pg_trgm and a trigram GIN index on the search text (orders.models.orders.SEARCH_TEXT_SQL,
  copied here as it is today), so ``UPPER(text) LIKE UPPER('%q%')`` does not read every order. pg_trgm is a
  trusted extension: the database owner may create it (PostgreSQL ≥ 13).
"""

from django.db import migrations, models

SEARCH_TEXT_SQL = (
    "' ' || \"orders_order\".\"number\" || ' ' || \"orders_order\".\"external_id\" || ' ' || "
    "\"orders_order\".\"buyer_nick\" || ' ' || \"orders_order\".\"consignee_name\" || ' '"
)


def search_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS order_search_trgm_idx ON orders_order USING gin ((UPPER({SEARCH_TEXT_SQL})) gin_trgm_ops)"
    )


def search_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS order_search_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0003_lean_ledger_indexes'),
        ('orders', '0005_presale_terms_from_platforms'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='order_status_shop_idx',
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['status', 'shop', 'created_at'], name='order_status_shop_created_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('consignee_phone', ''), _negated=True), fields=['consignee_phone'], name='order_consignee_phone_idx'),
        ),
        migrations.RunPython(search_index_create, search_index_drop),
    ]
