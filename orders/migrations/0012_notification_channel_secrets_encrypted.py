"""Notification channels keep their webhook URL (it carries the robot's credential) and signing secret
encrypted, like every other credential: new encrypted columns, the values copied across, the plain ones dropped."""

import django.core.validators
from django.db import migrations

import config.fields

FIELDS = (("webhook_url", "webhook_url_encrypted"), ("secret", "secret_encrypted"))


def _copy(apps, source: int, target: int):
    Channel = apps.get_model("orders", "NotificationChannel")
    for channel in Channel.objects.all():
        for pair in FIELDS:
            setattr(channel, pair[target], getattr(channel, pair[source]))
        channel.save(update_fields=[pair[target] for pair in FIELDS])


def encrypt(apps, schema_editor):
    _copy(apps, 0, 1)


def decrypt(apps, schema_editor):
    _copy(apps, 1, 0)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0011_order_buyer_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="notificationchannel",
            name="webhook_url_encrypted",
            field=config.fields.EncryptedTextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="notificationchannel",
            name="secret_encrypted",
            field=config.fields.EncryptedTextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="notificationchannel", name="webhook_url"),
        migrations.RemoveField(model_name="notificationchannel", name="secret"),
        migrations.RenameField(model_name="notificationchannel", old_name="webhook_url_encrypted", new_name="webhook_url"),
        migrations.RenameField(model_name="notificationchannel", old_name="secret_encrypted", new_name="secret"),
        migrations.AlterField(
            model_name="notificationchannel",
            name="webhook_url",
            field=config.fields.EncryptedTextField(
                blank=True,
                help_text="DingTalk: …/robot/send?access_token=…; WeCom: …/webhook/send?key=… (the key is the secret).",
                validators=[django.core.validators.URLValidator(schemes=["https", "http"])],
                verbose_name="webhook URL",
            ),
        ),
        migrations.AlterField(
            model_name="notificationchannel",
            name="secret",
            field=config.fields.EncryptedTextField(
                blank=True, help_text="DingTalk 加签 secret (SEC…).", verbose_name="signing secret"
            ),
        ),
    ]
