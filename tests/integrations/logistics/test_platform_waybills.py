"""Pinduoduo, Douyin and JD e-waybills: each in its platform's format, signature and error codes.

Fixtures follow the platforms' pages:
- PDD: https://open.pinduoduo.com/application/document/api?id=pdd.waybill.get (param_waybillcloudprint_apply_
  new_request; pdd_waybill_get_response.modules[] waybill_code/print_data; error_response error_code/
  error_msg/sub_code) and …?id=pdd.waybill.cancel.
- Douyin: https://op.jinritemai.com/docs/api-docs/16/2181 (logistics.newCreateOrder: order_infos[],
  data.ebill_infos[] track_no/sort_code, data.err_infos[] err_code/err_msg) and …/16/2183 (cancelOrder).
- JD: https://open.jd.com/home/home#/doc/api?apiCateId=223&apiId=2779 (jingdong.ldop.alpha.waybill.receive:
  content JSON, resultInfo.statusCode/statusMessage/data.waybillCodeList) and apiId=2780 (unbind).
"""

import json

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed
from integrations.logistics.douyin import DouyinWaybillAdapter
from integrations.logistics.jd import JdWaybillAdapter
from integrations.logistics.pdd import PddWaybillAdapter
from integrations.signing import douyin_api_sign, top_sign
from tests.integrations.helpers import APP_SECRET
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db

PDD_CIPHER = {
    "receiver_name": "~AgAAAAHhZ2k4XQ1XYgB0Vh2O1xG0t5lT0e8=~0~",
    "receiver_phone": "$137$AgAAAAHhZ2k4XmQpH9q4b0U1m8YzV2cc$1$$",
    "receiver_address": "~AgAAAAHhZ2k4Xr8n2wRyV0kqJc1zXHh3kZs=~0~",
}


# --- Pinduoduo ---------------------------------------------------------------------------------------------


def test_pdd_request_is_signed_and_passes_the_encrypted_receiver_as_given(pdd, canned):
    canned.queue(
        {
            "pdd_waybill_get_response": {
                "modules": [
                    {
                        "object_id": "OH20261111000042-7",
                        "waybill_code": "YT7000123456789",
                        "print_data": json.dumps({"encryptedData": "ENC", "signature": "SIG", "ver": "3"}),
                    }
                ]
            }
        }
    )
    request = waybill_request(provider="pdd", shop_id=pdd.shop_id, carrier="YTO", platform="pdd", cipher=PDD_CIPHER)
    result = PddWaybillAdapter(request.account, "YTO").waybill_request(request)
    params = canned.calls[0]["params"]
    assert params["type"] == "pdd.waybill.get" and params["client_id"] == "pdd-key"
    assert params["sign"] == top_sign({k: v for k, v in params.items() if k != "sign"}, APP_SECRET)
    body = json.loads(params["param_waybillcloudprint_apply_new_request"])
    assert body["wp_code"] == "YTO"
    recipient = body["trade_order_info_dtos"][0]["recipient"]
    assert recipient["name"] == PDD_CIPHER["receiver_name"] and recipient["mobile"] == PDD_CIPHER["receiver_phone"]
    assert recipient["address"]["detail"] == PDD_CIPHER["receiver_address"]
    assert body["trade_order_info_dtos"][0]["order_info"]["trade_order_list"] == ["3920193810012"]
    assert (result.tracking_number, result.print_data["encryptedData"]) == ("YT7000123456789", "ENC")


def test_pdd_uses_its_e_waybill_codes_not_its_logistics_ids(pdd, canned):
    canned.queue({"pdd_waybill_get_response": {"modules": [{"waybill_code": "1", "print_data": "{}"}]}})
    request = waybill_request(provider="pdd", shop_id=pdd.shop_id, carrier="YD", platform="pdd")
    PddWaybillAdapter(request.account, "YD").waybill_request(request)
    assert json.loads(canned.calls[0]["params"]["param_waybillcloudprint_apply_new_request"])["wp_code"] == "YUNDA"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"error_code": 10016, "error_msg": "签名错误"}, "10016"),
        ({"error_code": 10000, "error_msg": "参数错误", "sub_code": "20003", "sub_msg": "网点余额不足"}, "20003"),
        ({"error_code": 70031, "error_msg": "调用频率超限"}, "platform_rate_limited"),
    ],
)
def test_pdd_errors_keep_the_platforms_code(pdd, canned, error, code):
    canned.queue({"error_response": {**error, "request_id": "r"}})
    request = waybill_request(provider="pdd", shop_id=pdd.shop_id, platform="pdd")
    with pytest.raises(CarrierCallFailed) as exc:
        PddWaybillAdapter(request.account, "ZTO").waybill_request(request)
    assert exc.value.code == code


def test_pdd_cancel(pdd, canned):
    canned.queue({"pdd_waybill_cancel_response": {"cancel_result": True}})
    request = waybill_request(provider="pdd", shop_id=pdd.shop_id, platform="pdd")
    PddWaybillAdapter(request.account, "ZTO").waybill_cancel(tracking_number="ZT1", request=request)
    params = canned.calls[0]["params"]
    assert (params["type"], params["wp_code"], params["waybill_code"]) == ("pdd.waybill.cancel", "ZTO", "ZT1")


# --- Douyin ------------------------------------------------------------------------------------------------


DOUYIN_CIPHER = {"post_receiver": "#Ws0Hzd2o#qJm7…", "post_tel": "$$R3h0…$$", "post_addr_detail": "##bP0C9…##"}


