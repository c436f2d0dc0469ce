"""Channel allocation rules, the presale pool on channels, safety-stock pause/resume with alerts, and the
debounced push with its acknowledgement."""

import datetime as dt

import pytest
from django.utils import timezone

from config.tasks import enqueue_on_commit
from inventory.exceptions import StockInvalid
from inventory.models import ChannelStock, Pool, SafetyStock
from inventory.services import (
    LineDemand,
    channel_stock_mark_pushed,
    channel_stock_set,
    channel_stock_sync,
    order_stock_release,
    order_stock_reserve,
    safety_stock_refresh,
    safety_stock_set,
    stock_adjust,
)
from inventory.signals import sellable_changed
from orders.models import Alert
from tests.factories import ShopFactory, SKUFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

PUSHED: list[tuple[int, int, int]] = []


def record_push(*, shop_id, sku_id, quantity):
    PUSHED.append((shop_id, sku_id, quantity))


@pytest.fixture
def pusher(settings):
    PUSHED.clear()
    settings.INVENTORY_STOCK_PUSHER = "tests.inventory.test_channels.record_push"
    return PUSHED


def sellable(shop, sku):
    return ChannelStock.objects.get(shop_id=shop.pk, sku=sku).computed_quantity


def sync():
    return channel_stock_sync(now=timezone.now())


def test_allocation_rules_share_split_and_cap_the_pool(world, receive, pusher):
    sku = world["skus"][0]
    tmall, jd = world["shop_a"], world["shop_b"]
    dy, pdd = ShopFactory(code="douyin"), ShopFactory(code="pdd")
    receive(sku, world["wh_a"], 70)
    receive(sku, world["wh_b"], 30)
    receive(sku, WarehouseFactory(code="road", kind="in_transit"), 500)  # not sellable yet
    channel_stock_set(shop_id=tmall.pk, sku=sku)  # shared
    channel_stock_set(shop_id=jd.pk, sku=sku, rule="percentage", percent=30)
    channel_stock_set(shop_id=dy.pk, sku=sku, rule="percentage", percent=25)
    channel_stock_set(shop_id=pdd.pk, sku=sku, rule="fixed", quota=40)

    sync()

    assert [sellable(s, sku) for s in (tmall, jd, dy, pdd)] == [100, 30, 25, 40]
    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-60, reason="damaged in flood")
    stock_adjust(sku=sku, warehouse=world["wh_b"], quantity=-15, reason="damaged in flood")
    sync()
    assert [sellable(s, sku) for s in (tmall, jd, dy, pdd)] == [25, 7, 6, 25]


def test_percentages_of_one_sku_cannot_exceed_100(world):
    sku = world["skus"][0]
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku, rule="percentage", percent=60)
    with pytest.raises(StockInvalid, match="110%"):
        channel_stock_set(shop_id=world["shop_b"].pk, sku=sku, rule="percentage", percent=50)


def test_a_channel_exclusive_sku_sells_on_that_channel_only(world, receive, pusher):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 9)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    channel_stock_set(shop_id=world["shop_b"].pk, sku=sku, rule="exclusive")

    sync()

    assert (sellable(world["shop_a"], sku), sellable(world["shop_b"], sku)) == (0, 9)
    with pytest.raises(StockInvalid, match=f"已由店铺 {world['shop_b'].code} 独占"):
        channel_stock_set(shop_id=world["shop_a"].pk, sku=sku, rule="exclusive")


def test_a_deleted_shop_leaves_no_channel_rows_and_frees_what_it_held_exclusively(world, receive, pusher):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 9)
    leaving = ShopFactory(code="leaving")
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    channel_stock_set(shop_id=leaving.pk, sku=sku, rule="exclusive")
    sync()
    assert sellable(world["shop_a"], sku) == 0

    leaving.delete()
    sync()

    assert list(ChannelStock.objects.values_list("shop_id", flat=True)) == [world["shop_a"].pk]
    assert sellable(world["shop_a"], sku) == 9


def test_channels_of_a_presale_sku_sell_the_presale_pool(world, receive, pusher):
    sku = SKUFactory(code="PRE-9", is_presale=True)
    receive(sku, world["wh_a"], 50)
    receive(sku, world["wh_a"], 8, Pool.PRESALE)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    sync()
    assert sellable(world["shop_a"], sku) == 8


def test_at_safety_stock_chosen_channels_pause_with_an_alert_and_resume_when_replenished(world, receive, pusher):
    sku = world["skus"][0]
    tmall, jd = world["shop_a"], world["shop_b"]
    receive(sku, world["wh_a"], 12)
    channel_stock_set(shop_id=tmall.pk, sku=sku, pause_on_safety=False)  # the flagship keeps selling
    channel_stock_set(shop_id=jd.pk, sku=sku)
    safety_stock_set(sku=sku, fixed_quantity=5)
    sync()
    assert (sellable(tmall, sku), sellable(jd, sku)) == (12, 12)
    assert not Alert.objects.exists()

    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-7, reason="damaged")  # available 5 = threshold
    sync()

    assert (sellable(tmall, sku), sellable(jd, sku)) == (5, 0)
    assert ChannelStock.objects.get(shop_id=jd.pk, sku=sku).paused
    alert = Alert.objects.get()
    assert (alert.kind, alert.sku, alert.resolved_at) == ("safety_stock", sku, None)
    assert {k: alert.detail[k] for k in ("threshold", "available", "paused_shops")} == {
        "threshold": 5,
        "available": 5,
        "paused_shops": [jd.pk],
    }
    assert sku.code in alert.title
    assert (jd.pk, sku.pk, 0) in pusher

    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-1, reason="damaged")
    sync()
    assert Alert.objects.count() == 1  # still the same open alert

    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=10, reason="restock")
    sync()

    assert (sellable(tmall, sku), sellable(jd, sku)) == (14, 14)
    assert not ChannelStock.objects.get(shop_id=jd.pk, sku=sku).paused
    assert Alert.objects.get().resolved_at is not None


