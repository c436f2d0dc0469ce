"""Stock alerts become alerts of orders' one alert model (kind safety_stock, keyed by the SKU, the threshold,
available and paused shops in the details); then the model is dropped."""

from django.db import migrations



def forward(apps, schema_editor):
    StockAlert = apps.get_model("inventory", "StockAlert")
    Alert = apps.get_model("orders", "Alert")
    for old in StockAlert.objects.select_related("sku").order_by("pk"):
        detail = {"threshold": old.threshold, "available": old.available, "paused_shops": old.paused_shops}
        alert = Alert.objects.create(
            kind="safety_stock",
            key=f"safety_stock:{old.sku_id}",
            severity="warning",
            sku_id=old.sku_id,
            title=f"{old.sku.code} 已到安全库存：可用 {old.available}，阈值 {old.threshold}"[:200],
            detail={**detail, "sku": old.sku.code},
            resolved_at=old.resolved_at,
            notified_severity="warning",
        )
        Alert.objects.filter(pk=alert.pk).update(created_at=old.opened_at)


def backward(apps, schema_editor):
    StockAlert = apps.get_model("inventory", "StockAlert")
    Alert = apps.get_model("orders", "Alert")
    for alert in Alert.objects.filter(kind="safety_stock").order_by("pk"):
        StockAlert.objects.create(
            sku_id=alert.sku_id,
            threshold=alert.detail.get("threshold", 0),
            available=alert.detail.get("available", 0),
            paused_shops=alert.detail.get("paused_shops", []),
            opened_at=alert.created_at,
            resolved_at=alert.resolved_at,
        )
        alert.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0015_alert_subjects_and_every_kind'),
        ('inventory', '0007_damaged_pool'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(
            name='HistoricalStockAlert',
        ),
        migrations.DeleteModel(
            name='StockAlert',
        ),
    ]
