"""E-waybill balances read from the services that count numbers, recorded through fulfilment's
``waybill_balance_record`` and alerted through the health alerts when under the account's threshold.

Formats (field names as the platforms' SDKs published in public code show them; see each client's docstring):
- Cainiao ``cainiao.waybill.ii.search``: https://open.taobao.com/api.htm?docId=27123&docType=2 —
  waybill_apply_subscription_cols.waybill_apply_subscription_info[].branch_account_cols.waybill_branch_account[]
  {branch_code, quantity, allocated_quantity, cancel_quantity, print_quantity}.
- Pinduoduo ``pdd.waybill.search``: https://open.pinduoduo.com/application/document/api?id=pdd.waybill.search —
  waybill_apply_subscription_cols[].branch_account_cols[] {branch_code, quantity}.
- Douyin ``logistics.listShopNetsite``: data.netsites[] {netsite_code, netsite_name, amount}.
- JD ``jingdong.ldop.alpha.vendor.stock.queryByProviderCode``: resultInfo {statusCode 0, data[] {amount}}.
"""

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed
from fulfilment.carriers.adapters.registry import provider_adapter
from fulfilment.models import Carrier, WaybillAccount
from fulfilment.services import waybill_balances_refresh
from fulfilment.tasks import SCHEDULES
from integrations.logistics.cainiao import CainiaoAdapter
from integrations.logistics.douyin.client import DouyinWaybillAdapter
from integrations.logistics.jd import JdWaybillAdapter
from integrations.logistics.pdd.client import PddWaybillAdapter
from orders.models import Alert
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db


def _branch(code, quantity):
    return {"branch_code": code, "branch_name": code, "quantity": quantity, "allocated_quantity": 9}


def test_cainiao_balance_is_the_quantity_of_the_accounts_branch(taobao, canned):
    canned.queue(
        {
            "cainiao_waybill_ii_search_response": {
                "waybill_apply_subscription_cols": {
                    "waybill_apply_subscription_info": [
                        {
                            "cp_code": "ZTO",
                            "cp_type": 2,
                            "branch_account_cols": {
                                "waybill_branch_account": [_branch("999", 5), _branch("571001", 321)]
                            },
                        }
                    ]
                }
            }
        }
    )
    request = waybill_request(provider="cainiao", shop_id=taobao.shop_id)
    assert CainiaoAdapter(request.account, "ZTO").waybill_balance() == 321
    assert canned.calls[0]["params"]["method"] == "cainiao.waybill.ii.search"
    assert canned.calls[0]["params"]["cp_code"] == "ZTO"


def test_a_branch_the_subscription_does_not_have_is_a_clear_error(taobao, canned):
    canned.queue({"cainiao_waybill_ii_search_response": {"waybill_apply_subscription_cols": {}}})
    request = waybill_request(provider="cainiao", shop_id=taobao.shop_id)
    with pytest.raises(CarrierCallFailed) as exc:
        CainiaoAdapter(request.account, "ZTO").waybill_balance()
    assert exc.value.code == "subscription_missing" and "571001" in exc.value.message


def test_pdd_balance(pdd, canned):
    canned.queue(
        {
            "pdd_waybill_search_response": {
                "waybill_apply_subscription_cols": [
                    {"wp_code": "ZTO", "wp_type": 2, "branch_account_cols": [_branch("571001", 88)]}
                ]
            }
        }
    )
    request = waybill_request(provider="pdd", shop_id=pdd.shop_id, platform="pdd")
    assert PddWaybillAdapter(request.account, "ZTO").waybill_balance() == 88
    assert canned.calls[0]["params"]["wp_code"] == "ZTO"


def test_douyin_balance(douyin, canned):
    canned.queue(
        {
            "code": 10000,
            "msg": "success",
            "data": {"netsites": [{"netsite_code": "571001", "netsite_name": "杭州", "amount": 4500}]},
        }
    )
    request = waybill_request(provider="douyin", shop_id=douyin.shop_id, platform="douyin")
    assert DouyinWaybillAdapter(request.account, "ZTO").waybill_balance() == 4500


def test_jd_balance(jd, canned):
    canned.queue(
        {
            "jingdong_ldop_alpha_vendor_stock_queryByProviderCode_responce": {
                "resultInfo": {"statusCode": 0, "statusMessage": "成功", "data": [{"amount": 1200}]}
            }
        }
    )
    request = waybill_request(provider="jd", shop_id=jd.shop_id, platform="jd")
    assert JdWaybillAdapter(request.account, "ZTO").waybill_balance() == 1200


@pytest.mark.parametrize(
    ("provider", "shop_fixture", "platform"),
    [
        ("cainiao", "taobao", "taobao"),
        ("pdd", "pdd", "pdd"),
        ("douyin", "douyin", "douyin"),
        ("jd", "jd", "jd"),
    ],
)
def test_the_sandbox_answers_every_balance_read_and_a_low_one_raises_the_alert(
    request, sandbox_http, provider, shop_fixture, platform
):
    shop = request.getfixturevalue(shop_fixture).shop
    account = WaybillAccount.objects.create(
        provider=provider,
        carrier=Carrier.objects.get(code="ZTO"),
        shop=shop,
        branch_code="571001",
        balance=120,
        balance_alert_below=500,
    )
    WaybillAccount.objects.create(
        provider=provider, carrier=Carrier.objects.get(code="YTO"), shop=shop, branch_code="571002", balance=3000
    )
    assert waybill_balances_refresh() == {"read": 2, "not_counted": 0, "failed": 0}
    account.refresh_from_db()
    assert account.balance == 120 and account.balance_checked_at is not None
    alert = Alert.objects.get(kind=Alert.Kind.WAYBILL_BALANCE)
    assert alert.detail["account_id"] == account.pk and alert.detail["balance"] == 120
    waybill_balances_refresh()
    assert Alert.objects.filter(kind=Alert.Kind.WAYBILL_BALANCE).count() == 1  # once a day


def test_services_that_count_no_numbers_are_left_alone(sandbox_http, carrier_services):
    sf = WaybillAccount.objects.create(provider="sf", carrier=Carrier.objects.get(code="SF"), account_number="755")
    assert provider_adapter(waybill_request(provider="sf").account, "SF").waybill_balance() is None
    assert waybill_balances_refresh() == {"read": 0, "not_counted": 1, "failed": 0}
    sf.refresh_from_db()
    assert sf.balance is None and sf.balance_checked_at is None


def test_a_service_that_cannot_answer_keeps_the_last_balance(taobao, canned):
    canned.queue({"error_response": {"code": 15, "msg": "Remote service error", "sub_code": "isp.unknown-error"}})
    account = WaybillAccount.objects.create(
        provider="cainiao", carrier=Carrier.objects.get(code="ZTO"), shop=taobao.shop, branch_code="571001", balance=900
    )
    assert waybill_balances_refresh()["failed"] == 1
    account.refresh_from_db()
    assert account.balance == 900 and account.balance_checked_at is None


def test_the_balances_are_read_every_hour():
    schedule = next(s for s in SCHEDULES if s["name"] == "fulfilment.waybill_balances_refresh")
    assert (schedule["func"], schedule["schedule_type"], schedule["minutes"]) == (
        "fulfilment.tasks.waybill_balances_refresh",
        "I",
        60,
    )
