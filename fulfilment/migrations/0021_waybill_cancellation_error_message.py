# Why a number could not be given back, as a message (config.messages) where the words are Order Hub's, so that
# each reader sees it in their language. Nullable: rows written before, and errors in the service's words, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0020_label_print_message_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalwaybillcancellation',
            name='error_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='last error (to translate)'),
        ),
        migrations.AddField(
            model_name='waybillcancellation',
            name='error_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='last error (to translate)'),
        ),
    ]
