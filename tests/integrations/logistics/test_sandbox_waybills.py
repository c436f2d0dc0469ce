"""The sandbox answers every e-waybill client in its own format, so `make run` prints labels offline."""

import pytest

from fulfilment.carriers.adapters.base import CarrierCallFailed, Party
from fulfilment.carriers.adapters.registry import provider_adapter
from fulfilment.models import SandboxWaybill
from tests.integrations.logistics.helpers import waybill_request

pytestmark = pytest.mark.django_db

CASES = [
    ("cainiao", "taobao", "tmall", "ZTO", {"oaid": "1oqmSnXPEe2f"}),
    ("pdd", "pdd", "pdd", "YD", {"receiver_phone": "$137$AgAA$1$$"}),
    ("douyin", "douyin", "douyin", "STO", {"post_tel": "$$R3h0$$"}),
    ("jd", "jd", "jd", "JD", {"oaid": "JDOAID"}),
    ("sf", None, "website", "SF", {}),
    ("kuaidi100", None, "shopify", "YTO", {}),
]


@pytest.mark.parametrize(("provider", "shop_fixture", "platform", "carrier", "cipher"), CASES)
def test_the_sandbox_issues_and_cancels_numbers_for_every_client(
    request, sandbox_http, carrier_services, provider, shop_fixture, platform, carrier, cipher
):
    shop_id = request.getfixturevalue(shop_fixture).shop_id if shop_fixture else None
    waybill = waybill_request(provider=provider, shop_id=shop_id, carrier=carrier, platform=platform, cipher=cipher)
    adapter = provider_adapter(waybill.account, carrier)
    result = adapter.waybill_request(waybill)
    issued = SandboxWaybill.objects.get(tracking_number=result.tracking_number)
    assert issued.carrier_code == carrier and issued.cancelled_at is None
    assert adapter.waybill_request(waybill).tracking_number == result.tracking_number  # the same parcel again
    adapter.waybill_cancel(tracking_number=result.tracking_number, request=waybill)
    issued.refresh_from_db()
    assert issued.cancelled_at is not None


@pytest.mark.parametrize(("provider", "shop_fixture", "platform", "carrier", "cipher"), CASES)
def test_the_sandbox_refuses_in_each_services_own_terms(
    request, sandbox_http, carrier_services, provider, shop_fixture, platform, carrier, cipher
):
    shop_id = request.getfixturevalue(shop_fixture).shop_id if shop_fixture else None
    waybill = waybill_request(
        provider=provider,
        shop_id=shop_id,
        carrier=carrier,
        platform=platform,
        receiver=Party("王*", "138****5678", "江苏省", "南京市", "玄武区", "中山路1号 #FAIL"),
    )
    with pytest.raises(CarrierCallFailed) as exc:
        provider_adapter(waybill.account, carrier).waybill_request(waybill)
    assert exc.value.code not in ("network", "bad_response", "no_tracking_number")
    assert SandboxWaybill.objects.count() == 0
