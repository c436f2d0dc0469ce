# Every writer of ledger rows now fills the reason as a message ({} for a reason people typed), the reservation
# statements in inventory.locks included; the model's default fills it for any other ORM write. No SQL on
# PostgreSQL (Django keeps defaults in Python). The column stays nullable in this release: the release before it
# still writes None, and rows written before carry None (docs/deployment.md: NOT NULL once back-filled, one
# release later).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0009_stock_movement_reason_message'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalstockmovement',
            name='reason_message',
            field=models.JSONField(blank=True, default=dict, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
        migrations.AlterField(
            model_name='stockmovement',
            name='reason_message',
            field=models.JSONField(blank=True, default=dict, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
    ]
