# A comment Order Hub writes on a difference, as a message (config.messages): each reader sees it in their language.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0003_difference_detail_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='differencecomment',
            name='body_message',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='comment (to translate)'),
        ),
        migrations.AddField(
            model_name='historicaldifferencecomment',
            name='body_message',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='comment (to translate)'),
        ),
    ]
