"""Migration ``fulfilment.0012_published_jd_and_wechat_codes`` corrects codes an earlier carrier library loaded.

The database is taken back to ``0011``, the carriers are written as the earlier library had them (J&T at JD 880163,
百世快递 at JD 1748, Yunda at WeChat ``YUNDA``), the migration runs and the codes are read back: J&T is JD 1255654,
JD's 1748 is 百世快运's and Yunda is WeChat's ``YD``. Codes staff had changed stay as they were. Going back to
``0011`` restores the earlier codes.
"""

import pytest

from tests.fulfilment.carrier_rows import carrier_codes, carriers_write
from tests.migrating import migrate_to, migrate_to_newest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = ("fulfilment", "0011_interception_reason_message")
AFTER = ("fulfilment", "0012_published_jd_and_wechat_codes")


@pytest.fixture
def at_0011():
    apps = migrate_to([BEFORE])
    yield apps
    migrate_to_newest()


def _codes(apps):
    return carrier_codes(apps, ["jd", "wechat"])


def test_earlier_codes_become_the_published_ones_and_come_back(at_0011):
    carriers_write(
        at_0011,
        {
            "JT": {"jd": "880163", "taobao": "HTKY"},
            "BEST": {"jd": "1748", "pdd": "3"},
            "BESTKY": {"wechat": "BEST", "pdd": "229"},
            "YD": {"jd": "1327", "wechat": "YUNDA"},
        },
    )
    before = _codes(at_0011)

    after = _codes(migrate_to([AFTER]))
    assert after == {
        ("JT", "jd"): "1255654",
        ("BESTKY", "jd"): "1748",
        ("BESTKY", "wechat"): "BEST",
        ("YD", "jd"): "1327",
        ("YD", "wechat"): "YD",
    }

    assert _codes(migrate_to([BEFORE])) == before


def test_codes_staff_changed_are_left_alone(at_0011):
    carriers_write(
        at_0011,
        {
            "JT": {"jd": "555555"},
            "BEST": {"jd": "1748"},
            "BESTKY": {"jd": "666666"},
            "YD": {"wechat": "YUNDA-KD"},
        },
    )
    after = _codes(migrate_to([AFTER]))
    # J&T's and 百世快运's JD ids and Yunda's WeChat code were set by staff and stay. 1748 is the earlier library's
    # id for 百世快递, 百世快运's in JD's list; it cannot move to 百世快运, which has an id of its own, so it goes.
    assert after == {("JT", "jd"): "555555", ("BESTKY", "jd"): "666666", ("YD", "wechat"): "YUNDA-KD"}
