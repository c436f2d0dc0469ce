"""J&T's JD id, JD's 1748 and Yunda's WeChat code follow the platforms' published lists.

JD's delivery-company list (the answer a shop gets from JD, published as seed data by an open-source ERP:
github.com/zeasin/qihangerp-oms, doc/sql/qihang-oms.sql, table ``sys_logistics_company``, platform 2 = 京东) names
极兔速递 1255654 and 百世快运 1748; it has no 百世快递. WeChat's carrier list for mini-programs (``get_delivery_list``,
https://developers.weixin.qq.com/miniprogram/dev/server/API/weixin-express/express-msg/api_get_delivery_list)
names 韵达速递 ``YD``.

A database loaded from the earlier carrier library has J&T at JD 880163, 百世快递 (BEST) at JD 1748 and Yunda at
WeChat ``YUNDA``. J&T's JD id becomes 1255654, JD's 1748 moves to 百世快运 (BESTKY) — or goes, when 百世快运 already
has a JD id of its own — and Yunda's WeChat code becomes ``YD``. Codes staff set to something else are left alone.
"""

from django.db import migrations


def _recode(code_model, *, carrier, platform, before, after):
    """``carrier``'s ``before`` becomes ``after`` unless staff gave ``after`` to a carrier already."""
    if not code_model.objects.filter(platform=platform, code=after).exists():
        code_model.objects.filter(carrier__code=carrier, platform=platform, code=before).update(code=after)


def _move(code_model, *, platform, code, source, target, drop_when_taken):
    """The row ``source`` holds with ``code`` on ``platform`` goes to ``target``. When ``target`` already has a code
    there (one per carrier and platform) the row is dropped if ``drop_when_taken``, else left where it is."""
    row = code_model.objects.filter(carrier__code=source, platform=platform, code=code).first()
    if row is None:
        return
    carrier = code_model._meta.get_field("carrier").related_model
    target_carrier = carrier.objects.filter(code=target).first()
    if target_carrier is None or code_model.objects.filter(carrier=target_carrier, platform=platform).exists():
        if drop_when_taken:
            row.delete()
        return
    row.carrier = target_carrier
    row.save(update_fields=["carrier"])


def forward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    _recode(code, carrier="JT", platform="jd", before="880163", after="1255654")
    _move(code, platform="jd", code="1748", source="BEST", target="BESTKY", drop_when_taken=True)
    _recode(code, carrier="YD", platform="wechat", before="YUNDA", after="YD")


def backward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    _recode(code, carrier="JT", platform="jd", before="1255654", after="880163")
    _move(code, platform="jd", code="1748", source="BESTKY", target="BEST", drop_when_taken=False)
    _recode(code, carrier="YD", platform="wechat", before="YD", after="YUNDA")


class Migration(migrations.Migration):
    dependencies = [("fulfilment", "0011_interception_reason_message")]

    operations = [migrations.RunPython(forward, backward)]
