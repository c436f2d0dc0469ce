# The ledger reason as a message (config.messages), so that each reader sees it in their language. Nullable: the
# reservation statements (inventory.locks) insert ledger rows without it, and rows written before have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_stock_alerts_into_orders_alert'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalstockmovement',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
        migrations.AddField(
            model_name='stockmovement',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
    ]
