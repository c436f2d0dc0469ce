# An interception's reason as a message (config.messages), so that each reader sees it in their language.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0010_emsbk_platform_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalshipmentinterception',
            name='reason_message',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='reason (to translate)'),
        ),
        migrations.AddField(
            model_name='shipmentinterception',
            name='reason_message',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='reason (to translate)'),
        ),
    ]
