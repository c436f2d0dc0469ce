"""Change numbers are the database's (config.changes): every write path stamps them, nobody sets them."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from orders.models import Order
from tests.factories import make_order


@pytest.mark.django_db
def test_inserts_and_updates_are_stamped_whatever_wrote_them(world):
    order = make_order(shop=world["shop_a"])  # rows_insert (one INSERT … UNNEST)
    order.refresh_from_db()
    assert order.change_seq > 0 and order.changed_at is not None

    before = order.change_seq
    Order.objects.filter(pk=order.pk).update(priority=3)  # QuerySet.update
    order.refresh_from_db()
    assert order.change_seq >= before  # the same transaction keeps its number on PostgreSQL


@pytest.mark.django_db
def test_a_write_cannot_set_the_stamp(world):
    order = make_order(shop=world["shop_a"])
    then = timezone.now() - dt.timedelta(days=30)
    Order.objects.filter(pk=order.pk).update(changed_at=then, change_seq=1)
    order.refresh_from_db()
    assert order.changed_at != then and order.change_seq != 1


@pytest.mark.django_db
def test_history_leaves_the_stamp_out(world):
    order = make_order(shop=world["shop_a"])
    fields = {field.name for field in Order.history.model._meta.fields}
    assert "change_seq" not in fields and "changed_at" not in fields
    assert order.history.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_update_that_changes_nothing_keeps_the_change_number(world):
    """The no-op UPDATE that locks a row (ingestion's ON CONFLICT DO UPDATE) is no change for followers."""
    order = make_order(shop=world["shop_a"])
    order.refresh_from_db()
    Order.objects.filter(pk=order.pk).update(priority=F("priority"), shop=order.shop_id)
    assert Order.objects.get(pk=order.pk).change_seq == order.change_seq

    Order.objects.filter(pk=order.pk).update(priority=F("priority") + 1)
    assert Order.objects.get(pk=order.pk).change_seq > order.change_seq  # a later transaction, a larger number


@pytest.mark.django_db(transaction=True)
def test_a_followed_table_that_lost_its_trigger_gets_it_back_after_migrate(world):
    """A migration that rebuilds a followed table (SQLite alters columns that way) drops its trigger; the
    post-migrate step puts it back, and leaves the tables that kept theirs alone."""
    from django.db import connection

    from config.changes import stamps_restore

    assert stamps_restore() == []  # a freshly migrated database has every trigger
    trigger = "orders_order_change_stamp"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {trigger} ON orders_order")
        else:
            for event in ("insert", "update"):
                cursor.execute(f"DROP TRIGGER {trigger}_{event}")
    lost = make_order(shop=world["shop_a"])
    assert Order.objects.get(pk=lost.pk).change_seq == 0  # not stamped: a follower would never see it

    assert stamps_restore() == ["orders_order"]

    order = make_order(shop=world["shop_a"])
    assert Order.objects.get(pk=order.pk).change_seq > 0
    Order.objects.filter(pk=lost.pk).update(priority=F("priority") + 1)
    assert Order.objects.get(pk=lost.pk).change_seq > 0
