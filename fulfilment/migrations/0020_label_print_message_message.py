# Why a label did not print, as a message (config.messages) when Order Hub said it, so that each reader sees it in
# their language. Nullable: rows written before, and the print component's own messages, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0019_shipment_interception_message_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicallabelprint',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='message (to translate)'),
        ),
        migrations.AddField(
            model_name='labelprint',
            name='message_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='message (to translate)'),
        ),
    ]
