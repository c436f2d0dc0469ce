"""Shared fixtures: the database guard and a small named cast of users.

The cast: ``manager`` (主管, every shop and warehouse), ``cs_a`` (客服, shop A only), ``warehouse_b``
(仓库, warehouse B only), ``finance`` (财务, every shop, no personal data), ``outsider`` (a staff user with no
role and no grants) and ``admin_user`` (管理员, sees everything).
"""

import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from inventory.models import Pool
from inventory.services import stock_receive
from orders import roles
from orders.access import shop_access_grant, warehouse_access_grant
from tests.api import api_client
from tests.factories import ShopFactory, SKUFactory, UserFactory, WarehouseFactory


def pytest_collection_modifyitems(config, items):
    vendor = connection.vendor
    if os.environ.get("REQUIRE_POSTGRES") and vendor != "postgresql":
        raise pytest.UsageError(
            f"REQUIRE_POSTGRES is set but the tests would run on {vendor}: set DATABASE_URL=postgres://…"
        )
    if vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_push_connection_kept():
    """Connections kept for verifying pushes (``integrations.services.push_connection``) belong to one test:
    a test's rows are rolled back without the signals that would make the process forget them."""
    from integrations.services import push_connections_forget

    push_connections_forget()
    yield
    push_connections_forget()


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """Every test starts and ends with no language activated in its thread. Django's LocaleMiddleware
    activates each request's language and never restores the previous one, so without this a test-client
    request (say with ``Accept-Language: en``) would decide the language of the next tests' messages."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_inbox_wake_flag_left():
    """Every test starts and ends without the inbox's wake flag (``integrations.inbox.inbox_wake``). With Redis as
    the shared cache (``Q_REDIS_URL`` or ``CACHE_REDIS_URL``) the flag outlives the test process: one an earlier
    test or run left set (a drain queued and never run) would make this test's pushes queue no drain until it
    expired. A process's own memory cache keeps it from one test to the next the same way."""
    from integrations.inbox import WAKE_KEY

    cache.delete(WAKE_KEY)
    yield
    cache.delete(WAKE_KEY)


@pytest.fixture
def sync_tasks(monkeypatch):
    """django-q2 runs queued tasks at once, in the test's thread (Q_CLUSTER sync). The one way tests run
    background work: request it by name, or depend on it from an app's autouse fixture."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def receive(db):
    """``receive(sku, warehouse, quantity, pool=spot)``: put stock somewhere through inventory's service."""

    def _receive(sku, warehouse, quantity, pool=Pool.SPOT):
        return stock_receive(
            warehouse=warehouse, lines=[(sku, quantity)], pool=pool, reference="PO-TEST", system="tests"
        )

    return _receive


@pytest.fixture
def api(db):
    """``api(user)``: a partner API client authenticated with ``user``'s token; ``api()`` is anonymous
    (``tests.api.api_client``)."""
    return api_client


@pytest.fixture
def world(db):
    """Two warehouses, two shops each shipping from its own warehouse, three SKUs."""
    wh_a = WarehouseFactory(code="wh-a", name="杭州仓", province="浙江省")
    wh_b = WarehouseFactory(code="wh-b", name="广州仓", province="广东省")
    shop_a = ShopFactory(code="shop-a", name="天猫旗舰店", platform="tmall", default_warehouse=wh_a)
    shop_b = ShopFactory(code="shop-b", name="京东自营店", platform="jd", default_warehouse=wh_b)
    skus = [SKUFactory(code=f"SKU-{i}") for i in range(1, 4)]
    return {"wh_a": wh_a, "wh_b": wh_b, "shop_a": shop_a, "shop_b": shop_b, "skus": skus}


@pytest.fixture
def manager(world):
    user = UserFactory(username="manager", groups=[roles.MANAGER])
    shop_access_grant(who=user, shops=[world["shop_a"], world["shop_b"]])
    warehouse_access_grant(who=user, warehouses=[world["wh_a"], world["wh_b"]])
    return user


@pytest.fixture
def cs_a(world):
    user = UserFactory(username="cs_a", groups=[roles.SALES_CS])
    shop_access_grant(who=user, shops=world["shop_a"])
    return user


@pytest.fixture
def warehouse_b(world):
    user = UserFactory(username="warehouse_b", groups=[roles.WAREHOUSE])
    warehouse_access_grant(who=user, warehouses=world["wh_b"])
    return user


@pytest.fixture
def finance(world):
    user = UserFactory(username="finance", groups=[roles.FINANCE])
    shop_access_grant(who=user, shops=[world["shop_a"], world["shop_b"]])
    return user


@pytest.fixture
def outsider(world):
    return UserFactory(username="outsider")


@pytest.fixture
def admin_user(world):
    return UserFactory(username="admin_user", groups=[roles.ADMIN])
