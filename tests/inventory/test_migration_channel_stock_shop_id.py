"""Migration ``inventory.0006_channel_stock_shop_id`` keeps the channel rows that exist when it runs.

The migration turns the foreign key to orders' Shop into a plain ``shop_id`` column (database constraint
dropped, column and data kept). The database is taken back to ``0005``, rows are written with the models of
that state, the migration runs, and the rows are read back with the models of ``0006``: same shop ids, same
rules and numbers, the (shop, SKU) uniqueness still enforced. Going back to ``0005`` again restores the foreign
key to the same shops.
"""

import pytest
from django.db import IntegrityError, transaction

from tests.migrating import migrate_to, migrate_to_newest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = ("inventory", "0005_follow_changes")
AFTER = ("inventory", "0006_channel_stock_shop_id")


@pytest.fixture
def at_0005():
    apps = migrate_to([BEFORE])
    yield apps
    migrate_to_newest()


def _arrange(apps):
    Warehouse = apps.get_model("inventory", "Warehouse")
    SKU = apps.get_model("inventory", "SKU")
    Shop = apps.get_model("orders", "Shop")
    ChannelStock = apps.get_model("inventory", "ChannelStock")
    warehouse = Warehouse.objects.create(code="SH1", name="Shanghai")
    tmall = Shop.objects.create(
        code="tmall-flagship", name="Tmall flagship", platform="tmall", default_warehouse=warehouse
    )
    pdd = Shop.objects.create(code="pdd-outlet", name="PDD outlet", platform="pdd", default_warehouse=warehouse)
    tea = SKU.objects.create(code="TEA-250", name="Tea 250g")
    cup = SKU.objects.create(code="CUP-01", name="Cup")
    ChannelStock.objects.create(shop=tmall, sku=tea, rule="percentage", percent=60, computed_quantity=12)
    ChannelStock.objects.create(shop=pdd, sku=tea, rule="fixed", quota=5, is_active=False)
    ChannelStock.objects.create(shop=tmall, sku=cup, rule="shared", last_pushed_quantity=3)
    return tmall.pk, pdd.pk, tea.pk, cup.pk


def _rows(ChannelStock, shop_field):
    return sorted(
        ChannelStock.objects.values_list(
            shop_field, "sku_id", "rule", "percent", "quota", "is_active", "computed_quantity", "last_pushed_quantity"
        )
    )


def test_channel_rows_keep_their_shop_and_numbers_through_0006_and_back(at_0005):
    tmall, pdd, tea, cup = _arrange(at_0005)
    before = _rows(at_0005.get_model("inventory", "ChannelStock"), "shop_id")
    assert len(before) == 3

    after_apps = migrate_to([AFTER])
    ChannelStock = after_apps.get_model("inventory", "ChannelStock")
    assert _rows(ChannelStock, "shop_id") == before
    assert sorted(ChannelStock.objects.values_list("shop_id", "sku_id")) == sorted(
        [(tmall, tea), (pdd, tea), (tmall, cup)]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelStock.objects.create(shop_id=tmall, sku_id=tea)

    back_apps = migrate_to([BEFORE])
    ChannelStock = back_apps.get_model("inventory", "ChannelStock")
    assert _rows(ChannelStock, "shop_id") == before
    assert {row.shop.code for row in ChannelStock.objects.select_related("shop")} == {"tmall-flagship", "pdd-outlet"}
