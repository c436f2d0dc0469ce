"""Alert robots become notification channels (orders' one channel model): each robot is copied with its kind,
URL and secret, taking the shop health alerts it received before (its alert kinds), then the model is dropped."""

from django.db import migrations

HEALTH_KINDS = [
    "token_expiry",
    "token_refresh",
    "cert_expiry",
    "count_gap",
    "failures",
    "callback_failures",
    "lag",
    "dead_letters",
    "waybill_balance",
    "webhook_paused",
]


def robots_to_channels(apps, schema_editor):
    Robot = apps.get_model("integrations", "AlertRobot")
    Channel = apps.get_model("orders", "NotificationChannel")
    for robot in Robot.objects.order_by("pk"):
        Channel.objects.create(
            name=robot.name,
            kind=robot.kind,
            webhook_url=robot.webhook_url,
            secret=robot.secret,
            min_severity="info",
            alert_kinds=HEALTH_KINDS,
            is_active=robot.is_enabled,
        )


def channels_to_robots(apps, schema_editor):
    Robot = apps.get_model("integrations", "AlertRobot")
    Channel = apps.get_model("orders", "NotificationChannel")
    for channel in Channel.objects.filter(kind__in=["dingtalk", "wecom"], alert_kinds=HEALTH_KINDS).order_by("pk"):
        Robot.objects.create(
            name=channel.name,
            kind=channel.kind,
            webhook_url=channel.webhook_url,
            secret=channel.secret,
            is_enabled=channel.is_active,
        )
        channel.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0017_payment_notices"),
        ("orders", "0012_notification_channel_secrets_encrypted"),
    ]

    operations = [
        migrations.RunPython(robots_to_channels, channels_to_robots),
        migrations.DeleteModel(name="HistoricalAlertRobot"),
        migrations.DeleteModel(name="AlertRobot"),
    ]
