"""config.db: many rows updated in one statement, and simple-history rows copied by the database."""

from decimal import Decimal

import pytest
from simple_history.utils import bulk_create_with_history

from config.db import (
    bulk_create_with_history_copy,
    history_copy,
    instance_new,
    row_insert,
    rows_insert,
    rows_insert_new,
    rows_insert_or_lock,
    rows_update,
)
from orders.models import Order, OrderEvent
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


def test_rows_update_sets_each_rows_own_values_and_leaves_others_alone():
    a, b, c = make_order(), make_order(), make_order()
    count = rows_update(
        Order, ["buyer_remark", "shipping_fee"], [(a.pk, "快点发", Decimal("8.00")), (b.pk, "", Decimal("0.50"))]
    )
    assert count == 2
    rows = dict(Order.objects.values_list("pk", "buyer_remark"))
    assert rows == {a.pk: "快点发", b.pk: "", c.pk: c.buyer_remark}
    assert Order.objects.get(pk=b.pk).shipping_fee == Decimal("0.50")
    assert rows_update(Order, ["buyer_remark"], []) == 0


def test_history_copy_writes_the_rows_simple_history_would():
    order = make_order()
    user = UserFactory()
    ours = bulk_create_with_history_copy([OrderEvent(order=order, kind=OrderEvent.Kind.NOTE, reason="a")], user=user)
    theirs = bulk_create_with_history(
        [OrderEvent(order=order, kind=OrderEvent.Kind.NOTE, reason="a")], OrderEvent, default_user=user
    )
    fields = [f.attname for f in OrderEvent.history.model.tracked_fields if f.attname != "id"]
    ours_row = OrderEvent.history.filter(id=ours[0].pk).values(*fields, "history_type", "history_user_id").get()
    theirs_row = OrderEvent.history.filter(id=theirs[0].pk).values(*fields, "history_type", "history_user_id").get()
    ours_row.pop("at"), theirs_row.pop("at")
    assert ours_row == theirs_row
    assert ours_row["history_user_id"] == user.pk and ours_row["history_type"] == "+"


def test_history_copy_after_an_update_writes_the_changed_row_a_save_writes():
    order = make_order()
    order.buyer_remark = "改地址"
    order.save(update_fields=["buyer_remark", "updated_at"])
    rows_update(Order, ["seller_memo"], [(order.pk, "")])  # the row as it is, changed set-based

    assert history_copy(Order, [order.pk], history_type="~") == 1

    fields = [f.attname for f in Order.history.model.tracked_fields]
    saved, copied = order.history.order_by("history_id").values(*fields, "history_type", "history_user_id")[1:]
    assert saved == copied and copied["history_type"] == "~"
    with pytest.raises(ValueError):
        history_copy(Order, [order.pk], history_type="*")


def test_row_insert_writes_the_row_bulk_create_would_in_one_statement(django_assert_num_queries):
    from integrations.models import ImportJob, InboxMessage
    from orders.models import Shop
    from tests.factories import ShopFactory

    shop = ShopFactory()
    ours = InboxMessage(
        shop=shop, platform="shopify", kind="push", topic="orders/create", body="{}", headers={"a": "1"}
    )
    with django_assert_num_queries(1):
        pk = row_insert(ours)
    assert ours.pk == pk and not ours._state.adding
    theirs = InboxMessage.objects.bulk_create(
        [InboxMessage(shop=shop, platform="shopify", kind="push", topic="orders/create", body="{}", headers={"a": "1"})]
    )[0]
    fields = [
        f.attname
        for f in InboxMessage._meta.concrete_fields
        if f.attname not in ("id", "received_at", "next_attempt_at")
    ]
    assert (
        InboxMessage.objects.filter(pk=pk).values(*fields).get()
        == InboxMessage.objects.filter(pk=theirs.pk).values(*fields).get()
    )

    job = ImportJob(shop=shop, file_name="a.csv", profile="generic")  # auto_now_add is filled in, as by save()
    row_insert(job)
    assert ImportJob.objects.get(pk=job.pk).created_at is not None
    assert Shop.objects.filter(pk=shop.pk).exists()


def _stored(model, pk, leave_out=()):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *leave_out)]
    return model.objects.filter(pk=pk).values(*fields).get()


def test_rows_insert_writes_the_rows_bulk_create_would_in_one_statement(django_assert_num_queries):
    from django.utils.translation import gettext_lazy

    from integrations.models import InboxMessage
    from orders.models import OrderLine
    from tests.factories import ShopFactory, SKUFactory

    shop, other, sku = ShopFactory(), ShopFactory(), SKUFactory()

    def batch(shop):
        return [
            InboxMessage(shop=shop, platform="taobao", kind="poll", topic="t", body="{}", headers={"叫": "值"}),
            InboxMessage(shop=shop, platform="taobao", kind="poll", topic=7, body="{}", event_id=gettext_lazy("x")),
        ]

    ours, theirs = batch(shop), InboxMessage.objects.bulk_create(batch(other))
    with django_assert_num_queries(1):
        assert rows_insert(ours) == ours
    assert all(m.pk and not m._state.adding for m in ours)
    moments = ("shop_id", "received_at", "next_attempt_at")
    assert [_stored(InboxMessage, m.pk, moments) for m in ours] == [
        _stored(InboxMessage, m.pk, moments) for m in theirs
    ]
    assert _stored(InboxMessage, ours[1].pk)["topic"] == "7"  # a value Django converts is converted

    line = OrderLine(order=Order(shop=shop, external_id="late"), sku=sku, quantity=2, unit_price=Decimal("9.90"))
    line.order.number = "LATE-1"
    line.order.save()  # saved after the line was given it: the line takes its primary key
    rows_insert([line])
    assert OrderLine.objects.get(pk=line.pk).order_id == line.order.pk
    assert rows_insert([]) == []


