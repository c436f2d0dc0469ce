# The service's answer to an interception, as a message (config.messages) when Order Hub wrote it, so that each
# reader sees it in their language. Nullable: rows written before, and the carrier's own answers, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0018_waybill_attempt_message_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalshipmentinterception',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="carrier's answer (to translate)"),
        ),
        migrations.AddField(
            model_name='shipmentinterception',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="carrier's answer (to translate)"),
        ),
    ]
