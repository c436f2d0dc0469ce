"""邮政电商标快 (EMSBK) loses the codes that belong to 邮政标准快递, a different China Post product.

Pinduoduo's id 324 and Kuaidi100's ``youzhengbk`` name 邮政标准快递 (pdd.logistics.companies.get as published in
public code; Kuaidi100 tables keep ``youzhengbk`` 邮政标准快递 apart from ``youzhengdsbk`` 邮政电商标快). A database
loaded from the earlier carrier library has them on EMSBK: the Pinduoduo id goes (a shop's own list decides it)
and the Kuaidi100 code becomes ``youzhengdsbk``. Codes staff set to something else are left alone.
"""

from django.db import migrations


def forward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    code.objects.filter(carrier__code="EMSBK", platform="pdd", code="324").delete()
    code.objects.filter(carrier__code="EMSBK", platform="kuaidi100", code="youzhengbk").update(code="youzhengdsbk")


def backward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    code.objects.filter(carrier__code="EMSBK", platform="kuaidi100", code="youzhengdsbk").update(code="youzhengbk")


class Migration(migrations.Migration):
    dependencies = [("fulfilment", "0009_shipping_alerts_into_orders_alert")]

    operations = [migrations.RunPython(forward, backward)]
