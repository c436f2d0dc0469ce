import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory.exceptions import InsufficientStock, StockCountClosed, StockInvalid
from inventory.models import Stock, StockMovement
from inventory.selectors import stock_accuracy_report
from inventory.services import (
    stock_count_apply,
    stock_count_cancel,
    stock_count_open,
    stock_count_record,
)

pytestmark = pytest.mark.django_db


def on_hand(sku, warehouse):
    return Stock.objects.get(sku=sku, warehouse=warehouse).on_hand


def test_a_count_applies_each_difference_as_a_count_movement(world, receive, manager):
    sku1, sku2, sku3 = world["skus"]
    receive(sku1, world["wh_a"], 10)
    receive(sku2, world["wh_a"], 4)
    count = stock_count_open(warehouse=world["wh_a"], reason="monthly cycle count", actor=manager)
    stock_count_record(count=count, sku=sku1, counted_quantity=8)
    stock_count_record(count=count, sku=sku2, counted_quantity=4)
    stock_count_record(count=count, sku=sku3, counted_quantity=2)  # found goods that were never received

    movements = stock_count_apply(count=count, actor=manager)

    assert (on_hand(sku1, world["wh_a"]), on_hand(sku2, world["wh_a"]), on_hand(sku3, world["wh_a"])) == (8, 4, 2)
    assert sorted((m.sku_id, m.on_hand_delta) for m in movements) == [(sku1.pk, -2), (sku3.pk, 2)]
    assert {m.kind for m in movements} == {"count"}
    assert {m.reference for m in movements} == {count.reference}
    assert "system 10, counted 8" in StockMovement.objects.get(kind="count", sku=sku1).reason
    count.refresh_from_db()
    assert (count.state, count.applied_by) == ("applied", manager)


def test_movements_during_the_count_are_not_counted_twice(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 10)
    count = stock_count_open(warehouse=world["wh_a"], reason="spot check")
    stock_count_record(count=count, sku=sku, counted_quantity=9)  # one unit missing at count time
    receive(sku, world["wh_a"], 5)  # a delivery arrives before the count is applied

    stock_count_apply(count=count)

    assert on_hand(sku, world["wh_a"]) == 14


def test_a_count_cannot_take_away_reserved_units(world, receive, reserve):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 5)
    reserve(sku, world["wh_a"], 4)
    count = stock_count_open(warehouse=world["wh_a"], reason="spot check")
    stock_count_record(count=count, sku=sku, counted_quantity=2)

    with pytest.raises(InsufficientStock, match="count away 3"):
        stock_count_apply(count=count)

    assert on_hand(sku, world["wh_a"]) == 5
    count.refresh_from_db()
    assert count.state == "open"


def test_closed_counts_take_no_more_lines(world, receive):
    sku = world["skus"][0]
    count = stock_count_open(warehouse=world["wh_a"], reason="x")
    stock_count_cancel(count=count)
    with pytest.raises(StockCountClosed):
        stock_count_record(count=count, sku=sku, counted_quantity=1)
    with pytest.raises(StockCountClosed):
        stock_count_apply(count=count)
    with pytest.raises(StockInvalid):
        stock_count_open(warehouse=world["wh_a"], reason="")


def test_accuracy_report_compares_system_and_counted(world, receive, manager, warehouse_b):
    sku1, sku2, sku3 = world["skus"]
    for sku in (sku1, sku2, sku3):
        receive(sku, world["wh_a"], 10)
    receive(sku1, world["wh_b"], 20)
    count_a = stock_count_open(warehouse=world["wh_a"], reason="quarterly")
    stock_count_record(count=count_a, sku=sku1, counted_quantity=10)
    stock_count_record(count=count_a, sku=sku2, counted_quantity=7)
    stock_count_record(count=count_a, sku=sku3, counted_quantity=11)
    stock_count_apply(count=count_a)
    count_b = stock_count_open(warehouse=world["wh_b"], reason="quarterly")
    stock_count_record(count=count_b, sku=sku1, counted_quantity=20)
    stock_count_apply(count=count_b)
    open_count = stock_count_open(warehouse=world["wh_a"], reason="not applied yet")
    stock_count_record(count=open_count, sku=sku1, counted_quantity=0)

    report = stock_accuracy_report(user=manager)

    assert report["lines"] == 4
    assert report["accurate_lines"] == 2
    assert report["line_accuracy"] == Decimal("0.5000")
    assert (report["system_units"], report["counted_units"], report["difference_units"]) == (50, 48, 4)
    assert report["unit_accuracy"] == Decimal("0.9200")
    assert [(r["warehouse"], r["sku"], r["system"], r["counted"], r["difference"]) for r in report["rows"]] == [
        ("wh-a", sku1.code, 10, 10, 0),
        ("wh-a", sku2.code, 10, 7, -3),
        ("wh-a", sku3.code, 10, 11, 1),
        ("wh-b", sku1.code, 20, 20, 0),
    ]
    scoped = stock_accuracy_report(user=warehouse_b)  # sees warehouse B only
    assert (scoped["lines"], scoped["line_accuracy"]) == (1, Decimal("1.0000"))


def test_verify_command_passes_when_ledger_and_levels_agree(world, receive):
    receive(world["skus"][0], world["wh_a"], 3)
    out = io.StringIO()
    call_command("stock_verify_ledger", stdout=out)
    assert out.getvalue().splitlines()[-1] == '{"stock_rows": 1, "mismatches": 0}'


def test_verify_command_fails_on_a_level_changed_behind_the_ledger(world, receive):
    sku = world["skus"][0]
    receive(sku, world["wh_a"], 3)
    Stock.objects.filter(sku=sku).update(on_hand=5)  # someone bypassed the services
    err = io.StringIO()

    with pytest.raises(CommandError, match="disagree on 1 rows"):
        call_command("stock_verify_ledger", stdout=io.StringIO(), stderr=err)

    assert "on hand 5 vs ledger 3" in err.getvalue()
    Stock.objects.filter(sku=sku).update(on_hand=3)  # put it right for the after-test ledger check