def test_douyin_new_create_order_is_hmac_signed_and_keeps_the_ciphertexts(douyin, canned):
    canned.queue(
        {
            "code": 10000,
            "msg": "success",
            "log_id": "2026111110000101",
            "data": {
                "ebill_infos": [
                    {
                        "order_id": "3920193810012",
                        "pack_id": "OH20261111000042-7",
                        "track_no": "773000111222333",
                        "sort_code": "310-A1-05",
                        "package_center_code": "571",
                        "package_center_name": "杭州转运中心",
                        "short_address_code": "A1",
                    }
                ],
                "err_infos": [],
            },
        }
    )
    request = waybill_request(
        provider="douyin", shop_id=douyin.shop_id, carrier="STO", platform="douyin", cipher=DOUYIN_CIPHER
    )
    result = DouyinWaybillAdapter(request.account, "STO").waybill_request(request)
    call = canned.calls[0]
    assert call["url"].endswith("/logistics/newCreateOrder")
    params, body = call["params"], call["body"].decode()
    assert params["sign"] == douyin_api_sign(
        app_key="douyin-key",
        secret=APP_SECRET,
        method="logistics.newCreateOrder",
        param_json=body,
        timestamp=params["timestamp"],
    )
    sent = json.loads(body)
    assert sent["logistics_code"] == "shentong"
    receiver = sent["order_infos"][0]["receiver_info"]
    assert receiver["contact"] == {"name": DOUYIN_CIPHER["post_receiver"], "mobile": DOUYIN_CIPHER["post_tel"]}
    assert receiver["address"]["detail_address"] == DOUYIN_CIPHER["post_addr_detail"]
    assert (result.tracking_number, result.label["sort_code"]) == ("773000111222333", "310-A1-05")


def test_douyin_refusal_of_one_order_comes_back_in_err_infos(douyin, canned):
    canned.queue(
        {
            "code": 10000,
            "msg": "success",
            "data": {
                "ebill_infos": [],
                "err_infos": [{"order_id": "1", "err_code": "E100046", "err_msg": "网点余额不足"}],
            },
        }
    )
    request = waybill_request(provider="douyin", shop_id=douyin.shop_id, platform="douyin")
    with pytest.raises(CarrierCallFailed) as exc:
        DouyinWaybillAdapter(request.account, "ZTO").waybill_request(request)
    assert exc.value.code == "E100046" and "余额" in exc.value.message


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"code": 40004, "msg": "签名校验失败", "sub_code": "isv.signature-invalid"}, "isv.signature-invalid"),
        (
            {
                "code": 40003,
                "msg": "参数不合法",
                "sub_code": "isv.parameter-invalid:logistics_code",
                "sub_msg": "物流商编码错误",
            },
            "isv.parameter-invalid:logistics_code",
        ),
    ],
)
def test_douyin_errors_keep_the_sub_code(douyin, canned, answer, code):
    canned.queue({**answer, "data": {}})
    request = waybill_request(provider="douyin", shop_id=douyin.shop_id, platform="douyin")
    with pytest.raises(CarrierCallFailed) as exc:
        DouyinWaybillAdapter(request.account, "ZTO").waybill_request(request)
    assert exc.value.code == code


# --- JD ----------------------------------------------------------------------------------------------------


def test_jd_receive_sends_one_content_json_with_the_oaid(jd, canned):
    canned.queue(
        {
            "jingdong_ldop_alpha_waybill_receive_responce": {
                "code": "0",
                "resultInfo": {
                    "statusCode": 0,
                    "statusMessage": "成功",
                    "data": {"platformOrderNo": "3920193810012", "waybillCodeList": ["JDVA00012345678"]},
                },
            }
        }
    )
    request = waybill_request(
        provider="jd", shop_id=jd.shop_id, carrier="JD", platform="jd", cipher={"oaid": "JDOAID1"}
    )
    result = JdWaybillAdapter(request.account, "JD").waybill_request(request)
    params = canned.calls[0]["params"]
    assert params["method"] == "jingdong.ldop.alpha.waybill.receive"
    assert params["sign"] == top_sign({k: v for k, v in params.items() if k != "sign"}, APP_SECRET)
    content = json.loads(json.loads(params["360buy_param_json"])["content"])
    assert (content["providerCode"], content["salePlatform"], content["branchCode"]) == ("JD", "0010001", "571001")
    assert content["toAddress"]["oaid"] == "JDOAID1" and content["weight"] == 0.8
    assert result.tracking_number == "JDVA00012345678"


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            {
                "jingdong_ldop_alpha_waybill_receive_responce": {
                    "resultInfo": {"statusCode": 2001, "statusMessage": "网点不存在"}
                }
            },
            "jd_2001",
        ),
        ({"error_response": {"code": "19", "zh_desc": "token已过期", "en_desc": "Invalid access_token"}}, None),
    ],
)
def test_jd_errors(jd, canned, answer, code):
    canned.queue(answer)
    if code is None:  # an expired token is refreshed once (the refresh answers with JD's OAuth error here)
        canned.queue({"code": 402, "msg": "refresh_token 无效"})
    request = waybill_request(provider="jd", shop_id=jd.shop_id, platform="jd")
    with pytest.raises(CarrierCallFailed) as exc:
        JdWaybillAdapter(request.account, "ZTO").waybill_request(request)
    if code:
        assert exc.value.code == code and "网点" in exc.value.message
    else:
        assert "刷新令牌失败" in exc.value.message


def test_an_account_whose_shop_has_no_connection_fails_clearly(db, canned):
    request = waybill_request(provider="jd", shop_id=999999, platform="jd")
    with pytest.raises(CarrierCallFailed) as exc:
        JdWaybillAdapter(request.account, "ZTO").waybill_request(request)
    assert exc.value.code == "connection_missing"
