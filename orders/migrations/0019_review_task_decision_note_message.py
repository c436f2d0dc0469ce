# A review task's decision note, as a message (config.messages), so that each reader sees it in their language.
# Nullable: rows written before, and notes people typed, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0018_order_hold_note_and_review_reason_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalreviewtask',
            name='decision_note_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='decision note (to translate)'),
        ),
        migrations.AddField(
            model_name='reviewtask',
            name='decision_note_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='decision note (to translate)'),
        ),
    ]
