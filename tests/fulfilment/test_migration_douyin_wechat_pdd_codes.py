"""Migration ``fulfilment.0014_published_douyin_wechat_pdd_codes`` corrects codes an earlier carrier library loaded.

The database is taken back to ``0013``, the carriers are written as the earlier library had them (德邦快递 at Douyin
``debangkuaidi`` and WeChat ``DB``, 德邦物流 at Douyin ``debangwuliu``, 百世快运 at WeChat ``BEST``, J&T at Pinduoduo
e-waybill ``JTKD``, 百世快递 at Douyin ``huitongkuaidi``), the migration runs and the codes are read back as the
platforms' lists have them. Codes staff had changed stay as they were. Going back to ``0013`` restores the earlier
codes.
"""

import pytest

from tests.fulfilment.carrier_rows import carrier_codes, carriers_write
from tests.migrating import migrate_to, migrate_to_newest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = ("fulfilment", "0013_tracking_push_and_report_claimed_at")
AFTER = ("fulfilment", "0014_published_douyin_wechat_pdd_codes")
EARLIER = {
    "DBL": {"douyin": "debangkuaidi", "wechat": "DB", "kuaidi100": "debangkuaidi"},
    "DBWL": {"douyin": "debangwuliu", "kuaidi100": "debangwuliu"},
    "BESTKY": {"wechat": "BEST", "pdd": "229"},
    "JT": {"pdd_waybill": "JTKD", "douyin": "jtexpress"},
    "BEST": {"douyin": "huitongkuaidi", "pdd": "3"},
}


@pytest.fixture
def at_0013():
    apps = migrate_to([BEFORE])
    yield apps
    migrate_to_newest()


def test_earlier_codes_become_the_published_ones_and_come_back(at_0013):
    carriers_write(at_0013, EARLIER)
    before = carrier_codes(at_0013)

    after = carrier_codes(migrate_to([AFTER]))
    assert after == {
        ("DBL", "douyin"): "debangwuliu",
        ("DBL", "wechat"): "DBL",
        ("DBL", "kuaidi100"): "debangkuaidi",
        ("DBWL", "douyin"): "debangkuaiyun",
        ("DBWL", "kuaidi100"): "debangwuliu",
        ("BESTKY", "wechat"): "BTWL",
        ("BESTKY", "pdd"): "229",
        ("JT", "pdd_waybill"): "JTSD",
        ("JT", "douyin"): "jtexpress",
        ("BEST", "pdd"): "3",
    }

    assert carrier_codes(migrate_to([BEFORE])) == before


def test_codes_staff_changed_are_left_alone(at_0013):
    carriers_write(
        at_0013,
        {
            "DBL": {"douyin": "deppon-dy", "wechat": "DEPPON"},
            "DBWL": {"douyin": "debangwuliu"},
            "BESTKY": {"wechat": "BEST-KY"},
            "JT": {"pdd_waybill": "JT-WP"},
            "BEST": {"douyin": "best-dy"},
        },
    )
    after = carrier_codes(migrate_to([AFTER]))
    # Only 德邦物流's Douyin code was the earlier library's; the others were set by staff and stay.
    assert after == {
        ("DBL", "douyin"): "deppon-dy",
        ("DBL", "wechat"): "DEPPON",
        ("DBWL", "douyin"): "debangkuaiyun",
        ("BESTKY", "wechat"): "BEST-KY",
        ("JT", "pdd_waybill"): "JT-WP",
        ("BEST", "douyin"): "best-dy",
    }


def test_a_code_staff_gave_another_carrier_is_not_taken_from_it(at_0013):
    # Staff gave 德邦快运's debangkuaiyun to another carrier: 德邦物流 keeps debangwuliu, so 德邦快递 cannot take it.
    carriers_write(at_0013, {**EARLIER, "DBKY": {"douyin": "debangkuaiyun"}})
    after = carrier_codes(migrate_to([AFTER]))
    assert (after[("DBWL", "douyin")], after[("DBL", "douyin")]) == ("debangwuliu", "debangkuaidi")
    assert after[("DBKY", "douyin")] == "debangkuaiyun"
