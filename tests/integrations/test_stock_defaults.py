"""Stock reaches the platforms out of the box: every shop whose platform takes stock pushes is offered, for
every SKU, what is available less its safety stock — unless an allocation row says otherwise."""

import pytest

from integrations.models import OutboxMessage
from integrations.stock import channel_stock_defaults_sync
from inventory.models import ChannelStock
from inventory.services import safety_stock_set, stock_receive
from inventory.services.channels import channel_stock_set, channel_stock_sync
from tests.factories import ShopFactory, SKUFactory
from tests.integrations.helpers import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushing(settings):
    settings.INVENTORY_STOCK_PUSHER = "integrations.outbox.stock_push_enqueue"


def _pushed():
    return {
        (m.shop.code, m.payload["sku_code"]): m.payload["quantity"]
        for m in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.STOCK_PUSH).select_related("shop")
    }


def test_every_stock_channel_is_offered_available_less_safety_stock_without_any_setup(warehouse, pushing):
    taobao = make_shop("tb-1", "taobao", warehouse)
    jd = make_shop("jd-1", "jd", warehouse)
    ShopFactory(code="pos-1", platform="pos", default_warehouse=warehouse)  # no platform to push to
    tea = SKUFactory(code="TEA")
    stock_receive(warehouse=warehouse, lines=[(tea, 10)], reason="test stock")
    safety_stock_set(sku=tea, fixed_quantity=3)

    channel_stock_defaults_sync()
    channel_stock_sync()

    assert _pushed() == {(taobao.shop.code, "TEA"): 7, (jd.shop.code, "TEA"): 7}
    assert set(ChannelStock.objects.values_list("shop_id", flat=True)) == {taobao.shop_id, jd.shop_id}


def test_an_allocation_wins_over_the_default_and_is_never_overwritten(warehouse, pushing):
    taobao = make_shop("tb-1", "taobao", warehouse)
    tea = SKUFactory(code="TEA")
    stock_receive(warehouse=warehouse, lines=[(tea, 10)], reason="test stock")
    channel_stock_set(shop_id=taobao.shop_id, sku=tea, rule=ChannelStock.Rule.FIXED, quota=2)

    channel_stock_defaults_sync()
    channel_stock_sync()

    row = ChannelStock.objects.get()
    assert (row.rule, row.quota) == (ChannelStock.Rule.FIXED, 2)
    assert _pushed() == {("tb-1", "TEA"): 2}


def test_new_skus_and_new_shops_get_their_default_rows(warehouse, pushing):
    taobao = make_shop("tb-1", "taobao", warehouse)
    channel_stock_defaults_sync()
    tea = SKUFactory(code="TEA")
    jd = make_shop("jd-1", "jd", warehouse)

    created = channel_stock_defaults_sync()

    assert created == 2
    assert sorted(ChannelStock.objects.filter(sku=tea).values_list("shop_id", "rule")) == sorted(
        [(jd.shop_id, "default"), (taobao.shop_id, "default")]
    )
    assert channel_stock_defaults_sync() == 0
