# An order's hold note and a review task's reason as messages (config.messages), so that each reader sees them in their
# language. Nullable: rows written before, and notes people typed, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0017_alert_deliveries_and_channel_quiet_hours'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalorder',
            name='hold_note_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='hold note (to translate)'),
        ),
        migrations.AddField(
            model_name='historicalreviewtask',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
        migrations.AddField(
            model_name='order',
            name='hold_note_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='hold note (to translate)'),
        ),
        migrations.AddField(
            model_name='reviewtask',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
    ]
