"""Deppon's Douyin and WeChat codes, 百世快运's WeChat code, J&T's Pinduoduo e-waybill code and 百世快递 on Douyin
follow the platforms' lists as shops received them (published as seed data by an open-source ERP:
github.com/zeasin/qihang-ai-erp, docs/sql/init-logistics-company.sql, table ``erp_logistics_company``; see
``_verified`` in fulfilment/data/carriers.json).

Douyin's list names 德邦快递 ``debangwuliu`` and 德邦快运 ``debangkuaiyun`` and has no 百世快递; WeChat's carrier list
names 德邦快递 ``DBL`` and 百世快运 ``BTWL`` (``BEST`` is 百世快递 in WeChat's logistics-assistant list); Pinduoduo's
names 极兔速递 384 ``JTSD``.

A database loaded from the earlier carrier library has 德邦快递 (DBL) at Douyin ``debangkuaidi`` and WeChat ``DB``,
德邦物流 (DBWL) at Douyin ``debangwuliu``, 百世快运 (BESTKY) at WeChat ``BEST``, J&T at Pinduoduo e-waybill ``JTKD``
and 百世快递 (BEST) at Douyin ``huitongkuaidi``. They become DBL ``debangwuliu`` / ``DBL``, DBWL ``debangkuaiyun``,
BESTKY ``BTWL`` and J&T ``JTSD``; BEST's Douyin code goes. Codes staff set to something else are left alone. The
codes the library adds (WeChat's for J&T, postal parcels, Best and others; 邮政电商标快 on Pinduoduo and Douyin) come
with ``carriers_sync``.
"""

from django.db import migrations

from fulfilment.migrations._codes import drop, recode, restore


def forward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    # DBWL first: DBL takes the code DBWL gives up.
    recode(code, carrier="DBWL", platform="douyin", before="debangwuliu", after="debangkuaiyun")
    recode(code, carrier="DBL", platform="douyin", before="debangkuaidi", after="debangwuliu")
    recode(code, carrier="DBL", platform="wechat", before="DB", after="DBL")
    recode(code, carrier="BESTKY", platform="wechat", before="BEST", after="BTWL")
    recode(code, carrier="JT", platform="pdd_waybill", before="JTKD", after="JTSD")
    drop(code, carrier="BEST", platform="douyin", code="huitongkuaidi")


def backward(apps, schema_editor):
    code = apps.get_model("fulfilment", "CarrierPlatformCode")
    restore(code, carrier="BEST", platform="douyin", code="huitongkuaidi")
    recode(code, carrier="JT", platform="pdd_waybill", before="JTSD", after="JTKD")
    recode(code, carrier="BESTKY", platform="wechat", before="BTWL", after="BEST")
    recode(code, carrier="DBL", platform="wechat", before="DBL", after="DB")
    recode(code, carrier="DBL", platform="douyin", before="debangwuliu", after="debangkuaidi")
    recode(code, carrier="DBWL", platform="douyin", before="debangkuaiyun", after="debangwuliu")


class Migration(migrations.Migration):
    dependencies = [("fulfilment", "0013_tracking_push_and_report_claimed_at")]

    operations = [migrations.RunPython(forward, backward)]
