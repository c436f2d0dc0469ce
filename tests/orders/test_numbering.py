import datetime as dt
import threading

import pytest
from django.db import transaction

from orders.models import Order
from orders.services import order_number_allocate
from tests.concurrency import run_together
from tests.factories import ShopFactory, make_order


@pytest.mark.django_db
def test_numbers_are_prefix_date_and_a_daily_sequence():
    day = dt.date(2026, 11, 11)
    assert order_number_allocate(day=day) == ["OH20261111000001"]
    assert order_number_allocate(day=day, count=2) == ["OH20261111000002", "OH20261111000003"]
    assert order_number_allocate(day=dt.date(2026, 11, 12)) == ["OH20261112000001"]
    assert order_number_allocate(prefix="RS", day=day) == ["RS20261111000001"]


@pytest.mark.django_db
def test_a_rolled_back_order_gives_its_number_back():
    day = dt.date(2026, 11, 11)
    with pytest.raises(RuntimeError), transaction.atomic():
        order_number_allocate(day=day)
        raise RuntimeError("boom")
    assert order_number_allocate(day=day) == ["OH20261111000001"]


@pytest.mark.django_db
def test_orders_get_todays_number_in_shanghai_time():
    order = make_order()
    from django.utils import timezone

    assert order.number.startswith(f"OH{timezone.localdate():%Y%m%d}")
    assert len(order.number) == len("OH20261111000001")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_order_creation_never_reuses_a_number():
    shop = ShopFactory()
    workers, per_worker = 12, 8
    numbers: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(per_worker):
            order = make_order(shop=shop)
            with lock:
                numbers.append(order.number)

    _results, errors = run_together([work] * workers)

    assert errors == []
    assert len(numbers) == workers * per_worker
    assert len(set(numbers)) == len(numbers)
    sequences = sorted(int(n[-6:]) for n in numbers)
    assert sequences == list(range(1, workers * per_worker + 1))  # no gaps when nothing rolled back
    assert Order.objects.count() == workers * per_worker
