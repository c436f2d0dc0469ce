"""JD e-waybills take the providerCode, branch and settlement code of the shop's own carrier subscriptions.

Answers in the format of ``jingdong.ldop.alpha.provider.sign.success``
(https://open.jd.com/home/home#/doc/api?apiCateId=356&apiId=2063; JD's SDK classes
``LdopAlphaProviderSignSuccessResponse`` → ``resultInfo`` {statusCode, statusMessage, data[]} and
``SignSuccessQueryDTO``: providerCode, providerId, providerName, providerType, supportCod, operationType,
branchCode, branchName, settlementCode, amount).
"""

import json

import pytest
from django.core.cache import cache
from django.utils import translation

from fulfilment.carriers.adapters.base import CarrierCallFailed
from fulfilment.carriers.adapters.registry import provider_adapter
from fulfilment.models import Carrier, SandboxWaybill, WaybillProvider
from integrations.logistics.jd import JdWaybillAdapter
from integrations.logistics.jd.subscriptions import SIGN_SUCCESS
from tests.factories import WaybillAccountFactory
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db

VENDER_ID = "10098765"
ZTO_ROW = {
    "providerCode": "ZTO",
    "providerId": 1499,
    "providerName": "中通快递",
    "providerType": 2,
    "supportCod": False,
    "operationType": 2,
    "branchCode": "330105",
    "branchName": "中通杭州拱墅网点",
    "settlementCode": "",
    "amount": 1200,
}


def signed(*rows, status=0, message="成功"):
    return {
        "jingdong_ldop_alpha_provider_sign_success_responce": {
            "code": "0",
            "resultInfo": {"statusCode": status, "statusMessage": message, "data": list(rows)},
        }
    }


RECEIVED = {
    "jingdong_ldop_alpha_waybill_receive_responce": {
        "code": "0",
        "resultInfo": {"statusCode": 0, "statusMessage": "成功", "data": {"waybillCodeList": ["75312345678901"]}},
    }
}


@pytest.fixture
def jd_shop(jd):
    cache.clear()
    jd.seller_id = VENDER_ID
    jd.save(update_fields=["seller_id"])
    yield jd
    cache.clear()


def issue(shop, carrier, **overrides):
    request = waybill_request(provider="jd", shop_id=shop.shop_id, carrier=carrier, platform="jd", **overrides)
    return JdWaybillAdapter(request.account, carrier).waybill_request(request)


def sent(canned, index):
    params = canned.calls[index]["params"]
    return params["method"], json.loads(params["360buy_param_json"])


def test_the_waybill_takes_the_code_and_branch_of_the_shops_subscription(jd_shop, canned):
    canned.queue(signed(ZTO_ROW))
    canned.queue(RECEIVED)
    assert issue(jd_shop, "ZTO").tracking_number == "75312345678901"
    method, params = sent(canned, 0)
    assert (method, params) == (SIGN_SUCCESS, {"vendorCode": VENDER_ID})
    method, params = sent(canned, 1)
    content = json.loads(params["content"])
    assert method == "jingdong.ldop.alpha.waybill.receive"
    assert (content["providerCode"], content["branchCode"]) == ("ZTO", "330105")


def test_a_direct_carriers_settlement_code_is_sent_and_numbers_as_strings_are_read(jd_shop, canned):
    row = {"providerCode": "SF", "providerName": "顺丰速运", "operationType": "1", "settlementCode": "0571000123"}
    canned.queue(signed(row, status="0"))
    canned.queue(RECEIVED)
    issue(jd_shop, "SF")
    content = json.loads(sent(canned, 1)[1]["content"])
    assert (content["providerCode"], content["settlementCode"]) == ("SF", "0571000123")
    assert content["branchCode"] == "571001"  # the row names no branch: the account's stays


def test_a_row_whose_code_is_not_the_librarys_is_found_by_its_name(jd_shop, canned):
    # The shop's own answer decides the code: a Yunda row under another code than the library's YUNDA.
    row = {"providerCode": "YD", "providerName": "韵达速递", "operationType": 2, "branchCode": "571888"}
    canned.queue(signed(ZTO_ROW, row))
    canned.queue(RECEIVED)
    issue(jd_shop, "YD")
    content = json.loads(sent(canned, 1)[1]["content"])
    assert (content["providerCode"], content["branchCode"]) == ("YD", "571888")


def test_of_several_branches_the_accounts_own_is_taken(jd_shop, canned):
    canned.queue(signed(ZTO_ROW, {**ZTO_ROW, "branchCode": "571001", "branchName": "中通余杭网点"}))
    canned.queue(RECEIVED)
    issue(jd_shop, "ZTO")
    assert json.loads(sent(canned, 1)[1]["content"])["branchCode"] == "571001"


