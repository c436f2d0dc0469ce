"""SF Express open platform and Kuaidi100 e-waybills.

- SF: https://open.sf-express.com/Api/ApiDetails?level3=393&interName=%E4%B8%8B%E8%AE%A2%E5%8D%95%E6%8E%A5%E5%8F%A3-EXP_RECE_CREATE_ORDER
  (request form partnerID/requestID/serviceCode/timestamp/msgDigest/msgData; answer apiResultCode A1000,
  apiResultData JSON with success/errorCode/msgData.waybillNoInfoList/routeLabelInfo), the digest
  https://open.sf-express.com/developSupport/976720?authId=1, the platform codes A1001–A1099 on the same site.
- Kuaidi100: https://api.kuaidi100.com/document/5f0ff6e82977d50a94e10237 (label/order: method/key/t/param/
  sign = MD5(param+t+key+secret) upper; answer success/code/message/data.kuaidinum).
"""

import base64
import hashlib
import json
import urllib.parse

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed
from integrations.logistics.kuaidi100 import Kuaidi100Adapter
from integrations.logistics.sf import SfAdapter
from integrations.signing import kuaidi100_sign, sf_msg_digest
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db


def test_sf_digest_is_base64_md5_of_the_url_encoded_text():
    msg, ts, word = '{"orderId":"OH 1~"}', "1730000000000", "chk"
    text = urllib.parse.quote_plus(msg + ts + word).replace("~", "%7E")
    assert sf_msg_digest(msg, ts, word) == base64.b64encode(hashlib.md5(text.encode()).digest()).decode()
    assert "%7E" in text and "+" in text  # Java's URLEncoder: space → +, ~ encoded


SF_OK = {
    "apiErrorMsg": "",
    "apiResponseID": "0001767D2B6B2C3FE0401E0AD0CF8A00",
    "apiResultCode": "A1000",
    "apiResultData": json.dumps(
        {
            "success": True,
            "errorCode": "S0000",
            "errorMsg": None,
            "msgData": {
                "orderId": "OH20261111000042-7",
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": "SF1011711543214"}],
                "routeLabelInfo": [
                    {
                        "code": "1000",
                        "routeLabelData": {
                            "destRouteLabel": "755WE-571A",
                            "proCode": "T4",
                            "twoDimensionCode": "MMM={'k1':'755WE'}",
                        },
                    }
                ],
            },
        }
    ),
}


def test_sf_create_order_is_signed_and_returns_the_number_and_route_label(canned, carrier_services):
    canned.queue(SF_OK)
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    result = SfAdapter(request.account, "SF").waybill_request(request)
    sent = canned.calls[0]["params"]
    assert sent["serviceCode"] == "EXP_RECE_CREATE_ORDER" and sent["partnerID"] == "OH_SANDBOX"
    assert sent["msgDigest"] == sf_msg_digest(sent["msgData"], sent["timestamp"], "sf-checkword")
    data = json.loads(sent["msgData"])
    assert (data["orderId"], data["monthlyCard"], data["totalWeight"]) == ("OH20261111000042-7", "7551234567", 0.8)
    assert [c["contactType"] for c in data["contactInfoList"]] == [1, 2]
    assert (result.tracking_number, result.label["sort_code"]) == ("SF1011711543214", "755WE-571A")


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"apiResultCode": "A1006", "apiErrorMsg": "数字签名无效", "apiResultData": None}, "A1006"),
        ({"apiResultCode": "A1004", "apiErrorMsg": "无对应服务权限", "apiResultData": None}, "A1004"),
        ({"apiResultCode": "A1005", "apiErrorMsg": "流量受控", "apiResultData": None}, "A1005"),
        (
            {
                "apiResultCode": "A1000",
                "apiErrorMsg": "",
                "apiResultData": json.dumps(
                    {"success": False, "errorCode": "8016", "errorMsg": "重复下单", "msgData": None}
                ),
            },
            "8016",
        ),
        (
            {
                "apiResultCode": "A1000",
                "apiErrorMsg": "",
                "apiResultData": json.dumps({"success": False, "errorCode": "1010", "errorMsg": "寄件地址不能为空"}),
            },
            "1010",
        ),
    ],
)
def test_sf_errors_keep_sfs_code(canned, carrier_services, answer, code):
    canned.queue(answer)
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    with pytest.raises(CarrierCallFailed) as exc:
        SfAdapter(request.account, "SF").waybill_request(request)
    assert exc.value.code == code


def test_kuaidi100_order_is_signed_and_names_the_carrier_its_way(canned, carrier_services):
    canned.queue(
        {
            "success": True,
            "code": 200,
            "message": "success",
            "data": {"taskId": "A1B2", "kuaidinum": "YT2300001111", "kuaidicom": "yuantong", "bulkpen": "571-A1"},
        }
    )
    request = waybill_request(provider="kuaidi100", carrier="YTO", platform="shopify")
    result = Kuaidi100Adapter(request.account, "YTO").waybill_request(request)
    sent = canned.calls[0]["params"]
    assert sent["method"] == "order" and sent["key"] == "k100-key"
    assert sent["sign"] == kuaidi100_sign(sent["param"], sent["t"], "k100-key", "k100-secret")
    assert (
        sent["sign"]
        == hashlib.md5((sent["param"] + sent["t"] + "k100-key" + "k100-secret").encode()).hexdigest().upper()
    )
    param = json.loads(sent["param"])
    assert (param["kuaidicom"], param["partnerId"], param["weight"]) == ("yuantong", "7551234567", 0.8)
    assert (result.tracking_number, result.label["sort_code"]) == ("YT2300001111", "571-A1")


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"success": False, "code": 400, "message": "签名错误", "data": None}, "kuaidi100_400"),
        ({"success": False, "code": 30002, "message": "电子面单账号余额不足", "data": None}, "kuaidi100_30002"),
    ],
)
def test_kuaidi100_errors(canned, carrier_services, answer, code):
    canned.queue(answer)
    request = waybill_request(provider="kuaidi100", carrier="YTO", platform="shopify")
    with pytest.raises(CarrierCallFailed) as exc:
        Kuaidi100Adapter(request.account, "YTO").waybill_request(request)
    assert exc.value.code == code


def test_without_credentials_nothing_is_sent(canned):
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    with pytest.raises(CarrierCallFailed) as exc:
        SfAdapter(request.account, "SF").waybill_request(request)
    assert exc.value.code == "connection_missing" and canned.calls == []
