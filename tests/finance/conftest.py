"""Finance fixtures: legal entities owning the cast's shops, the sample bills, and file storage in tmp."""

from pathlib import Path

import pytest

from finance.services.entities import entity_access_grant
from tests.factories import LegalEntityFactory, ShopFactory
from tests.finance.helpers import BILLS, at, paid_order  # noqa: F401 - import helpers from the helpers module


@pytest.fixture(autouse=True)
def _media_and_sync_tasks(settings, tmp_path, sync_tasks):
    """Files go to a temporary MEDIA_ROOT; queued tasks run at once (``sync_tasks``)."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def bills() -> Path:
    return BILLS


@pytest.fixture
def entities(world):
    """Entity A owns shop A (Tmall) and the WeChat shop; entity B owns shop B (JD)."""
    wechat = ShopFactory(code="shop-wx", name="小程序商城", platform="wechat", default_warehouse=world["wh_a"])
    a = LegalEntityFactory(code="ent-a", name="杭州花间科技有限公司", shops=[world["shop_a"], wechat])
    b = LegalEntityFactory(code="ent-b", name="广州京选贸易有限公司", shops=[world["shop_b"]])
    return {"a": a, "b": b, "shop_wx": wechat}


@pytest.fixture
def finance_a(finance, entities):
    """The cast's finance user, granted entity A only."""
    entity_access_grant(who=finance, entities=[entities["a"]])
    return finance