@pytest.mark.parametrize("rows", [[ZTO_ROW], []], ids=["other carriers", "empty list"])
def test_an_unsubscribed_carrier_is_refused_by_name_before_any_waybill_call(jd_shop, canned, rows):
    canned.queue(signed(*rows))
    with pytest.raises(CarrierCallFailed) as exc, translation.override("en"):
        issue(jd_shop, "STO")
    assert exc.value.code == "subscription_missing"
    assert exc.value.message == (
        "the shop jd-1 has no JD e-waybill subscription for STO; "
        "sign one in JD's 无界电子面单 or choose another carrier"
    )
    assert [sent(canned, i)[0] for i in range(len(canned.calls))] == [SIGN_SUCCESS]


@pytest.mark.parametrize(
    "answer",
    [
        signed(status=1, message="商家编码不正确"),
        {"error_response": {"code": "67", "zh_desc": "调用次数超限", "en_desc": "call limit"}},
        {"jingdong_ldop_alpha_provider_sign_success_responce": {"code": "0"}},
    ],
    ids=["statusCode", "JOS error", "no resultInfo"],
)
def test_when_jd_cannot_say_the_librarys_code_and_the_accounts_branch_are_sent(jd_shop, canned, answer):
    canned.queue(answer)
    canned.queue(RECEIVED)
    issue(jd_shop, "ZTO")
    content = json.loads(sent(canned, 1)[1]["content"])
    assert (content["providerCode"], content["branchCode"], content["settlementCode"]) == (
        "ZTO",
        "571001",
        "7551234567",
    )
    assert cache.get(f"jd-waybill-subscriptions:{jd_shop.shop_id}:{VENDER_ID}") is None  # asked again next time


def test_a_shop_without_its_jd_venderid_is_not_looked_up(jd, canned):
    cache.clear()
    canned.queue(RECEIVED)
    issue(jd, "ZTO")
    assert [sent(canned, i)[0] for i in range(len(canned.calls))] == ["jingdong.ldop.alpha.waybill.receive"]


def test_the_subscriptions_are_kept_and_asked_again_for_a_carrier_not_among_them(jd_shop, canned):
    sto = {"providerCode": "STO", "providerName": "申通快递", "operationType": 2, "branchCode": "330200"}
    canned.queue(signed(ZTO_ROW))
    canned.queue(RECEIVED)
    canned.queue(RECEIVED)
    canned.queue(signed(ZTO_ROW, sto))  # signed since
    canned.queue(RECEIVED)
    issue(jd_shop, "ZTO")
    issue(jd_shop, "ZTO")
    issue(jd_shop, "STO")
    methods = [sent(canned, i)[0] for i in range(len(canned.calls))]
    receive = "jingdong.ldop.alpha.waybill.receive"
    assert methods == [SIGN_SUCCESS, receive, receive, SIGN_SUCCESS, receive]
    assert json.loads(sent(canned, 4)[1]["content"])["branchCode"] == "330200"


def test_the_kept_subscriptions_expire(jd_shop, canned, settings):
    settings.INTEGRATIONS_JD_SUBSCRIPTION_SECONDS = 0  # Django's cache keeps nothing for 0 seconds
    canned.queue(signed(ZTO_ROW))
    canned.queue(RECEIVED)
    canned.queue(signed(ZTO_ROW))
    canned.queue(RECEIVED)
    issue(jd_shop, "ZTO")
    issue(jd_shop, "ZTO")
    assert [sent(canned, i)[0] for i in range(0, 4, 2)] == [SIGN_SUCCESS, SIGN_SUCCESS]


def test_cancel_uses_the_subscriptions_code(jd_shop, canned):
    row = {**ZTO_ROW, "providerCode": "YD", "providerName": "韵达快递"}
    canned.queue(signed(row))
    canned.queue(
        {"jingdong_ldop_alpha_waybill_unbind_responce": {"resultInfo": {"statusCode": 0, "statusMessage": "成功"}}}
    )
    request = waybill_request(provider="jd", shop_id=jd_shop.shop_id, carrier="YD", platform="jd")
    JdWaybillAdapter(request.account, "YD").waybill_cancel(tracking_number="4312345678901", request=request)
    assert json.loads(sent(canned, 1)[1]["content"])["providerCode"] == "YD"


# --- the sandbox -------------------------------------------------------------------------------------------


def test_the_sandbox_answers_the_shops_subscriptions_and_refuses_an_unsigned_carrier(jd, sandbox_http):
    cache.clear()
    jd.seller_id = VENDER_ID
    jd.save(update_fields=["seller_id"])
    zto = Carrier.objects.get(code="ZTO")
    WaybillAccountFactory(
        provider=WaybillProvider.JD, shop=jd.shop, carrier=zto, branch_code="330105", branch_name="中通拱墅网点"
    )
    request = waybill_request(provider="jd", shop_id=jd.shop_id, carrier="ZTO", platform="jd")
    result = provider_adapter(request.account, "ZTO").waybill_request(request)
    assert SandboxWaybill.objects.get(tracking_number=result.tracking_number).carrier_code == "ZTO"
    request = waybill_request(provider="jd", shop_id=jd.shop_id, carrier="STO", platform="jd")
    with pytest.raises(CarrierCallFailed) as exc:
        provider_adapter(request.account, "STO").waybill_request(request)
    assert exc.value.code == "subscription_missing"
    cache.clear()
