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

from fulfilment.migrations._codes import move, recode


def forward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    recode(code, carrier="JT", platform="jd", before="880163", after="1255654")
    move(code, platform="jd", code="1748", source="BEST", target="BESTKY", drop_when_taken=True)
    recode(code, carrier="YD", platform="wechat", before="YUNDA", after="YD")


def backward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    recode(code, carrier="JT", platform="jd", before="1255654", after="880163")
    move(code, platform="jd", code="1748", source="BESTKY", target="BEST", drop_when_taken=False)
    recode(code, carrier="YD", platform="wechat", before="YD", after="YUNDA")


class Migration(migrations.Migration):
    dependencies = [("fulfilment", "0011_interception_reason_message")]

    operations = [migrations.RunPython(forward, backward)]
