import json

import pytest

from fulfilment.carriers import carrier_get, carrier_platform_code
from fulfilment.carriers.library import DATA_FILE, carrier_data
from fulfilment.exceptions import CarrierNotMapped, UnknownCarrier
from fulfilment.models import Carrier, CarrierPlatformCode
from fulfilment.services import carrier_platform_code_set, carriers_sync
from tests.samples import SAMPLES

pytestmark = pytest.mark.django_db


def test_library_has_at_least_fifty_chinese_carriers_with_the_standard_codes(carriers):
    codes = set(Carrier.objects.values_list("code", flat=True))
    assert len(codes) >= 50
    assert {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS", "DBL", "JT", "POSTB"} <= codes


# Codes of the shared sample that the platforms' published lists contradict (see "_verified" in the bundled file):
# Douyin's list names 德邦快递 debangwuliu (debangkuaidi is Kuaidi100's code).
CORRECTED_SINCE_THE_SAMPLE = {("DBL", "douyin"): ("debangkuaidi", "debangwuliu")}


def test_bundled_file_starts_from_the_shared_sample_unchanged_but_for_published_corrections():
    shared = json.loads((SAMPLES / "carriers.json").read_text())
    ours = {c["code"]: c for c in json.loads(DATA_FILE.read_text())["carriers"]}
    for row in shared["carriers"]:
        for key in ("name", "taobao", "douyin", "kuaidi100", "kdniao"):
            sample, corrected = CORRECTED_SINCE_THE_SAMPLE.get((row["code"], key), (row[key], row[key]))
            assert row[key] == sample, (row["code"], key)
            assert ours[row["code"]][key] == corrected, (row["code"], key)


def test_a_platform_code_names_exactly_one_carrier_in_the_bundled_file():
    carriers = json.loads(DATA_FILE.read_text())["carriers"]
    for platform in ("taobao", "jd", "pdd", "douyin", "wechat", "shopify", "kuaidi100", "kdniao"):
        codes = [c[platform] for c in carriers if c.get(platform)]
        assert len(codes) == len(set(codes)), platform


def test_sync_is_idempotent_and_keeps_codes_staff_changed(carriers):
    before = CarrierPlatformCode.objects.count()
    carrier_platform_code_set(carrier_code="SF", platform="taobao", code="SF-EDITED")
    assert carriers_sync()["created"] == 0
    assert CarrierPlatformCode.objects.count() == before
    assert carrier_platform_code(carrier=carrier_get("SF"), platform="taobao") == "SF-EDITED"


def test_yt0_typed_for_yto_is_refused_with_a_suggestion(carriers):
    with pytest.raises(UnknownCarrier) as exc:
        carrier_get("YT0")
    assert "YTO" in exc.value.extra["suggestions"]
    assert "YT0" in exc.value.message


def test_lower_case_or_padded_codes_are_not_carriers_either(carriers):
    with pytest.raises(UnknownCarrier):
        carrier_get("yto")
    assert carrier_get(" YTO ").code == "YTO"


@pytest.mark.parametrize(
    ("carrier", "platform", "code"),
    [
        ("YD", "taobao", "YUNDA"),
        ("YD", "tmall", "YUNDA"),
        ("YD", "douyin", "yunda"),
        ("YD", "kdniao", "YD"),
        ("JT", "taobao", "HTKY"),
        ("DBL", "taobao", "DBKD"),
        ("POSTB", "kdniao", "YZPY"),
        ("SF", "shopify", "SF Express"),
        ("YD", "website", "YD"),
        ("ZTO", "pos", "ZTO"),
        ("POSTB", "wechat", "POSTB"),  # Order Hub tells WeChat nothing: the standard code, not WeChat's YZPY
    ],
)
def test_each_platform_gets_its_own_code_for_the_carrier(carriers, carrier, platform, code):
    assert carrier_platform_code(carrier=carrier_get(carrier), platform=platform) == code


def test_a_platform_without_a_code_for_the_carrier_is_refused_until_one_is_set(carriers):
    kye = carrier_get("KYE")
    with pytest.raises(CarrierNotMapped) as exc:
        carrier_platform_code(carrier=kye, platform="jd")
    assert exc.value.extra == {"carrier": "KYE", "platform": "jd"}
    carrier_platform_code_set(carrier_code="KYE", platform="jd", code="599866")
    assert carrier_platform_code(carrier=kye, platform="jd") == "599866"


# The carriers every merchant ships with: each needs a code on every platform the library maps, or its
# labels are blocked (no_platform_code) on that platform's orders.
COMMON = ("SF", "JD", "YTO", "ZTO", "STO", "YD", "EMS", "POSTB", "JT", "BEST", "DBL")
PLATFORMS = ("taobao", "tmall", "jd", "pdd", "douyin", "shopify", "kuaidi100", "kdniao")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_common_carrier_has_a_code_on_every_platform(carriers, platform):
    missing = []
    for code in COMMON:
        if code == "BEST" and platform in ("taobao", "tmall", "jd", "douyin"):
            # Best Express's network went to J&T: Cainiao's HTKY is J&T's now, JD's list has no 百世快递 (its 1748 is
            # 百世快运) and neither has Douyin's
            continue
        try:
            carrier_platform_code(carrier=carrier_get(code), platform=platform)
        except CarrierNotMapped:
            missing.append(code)
    assert missing == []


@pytest.mark.parametrize(
    ("carrier", "platform", "code"),
    [
        # pdd.logistics.companies.get: https://open.pinduoduo.com/application/document/api?id=pdd.logistics.companies.get
        ("SF", "pdd", "44"),
        ("ZTO", "pdd", "115"),
        ("YTO", "pdd", "85"),
        ("STO", "pdd", "1"),
        ("YD", "pdd", "121"),
        ("POSTB", "pdd", "132"),
        ("JT", "pdd", "384"),
        # JD's logistics-company ids (jingdong.delivery.logistics.get)
        ("SF", "jd", "467"),
        ("ZTO", "jd", "1499"),
        ("YD", "jd", "1327"),
    ],
)
def test_jd_and_pinduoduo_use_their_numeric_logistics_ids(carriers, carrier, platform, code):
    assert carrier_platform_code(carrier=carrier_get(carrier), platform=platform) == code


def test_the_order_rules_choose_from_the_same_library():
    from orders.rules.actions import carrier_names

    assert carrier_names()["BEST"] == "百世快递"
    assert set(carrier_names()) == {row["code"] for row in json.loads(DATA_FILE.read_text())["carriers"]}


def test_setting_a_platform_code_for_a_mistyped_carrier_is_refused(carriers):
    with pytest.raises(UnknownCarrier):
        carrier_platform_code_set(carrier_code="YT0", platform="jd", code="463")


def test_carrier_check_api_rejects_yt0(client, manager, carriers):
    client.force_login(manager)
    response = client.get("/api/v1/carriers/YT0/")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_carrier"
    assert response.json()["extra"]["suggestions"][0] == "YTO"
    assert client.get("/api/v1/carriers/YTO/").json() == {"code": "YTO", "name": "圆通速递"}


def test_carrier_list_api_gives_each_platforms_code(client, manager, carriers):
    client.force_login(manager)
    rows = {row["code"]: row for row in client.get("/api/v1/carriers/").json()}
    assert rows["YD"]["platform_codes"]["taobao"] == "YUNDA"
    assert rows["YD"]["platform_codes"]["douyin"] == "yunda"


# Pinduoduo ids/codes as a pdd.logistics.companies.get response published in public code lists them, and the JD
# logiCoprIds of JD's delivery-company list as a shop received it, most also agreed on by two independent public JD
# integrations (see "_verified" in fulfilment/data/carriers.json).
PDD_PUBLISHED = {
    "SF": ("44", "SF"),
    "ZTO": ("115", "ZTO"),
    "YTO": ("85", "YTO"),
    "STO": ("1", "STO"),
    "YD": ("121", "YUNDA"),
    "JD": ("120", "JD"),
    "EMS": ("118", "EMS"),
    "POSTB": ("132", "YZXB"),
    "JT": ("384", "JTSD"),  # JTKD in the 2020 answer, before J&T was on Pinduoduo
    "DBL": ("131", "DB"),
    "ZJS": ("129", "ZJS"),
    "UC": ("117", "YS"),
    "KYE": ("183", "KYE"),
    "ANE": ("208", "ANNENG"),
    "BEST": ("3", "HT"),
    "TTKD": ("119", "TT"),
    "EMSBK": ("458", "YZDSBK"),  # 邮政电商标快
}
JD_PUBLISHED = {
    "SF": "467",
    "ZTO": "1499",
    "YTO": "463",
    "STO": "470",
    "YD": "1327",
    "EMS": "465",
    "DBL": "3046",
    "JD": "2087",
    "POSTB": "2170",  # 邮政快递 in a third public integration's JD ship-confirmation table
    # JD's delivery-company list as a shop received it (open-source ERP seed, see "_verified")
    "JT": "1255654",
    "ZJS": "1409",
    "UC": "1747",
    "BESTKY": "1748",  # 百世快运
    "JDKY": "773574",
    "ZYKD": "881232",
    "EMSBK": "2124945",
}


def test_pdd_and_jd_codes_match_the_platforms_published_lists():
    rows = {row["code"]: row for row in carrier_data()["carriers"]}
    assert {code: (rows[code]["pdd"], rows[code]["pdd_waybill"]) for code in PDD_PUBLISHED} == PDD_PUBLISHED
    assert {code: rows[code]["jd"] for code in JD_PUBLISHED} == JD_PUBLISHED
    assert rows["BEST"]["jd"] is None  # JD's list has no 百世快递
    assert (rows["ZTKY"]["pdd"], rows["CRE"]["pdd"]) == ("332", "214")  # 中铁快运, 中铁物流 by name


def test_youzheng_dianshang_biaokuai_confirms_with_its_own_codes_not_youzheng_biaozhun_kuaidis(carriers):
    """Pinduoduo's 324 and Kuaidi100's youzhengbk are 邮政标准快递, another China Post product: 邮政电商标快 (EMSBK)
    is 458 (wp_code YZDSBK) in Pinduoduo's list, yzdsbk in Douyin's and youzhengdsbk at Kuaidi100."""
    emsbk = carrier_get("EMSBK")
    assert emsbk.name == "邮政电商标快"
    assert carrier_platform_code(carrier=emsbk, platform="pdd") == "458"
    assert carrier_platform_code(carrier=emsbk, platform="pdd_waybill") == "YZDSBK"
    assert carrier_platform_code(carrier=emsbk, platform="douyin") == "yzdsbk"
    assert carrier_platform_code(carrier=emsbk, platform="kuaidi100") == "youzhengdsbk"


def test_jt_confirms_to_jd_with_jds_own_id_and_best_express_is_refused_there(carriers):
    """A J&T parcel confirmed to JD carries 极兔速递's id in JD's list (1255654). 1748 is 百世快运's, so a 百世快递
    parcel on a JD order asks for the shop's own id instead of being reported as Best's freight service."""
    assert carrier_platform_code(carrier=carrier_get("JT"), platform="jd") == "1255654"
    assert carrier_platform_code(carrier=carrier_get("BESTKY"), platform="jd") == "1748"
    with pytest.raises(CarrierNotMapped):
        carrier_platform_code(carrier=carrier_get("BEST"), platform="jd")


# WeChat's carrier list (get_delivery_list; the express_company a mini-program's backend uploads): YD as WeChat's page
# for the list gives it, SF/YTO/ZTO/STO as in the excerpt WeChat's staff posted, the rest as in the whole list a WeChat
# shop received (see "_verified"). YUNDA, DB and BEST are the codes of WeChat's older logistics-assistant list.
WECHAT_PUBLISHED = {
    "SF": "SF",
    "YTO": "YTO",
    "ZTO": "ZTO",
    "STO": "STO",
    "YD": "YD",
    "JD": "JD",
    "EMS": "EMS",
    "ZJS": "ZJS",
    "DBL": "DBL",
    "BESTKY": "BTWL",  # 百世快运
    "BEST": "HTKY",  # 百世快递
    "JT": "JTSD",
    "POSTB": "YZPY",
    "UC": "UC",
    "DN": "DNWL",
    "JDKY": "JDKY",
    "ZYKD": "ZYE",
    "KYE": "KYSY",
    "ANE": "ANEKY",
    "YDKY": "YDKY",
    "ZTOKY": "ZTOKY",
    "DBWL": "DBLKY",  # 德邦快运/德邦物流
}
# Douyin's logistics-company list as a shop received it (see "_verified").
DOUYIN_PUBLISHED = {
    "SF": "shunfeng",
    "ZTO": "zhongtong",
    "YTO": "yuantong",
    "STO": "shentong",
    "YD": "yunda",
    "JD": "jd",
    "EMS": "ems",
    "POSTB": "youzhengguonei",
    "JT": "jtexpress",
    "ZJS": "zhaijisong",
    "DBL": "debangwuliu",  # 德邦快递
    "DBWL": "debangkuaiyun",  # 德邦快运
    "BESTKY": "baishiwuliu",
    "ZYKD": "zhongyouex",
    "EMSBK": "yzdsbk",
    "BEST": None,  # no 百世快递 in Douyin's list
}


def test_wechat_and_douyin_codes_match_their_published_lists():
    rows = {row["code"]: row for row in carrier_data()["carriers"]}
    assert {code: rows[code]["wechat"] for code in WECHAT_PUBLISHED} == WECHAT_PUBLISHED
    assert {code: rows[code]["douyin"] for code in DOUYIN_PUBLISHED} == DOUYIN_PUBLISHED


def test_kdniao_names_jt_jtsd():
    """KDNiao's code for 极兔速递 (its e-waybill template table); HTKY is KDNiao's 百世快递."""
    rows = {row["code"]: row for row in carrier_data()["carriers"]}
    assert (rows["JT"]["kdniao"], rows["BEST"]["kdniao"]) == ("JTSD", "HTKY")


def test_mini_program_orders_need_no_wechat_code(carriers):
    """Order Hub uploads no shipping info to WeChat (the mini-program's backend does, with the WeChat codes of the
    carrier library): a carrier without a WeChat code is not refused on a mini-program order."""
    tiantian = carrier_get("TTKD")
    assert not CarrierPlatformCode.objects.filter(carrier=tiantian, platform="wechat").exists()
    assert carrier_platform_code(carrier=tiantian, platform="wechat") == "TTKD"
