# Why a parcel's label is blocked, as a message (config.messages), so that each reader sees it in their language.
# Nullable: rows written before have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0016_waybill_cancellation_claimed_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalshipment',
            name='block_message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='block detail (to translate)'),
        ),
        migrations.AddField(
            model_name='shipment',
            name='block_message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='block detail (to translate)'),
        ),
    ]
