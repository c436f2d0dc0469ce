"""Shipping alerts become alerts of orders' one alert model (kind shipping_incident, keyed by the work item,
open while it is, red from level 3); then the model is dropped."""

from django.db import migrations



def forward(apps, schema_editor):
    ShippingAlert = apps.get_model("fulfilment", "Alert")
    Alert = apps.get_model("orders", "Alert")
    opened: set[int] = set()
    for old in ShippingAlert.objects.select_related("work_item", "work_item__order").order_by("pk"):
        item = old.work_item
        still_open = item.status == "open" and item.pk not in opened
        opened.add(item.pk)
        alert = Alert.objects.create(
            kind="shipping_incident",
            key=f"incident:{item.pk}",
            severity="critical" if old.level >= 3 else "warning",
            order_id=item.order_id,
            shop_id=item.order.shop_id,
            title=old.message[:200],
            message=old.message,
            detail={"level": old.level, "incident": item.kind, "work_item_id": item.pk, "shipment_id": item.shipment_id},
            resolved_at=None if still_open else (item.resolved_at or old.acknowledged_at or old.created_at),
            acknowledged_at=old.acknowledged_at,
            acknowledged_by_id=old.acknowledged_by_id,
            notified_severity="critical" if old.level >= 3 else "warning",
        )
        Alert.objects.filter(pk=alert.pk).update(created_at=old.created_at)


def backward(apps, schema_editor):
    ShippingAlert = apps.get_model("fulfilment", "Alert")
    WorkItem = apps.get_model("fulfilment", "WorkItem")
    Alert = apps.get_model("orders", "Alert")
    for alert in Alert.objects.filter(kind="shipping_incident").order_by("pk"):
        item = WorkItem.objects.filter(pk=alert.detail.get("work_item_id")).first()
        if item is not None:
            ShippingAlert.objects.create(
                work_item=item,
                level=alert.detail.get("level", item.level),
                message=alert.title[:255],
                acknowledged_at=alert.acknowledged_at,
                acknowledged_by_id=alert.acknowledged_by_id,
            )
        alert.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0015_alert_subjects_and_every_kind'),
        ('fulfilment', '0008_report_delivery'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(
            model_name='historicalalert',
            name='acknowledged_by',
        ),
        migrations.RemoveField(
            model_name='historicalalert',
            name='history_user',
        ),
        migrations.RemoveField(
            model_name='historicalalert',
            name='work_item',
        ),
        migrations.DeleteModel(
            name='Alert',
        ),
        migrations.DeleteModel(
            name='HistoricalAlert',
        ),
    ]
