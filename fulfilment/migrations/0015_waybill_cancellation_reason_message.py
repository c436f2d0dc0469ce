# Why a waybill number is given back, as a message (config.messages), so that each reader sees it in their language.
# Nullable: rows written before, and reasons people gave, have none.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fulfilment', '0014_published_douyin_wechat_pdd_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalwaybillcancellation',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
        migrations.AddField(
            model_name='waybillcancellation',
            name='reason_message',
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name='reason (to translate)'),
        ),
    ]
