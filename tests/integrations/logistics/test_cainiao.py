"""Cainiao cloud-print e-waybills on TOP.

Fixtures follow https://open.taobao.com/api.htm?docId=27125&docType=2 (cainiao.waybill.ii.get: request
param_waybill_cloud_print_apply_new_request, response modules.waybill_cloud_print_response[] with
waybill_code and print_data) and https://open.taobao.com/api.htm?docId=26785&docType=2 (.cancel), and the
TOP error envelope https://open.taobao.com/doc.htm?docId=114&docType=1 (error_response code/msg/sub_code).
"""

import json

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed
from integrations.logistics.cainiao import CainiaoAdapter
from integrations.signing import top_sign
from tests.integrations.helpers import APP_SECRET
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db

CIPHER = {"oaid": "1oqmSnXPEe2fXmWFeHk3Fq3w"}
PRINT_DATA = {
    "encryptedData": "AES:xPz7…",
    "signature": "MD:q6Z…",
    "templateURL": "http://cloudprint.cainiao.com/template/standard/101/123",
    "ver": "waybill_print_secret_version_1",
}
SUCCESS = {
    "cainiao_waybill_ii_get_response": {
        "modules": {
            "waybill_cloud_print_response": [
                {
                    "object_id": "OH20261111000042-7",
                    "waybill_code": "75312345678901",
                    "print_data": json.dumps(PRINT_DATA),
                    "parent_waybill_code": None,
                }
            ]
        },
        "request_id": "14m0b8bz9f4bq",
    }
}


def _adapter(taobao):
    return CainiaoAdapter(waybill_request(provider="cainiao", shop_id=taobao.shop_id).account, "ZTO")


def test_the_request_is_top_signed_and_sends_the_oaid_instead_of_a_receiver(taobao, canned):
    canned.queue(SUCCESS)
    result = _adapter(taobao).waybill_request(
        waybill_request(provider="cainiao", shop_id=taobao.shop_id, cipher=CIPHER)
    )
    (call,) = canned.calls
    params = call["params"]
    assert params["method"] == "cainiao.waybill.ii.get" and params["session"] == "good-token"
    assert params["sign"] == top_sign({k: v for k, v in params.items() if k != "sign"}, APP_SECRET)
    body = json.loads(params["param_waybill_cloud_print_apply_new_request"])
    assert body["cp_code"] == "ZTO"
    dto = body["trade_order_info_dtos"][0]
    assert dto["order_info"] == {"order_channels_type": "TM", "trade_order_list": ["3920193810012"]}
    assert dto["recipient"]["oaid"] == CIPHER["oaid"] and dto["recipient"]["tid"] == "3920193810012"
    assert "mobile" not in dto["recipient"]  # never a decrypted (or even masked) phone for an encrypted order
    assert dto["template_url"].startswith("https://cloudprint.cainiao.com/")
    assert result.tracking_number == "75312345678901"
    assert result.print_data["encryptedData"] == PRINT_DATA["encryptedData"]
    assert result.print_data["component"] == "cainiao"


def test_yunda_goes_as_cainiaos_yunda_code(taobao, canned):
    canned.queue(SUCCESS)
    _adapter(taobao).waybill_request(waybill_request(provider="cainiao", shop_id=taobao.shop_id, carrier="YD"))
    body = json.loads(canned.calls[0]["params"]["param_waybill_cloud_print_apply_new_request"])
    assert body["cp_code"] == "YUNDA"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"code": 25, "msg": "Invalid signature"}, "25"),
        (
            {"code": 15, "msg": "Remote service error", "sub_code": "isv.SUBSCRIPTION_NOT_EXIST", "sub_msg": "未订购"},
            "isv.SUBSCRIPTION_NOT_EXIST",
        ),
        (
            {"code": 15, "msg": "Remote service error", "sub_code": "isv.BALANCE_NOT_ENOUGH", "sub_msg": "余额不足"},
            "isv.BALANCE_NOT_ENOUGH",
        ),
        ({"code": 15, "msg": "Remote service error", "sub_code": "isp.top-remote-connection-timeout"}, "network"),
    ],
)
def test_each_error_keeps_caniaos_code(taobao, canned, error, code):
    canned.queue({"error_response": {**error, "request_id": "r1"}})
    with pytest.raises(CarrierCallFailed) as exc:
        _adapter(taobao).waybill_request(waybill_request(provider="cainiao", shop_id=taobao.shop_id))
    assert exc.value.code == code


def test_an_answer_without_a_number_is_a_failure_not_an_empty_label(taobao, canned):
    canned.queue({"cainiao_waybill_ii_get_response": {"modules": {"waybill_cloud_print_response": []}}})
    with pytest.raises(CarrierCallFailed) as exc:
        _adapter(taobao).waybill_request(waybill_request(provider="cainiao", shop_id=taobao.shop_id))
    assert exc.value.code == "no_tracking_number"


def test_cancel_sends_cp_code_and_waybill_code(taobao, canned):
    canned.queue({"cainiao_waybill_ii_cancel_response": {"cancel_result": True}})
    _adapter(taobao).waybill_cancel(tracking_number="75312345678901", request=waybill_request(provider="cainiao"))
    params = canned.calls[0]["params"]
    assert (params["method"], params["cp_code"], params["waybill_code"]) == (
        "cainiao.waybill.ii.cancel",
        "ZTO",
        "75312345678901",
    )
    canned.queue({"cainiao_waybill_ii_cancel_response": {"cancel_result": False}})
    with pytest.raises(CarrierCallFailed):
        _adapter(taobao).waybill_cancel(tracking_number="75312345678901", request=waybill_request(provider="cainiao"))