def test_rows_insert_ignoring_conflicts_leaves_out_the_rows_already_there():
    from integrations.models import ChannelOrderState
    from tests.factories import ShopFactory

    shop = ShopFactory()
    ChannelOrderState.objects.create(shop=shop, external_id="T1", content_hash="kept")
    rows_insert(
        [ChannelOrderState(shop=shop, external_id=external_id) for external_id in ("T1", "T2")],
        ignore_conflicts=True,
    )
    assert dict(ChannelOrderState.objects.filter(shop=shop).values_list("external_id", "content_hash")) == {
        "T1": "kept",
        "T2": "",
    }


def test_rows_insert_new_says_which_rows_went_in(django_assert_num_queries):
    from django.db import connection

    from integrations.models import ChannelOrderState
    from tests.factories import ShopFactory

    shop = ShopFactory()
    kept = ChannelOrderState.objects.create(shop=shop, external_id="T2", content_hash="kept")
    objs = [ChannelOrderState(shop=shop, external_id=external_id) for external_id in ("T1", "T2", "T3")]
    if connection.vendor != "postgresql":
        assert rows_insert_new(objs, key=["external_id"]) is None  # the caller looks first instead
        return
    with django_assert_num_queries(1):
        inserted = rows_insert_new(objs, key=["external_id"])
    assert [obj.external_id for obj in inserted] == ["T1", "T3"]
    assert [obj.pk for obj in inserted] == list(
        ChannelOrderState.objects.filter(external_id__in=["T1", "T3"], shop=shop)
        .order_by("external_id")
        .values_list("pk", flat=True)
    )
    assert objs[1].pk is None and objs[1] not in inserted
    assert ChannelOrderState.objects.get(pk=kept.pk).content_hash == "kept"
    assert rows_insert_new([], key=["external_id"]) == []


def test_rows_insert_or_lock_creates_the_new_rows_and_returns_the_stored_ones_as_they_are(django_assert_num_queries):
    from django.db import connection

    from integrations.models import ChannelOrderState
    from tests.factories import ShopFactory

    shop = ShopFactory()
    kept = ChannelOrderState.objects.create(shop=shop, external_id="T2", content_hash="kept", version=7)
    objs = [ChannelOrderState(shop=shop, external_id=external_id) for external_id in ("T1", "T2")]
    if connection.vendor != "postgresql":
        assert rows_insert_or_lock(objs, unique=["shop", "external_id"]) is None
        return
    with django_assert_num_queries(1):
        rows = {row.external_id: row for row in rows_insert_or_lock(objs, unique=["shop", "external_id"])}
    assert rows["T2"].pk == kept.pk and (rows["T2"].content_hash, rows["T2"].version) == ("kept", 7)
    assert rows["T2"].updated_at == kept.updated_at  # locked, not changed
    assert rows["T1"].pk == ChannelOrderState.objects.get(shop=shop, external_id="T1").pk
    assert rows["T1"].content_hash == "" and not rows["T1"]._state.adding
    assert ChannelOrderState.objects.filter(shop=shop).count() == 2


def test_instance_new_builds_what_the_keyword_constructor_builds():
    from integrations.models import InboxMessage
    from orders.models import OrderLine
    from tests.factories import ShopFactory

    shop = ShopFactory()
    order = make_order(shop=shop)
    values = {
        "order": order,
        "sku": order.lines.first().sku,
        "title": "赠品",
        "quantity": 2,
        "unit_price": Decimal("9.90"),
    }
    ours, django = instance_new(OrderLine, **values), OrderLine(**values)
    assert _fields(ours) == _fields(django)
    assert ours.order is order and ours._state.adding  # the related object is kept, as Django keeps it
    by_id = instance_new(OrderLine, order_id=order.pk, sku_id=values["sku"].pk, quantity=1, unit_price=Decimal("1"))
    assert (by_id.order_id, by_id.discount, by_id.is_gift, by_id.title) == (order.pk, Decimal("0"), False, "")
    first, second = instance_new(InboxMessage, shop=shop), instance_new(InboxMessage, shop=shop)
    assert first.headers == {} and first.headers is not second.headers  # callable defaults called for each
    assert first.received_at is not None and first.status == InboxMessage(shop=shop).status


def _fields(obj):
    return {name: value for name, value in obj.__dict__.items() if name != "_state"}
