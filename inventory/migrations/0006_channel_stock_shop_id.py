"""Channel rows name their shop by id: the foreign key to orders' Shop becomes a plain indexed column.

The column (``shop_id``), its index and the (shop, SKU) unique constraint stay as they are, with their data;
only the database foreign key constraint goes (inventory does not reference orders; a deleted shop's rows are
deleted by orders through ``inventory.services.channel_stock_forget_shop``). Reversible: the constraint comes
back.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('inventory', '0005_follow_changes'),
        ('orders', '0001_shops_orders_lifecycle'),
    ]

    operations = [
        # In the database: drop the foreign key constraint, keep the column and its index.
        migrations.AlterField(
            model_name='channelstock',
            name='shop',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orders.shop', verbose_name='shop'),
        ),
        migrations.AlterField(
            model_name='historicalchannelstock',
            name='shop',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orders.shop', verbose_name='shop'),
        ),
        # In the model state only: the same column is now a plain integer field named shop_id.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name='channelstock', name='channelstock_unique_shop_sku'),
                migrations.RemoveField(model_name='channelstock', name='shop'),
                migrations.AddField(
                    model_name='channelstock',
                    name='shop_id',
                    field=models.BigIntegerField(db_index=True, verbose_name='shop'),
                    preserve_default=False,
                ),
                migrations.AddConstraint(
                    model_name='channelstock',
                    constraint=models.UniqueConstraint(fields=('shop_id', 'sku'), name='channelstock_unique_shop_sku'),
                ),
                migrations.AlterModelOptions(
                    name='channelstock',
                    options={'ordering': ['sku', 'shop_id'], 'verbose_name': 'channel stock', 'verbose_name_plural': 'channel stock'},
                ),
                migrations.RemoveField(model_name='historicalchannelstock', name='shop'),
                migrations.AddField(
                    model_name='historicalchannelstock',
                    name='shop_id',
                    field=models.BigIntegerField(db_index=True, verbose_name='shop'),
                    preserve_default=False,
                ),
            ],
        ),
    ]
