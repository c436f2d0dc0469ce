"""Interception (拦截) at the services that document one, and a clear refusal at those that do not.

- SF ``EXP_RECE_WANTED_INTERCEPT`` (截单转寄/退回): https://open.sf-express.com/Api/ApiDetails?level3=393&interName=%E6%88%AA%E5%8D%95%E8%BD%AC%E5%AF%84%E6%8E%A5%E5%8F%A3-EXP_RECE_WANTED_INTERCEPT
  — fields (waybillNo, serviceCode 2 退回, role, payMode, monthlyCardNo, newDestAddress) as SF's SDK request
  template ``18.wanted_intercept.json`` shows them in public code; not checked against the page itself.
- JD ``jingdong.ldop.receive.order.intercept``: https://open.jd.com/home/home#/doc/api?apiCateId=64&apiId=1435
  (vendorCode, deliveryId, interceptReason; resultInfo.stateCode 100 accepted, 108 already done — from public
  SDK code, unverified against the page).
"""

import json

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed, InterceptNotSupported
from integrations.logistics.cainiao import CainiaoAdapter
from integrations.logistics.douyin.client import DouyinWaybillAdapter
from integrations.logistics.jd import JdWaybillAdapter
from integrations.logistics.kuaidi100 import Kuaidi100Adapter
from integrations.logistics.pdd.client import PddWaybillAdapter
from integrations.logistics.sf import SfAdapter
from integrations.signing import sf_msg_digest
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db


def _sf(success=True, code="S0000", message=None, msg_data=None):
    return {
        "apiResultCode": "A1000",
        "apiErrorMsg": "",
        "apiResultData": json.dumps(
            {"success": success, "errorCode": code, "errorMsg": message, "msgData": msg_data}, ensure_ascii=False
        ),
    }


def test_sf_interception_sends_the_parcel_back_to_the_sender_on_the_monthly_card(canned, carrier_services):
    canned.queue(_sf(msg_data=None))  # SF answers a plain interception with msgData null
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    result = SfAdapter(request.account, "SF").intercept(
        tracking_number="SF1011711543214", request=request, reason="refund"
    )
    sent = canned.calls[0]["params"]
    assert sent["serviceCode"] == "EXP_RECE_WANTED_INTERCEPT"
    assert sent["msgDigest"] == sf_msg_digest(sent["msgData"], sent["timestamp"], "sf-checkword")
    data = json.loads(sent["msgData"])
    assert (data["waybillNo"], data["serviceCode"], data["role"], data["payMode"], data["monthlyCardNo"]) == (
        "SF1011711543214",
        "2",
        "1",
        "4",
        "7551234567",
    )
    assert data["newDestAddress"]["city"] == "杭州市" and data["newDestAddress"]["address"] == "文一西路969号"
    assert result.reference == ""


def test_sf_refusal_keeps_sfs_code(canned, carrier_services):
    canned.queue(_sf(success=False, code="20025", message="运单已签收，不能拦截"))
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    with pytest.raises(CarrierCallFailed) as exc:
        SfAdapter(request.account, "SF").intercept(tracking_number="SF1", request=request, reason="refund")
    assert exc.value.code == "20025" and "签收" in exc.value.message


def test_sf_sandbox_answers_the_interception_in_sfs_format(carrier_services, sandbox_http):
    request = waybill_request(provider="sf", carrier="SF", platform="website")
    with pytest.raises(CarrierCallFailed) as exc:  # a number the sandbox never issued
        SfAdapter(request.account, "SF").intercept(tracking_number="SF404", request=request, reason="refund")
    assert exc.value.code == "20025"


def test_jd_intercepts_jd_logistics_parcels(jd, canned):
    canned.queue(
        {"jingdong_ldop_receive_order_intercept_responce": {"resultInfo": {"stateCode": 100, "stateMessage": "成功"}}}
    )
    request = waybill_request(provider="jd", shop_id=jd.shop_id, carrier="JD", platform="jd")
    result = JdWaybillAdapter(request.account, "JD").intercept(
        tracking_number="JDVA00012345678", request=request, reason="买家退款"
    )
    params = canned.calls[0]["params"]
    assert params["method"] == "jingdong.ldop.receive.order.intercept"
    body = json.loads(params["360buy_param_json"])
    assert (body["vendorCode"], body["deliveryId"], body["interceptReason"]) == (
        "7551234567",
        "JDVA00012345678",
        "买家退款",
    )
    assert result.message == "成功"


def test_jd_refusal_and_other_carriers(jd, canned):
    canned.queue(
        {"jingdong_ldop_receive_order_intercept_responce": {"resultInfo": {"stateCode": 102, "stateMessage": "已妥投"}}}
    )
    request = waybill_request(provider="jd", shop_id=jd.shop_id, carrier="JD", platform="jd")
    with pytest.raises(CarrierCallFailed) as exc:
        JdWaybillAdapter(request.account, "JD").intercept(tracking_number="JDVA1", request=request, reason="r")
    assert exc.value.code == "jd_intercept_102"
    with pytest.raises(InterceptNotSupported):
        JdWaybillAdapter(request.account, "ZTO").intercept(tracking_number="ZTO1", request=request, reason="r")
    assert len(canned.calls) == 1


@pytest.mark.parametrize(
    ("adapter", "provider"),
    [
        (CainiaoAdapter, "cainiao"),
        (PddWaybillAdapter, "pdd"),
        (DouyinWaybillAdapter, "douyin"),
        (Kuaidi100Adapter, "kuaidi100"),
    ],
)
def test_services_without_interception_say_so_and_send_nothing(canned, adapter, provider):
    request = waybill_request(provider=provider)
    with pytest.raises(InterceptNotSupported) as exc:
        adapter(request.account, "ZTO").intercept(tracking_number="ZTO1", request=request, reason="r")
    assert exc.value.code == "intercept_not_supported" and "ZTO1" in exc.value.message
    assert canned.calls == []
