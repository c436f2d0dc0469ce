"""The default buyer notification templates (integrations.notify.defaults), one per moment and channel."""

from django.db import migrations


def templates_add(apps, schema_editor):
    from integrations.notify.defaults import default_rows

    Template = apps.get_model("integrations", "NotificationTemplate")
    for row in default_rows():
        Template.objects.get_or_create(moment=row["moment"], channel=row["channel"], shop=None, defaults=row)


def templates_remove(apps, schema_editor):
    apps.get_model("integrations", "NotificationTemplate").objects.filter(shop=None).delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0013_buyer_notifications")]

    operations = [migrations.RunPython(templates_add, templates_remove)]