def test_dynamic_safety_stock_is_seven_day_sales_times_lead_days_plus_three(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 100)
    for order_id in range(1, 8):  # 7 orders × 2 units in the window …
        order_stock_reserve(
            order_id=order_id,
            reference=f"OH{order_id}",
            lines=[LineDemand(line_id=order_id, sku_id=sku.pk, quantity=2)],
            warehouse_id=world["wh_a"].pk,
        )
    order_stock_release(order_id=7)  # … one of them cancelled: 12 units sold, 12/7 a day

    rule = safety_stock_set(sku=sku, mode=SafetyStock.Mode.DYNAMIC, lead_days=4)

    assert rule.threshold == 12  # ⌈12 / 7 × (4 + 3)⌉
    later = timezone.now() + dt.timedelta(days=8)
    assert safety_stock_refresh(now=later) == 1
    assert SafetyStock.objects.get().threshold == 0


def test_changes_are_debounced_into_one_queued_sync(
    world, receive, pusher, monkeypatch, django_capture_on_commit_callbacks
):
    from inventory.services import channels

    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    row = channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    sync()
    channel_stock_mark_pushed(shop_id=world["shop_a"].pk, sku_id=sku.pk, quantity=10)
    assert not ChannelStock.objects.get(pk=row.pk).dirty
    pusher.clear()
    queued = []

    def spy(func, *args, **kwargs):
        queued.append(func)
        return enqueue_on_commit(func, *args, **kwargs)

    monkeypatch.setattr(channels, "enqueue_on_commit", spy)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-1, reason="sample")

    # three changes, one queued sync (it ran inline), one push of the final quantity
    assert queued == ["inventory.tasks.channel_stock_sync"]
    assert pusher == [(world["shop_a"].pk, sku.pk, 7)]


def test_an_acknowledged_push_records_the_value_and_clears_dirty(world, receive, pusher):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)

    result = sync()

    assert result["handed"] == 1
    assert pusher == [(world["shop_a"].pk, sku.pk, 10)]
    row = ChannelStock.objects.get()
    assert (row.dirty, row.sent_quantity, row.last_pushed_quantity) == (True, 10, None)

    sync()  # handed recently, not acknowledged yet: not handed again
    assert len(pusher) == 1

    channel_stock_mark_pushed(shop_id=world["shop_a"].pk, sku_id=sku.pk, quantity=10)
    row.refresh_from_db()
    assert (row.dirty, row.last_pushed_quantity, row.drift) == (False, 10, 0)
    assert row.last_pushed_at is not None


def test_an_acknowledgement_of_a_stale_value_keeps_the_row_dirty(world, receive, pusher):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    sync()
    stock_adjust(sku=sku, warehouse=world["wh_a"], quantity=-4, reason="damaged")
    ChannelStock.objects.update(dirty=True)
    sync()

    channel_stock_mark_pushed(shop_id=world["shop_a"].pk, sku_id=sku.pk, quantity=10)

    row = ChannelStock.objects.get()
    assert (row.computed_quantity, row.last_pushed_quantity, row.dirty, row.drift) == (6, 10, True, -4)


def test_without_a_pusher_rows_stay_dirty_with_a_note(world, receive, settings):
    settings.INVENTORY_STOCK_PUSHER = None
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)

    result = sync()

    row = ChannelStock.objects.get()
    assert (result["handed"], result["failed"]) == (0, 1)
    assert row.dirty and row.sent_quantity is None
    assert "no pusher configured" in row.push_note


def test_a_failing_pusher_is_recorded_and_retried(world, receive, settings):
    settings.INVENTORY_STOCK_PUSHER = "tests.inventory.test_channels.failing_push"
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    sync()
    row = ChannelStock.objects.get()
    assert row.dirty and "platform down" in row.push_note


def failing_push(**kwargs):
    raise ConnectionError("platform down")


def test_full_sync_resends_rows_already_in_sync(world, receive, pusher):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    sync()
    channel_stock_mark_pushed(shop_id=world["shop_a"].pk, sku_id=sku.pk, quantity=3)
    pusher.clear()

    assert sync()["claimed"] == 0
    channel_stock_sync(full=True)

    assert pusher == [(world["shop_a"].pk, sku.pk, 3)]


def test_sellable_changed_is_sent_after_commit_when_the_quantity_changes(
    world, receive, pusher, django_capture_on_commit_callbacks
):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    channel_stock_set(shop_id=world["shop_a"].pk, sku=sku)
    heard = []

    def listener(sender, *, shop_id, sku_id, quantity, **kwargs):
        heard.append((shop_id, sku_id, quantity))

    sellable_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            sync()
        with django_capture_on_commit_callbacks(execute=True):
            ChannelStock.objects.update(dirty=True)
            sync()  # same quantity: nothing to announce
    finally:
        sellable_changed.disconnect(listener)
    assert heard == [(world["shop_a"].pk, sku.pk, 3)]


def test_schedules_are_declared_for_the_debounced_and_full_sync():
    from inventory.tasks import SCHEDULES

    by_name = {s["name"]: s for s in SCHEDULES}
    assert by_name["inventory.channel_stock_full_sync"]["minutes"] == 5
    assert by_name["inventory.channel_stock_sync"]["func"] == "inventory.tasks.channel_stock_sync"
