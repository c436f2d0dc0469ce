"""The command center's oversold figure (inventory.selectors.oversold_units): active reservations beyond what is on
hand, counted from the reservations. Not under tests/inventory: these rows disagree with the ledger on purpose."""

import pytest

from inventory.models import Reservation, Stock
from inventory.selectors import oversold_units

pytestmark = pytest.mark.django_db


def hold(stock, quantity, *, line, state=Reservation.State.ACTIVE):
    closed = {} if state == Reservation.State.ACTIVE else {"closed_at": "2026-11-11T10:00:00+08:00"}
    return Reservation.objects.create(
        stock=stock, order_id=line, order_line_id=line, reference=f"OH{line}", quantity=quantity, state=state, **closed
    )


def test_oversold_reads_zero_when_reservations_fit_on_hand(world):
    stock = Stock.objects.create(sku=world["skus"][0], warehouse=world["wh_a"], on_hand=5, reserved=5)
    hold(stock, 3, line=1)
    hold(stock, 2, line=2)

    assert oversold_units() == {"units": 0, "stock_rows": 0}


def test_oversold_sums_active_reservations_beyond_on_hand_per_stock_row(world):
    short = Stock.objects.create(sku=world["skus"][0], warehouse=world["wh_a"], on_hand=4, reserved=4)
    hold(short, 3, line=1)
    hold(short, 3, line=2)  # 6 held on 4: 2 oversold
    hold(short, 9, line=3, state=Reservation.State.CONSUMED)  # shipped: no longer held
    other = Stock.objects.create(sku=world["skus"][1], warehouse=world["wh_b"], on_hand=0, reserved=0)
    hold(other, 1, line=4)  # 1 oversold
    fine = Stock.objects.create(sku=world["skus"][2], warehouse=world["wh_a"], on_hand=10, reserved=1)
    hold(fine, 1, line=5)

    assert oversold_units() == {"units": 3, "stock_rows": 2}
