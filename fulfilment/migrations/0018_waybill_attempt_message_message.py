# What an e-waybill attempt came to, as a message (config.messages), so that each reader sees it in their language.
# Nullable: rows written before, and attempts that went through, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0017_shipment_block_message_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalwaybillattempt',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='message (to translate)'),
        ),
        migrations.AddField(
            model_name='waybillattempt',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='message (to translate)'),
        ),
    ]
