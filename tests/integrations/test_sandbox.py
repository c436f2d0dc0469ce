"""The sandbox answers like the platforms, with their errors, and every client reads it."""

import pytest
from django.utils import timezone

from integrations.exceptions import PlatformUnavailable, RateLimited, TokenExpired
from integrations.models import ShopConnection
from integrations.platforms import adapter_for
from integrations.sandbox import data, formats

pytestmark = pytest.mark.django_db
PLATFORMS = ["taobao", "jd", "pdd", "douyin", "shopify"]


def _latest_visible(platform, connection):
    now = timezone.now()
    for seq in range(data.seq_at(now), data.seq_at(now) - 50, -1):
        order = data.generate(connection.app_key, seq, now=now)
        check = formats.visible(platform)
        if check is None or check(order):
            return order
    raise AssertionError("no visible order")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_client_fetches_one_order_that_maps_cleanly(platform, request, sandbox_http):
    connection = request.getfixturevalue(platform)
    generated = _latest_visible(platform, connection)
    external_id = formats.order_id(platform, generated)
    adapter = adapter_for(platform)

    native = adapter.client(connection).order_get(external_id)
    order = adapter.to_platform_order(native).order

    assert order.data.external_id == external_id
    assert order.data.paid_amount == generated.payment
    assert [line.sku_code for line in order.data.lines] == [line.sku for line in generated.lines]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_expired_tokens_are_reported_as_such(platform, request, sandbox_http):
    connection = request.getfixturevalue(platform)
    ShopConnection.objects.filter(pk=connection.pk).update(access_token="expired")
    connection.refresh_from_db()
    if platform == "shopify":
        connection.access_token = "expired"
    with pytest.raises(TokenExpired):
        adapter_for(platform).client(connection).order_get("1")


@pytest.mark.parametrize("platform", ["taobao", "jd", "pdd", "douyin"])
def test_a_wrong_app_secret_is_refused_by_the_sandbox(platform, request, sandbox_http):
    from integrations.exceptions import PlatformError

    connection = request.getfixturevalue(platform)
    connection.app_secret = "not-the-secret"
    with pytest.raises(PlatformError) as caught:
        adapter_for(platform).client(connection).order_get("1")
    assert not isinstance(caught.value, TokenExpired | RateLimited)


def test_timeout_mode_answers_too_late(taobao, sandbox_http, monkeypatch):
    from integrations.sandbox.views import shared as views

    slept = []
    monkeypatch.setattr(views.time, "sleep", slept.append)
    taobao.base_url = "http://testserver/sandbox/taobao/fault/timeout"
    with pytest.raises(PlatformUnavailable):
        adapter_for("taobao").client(taobao).order_get("1")
    assert slept and slept[0] >= 10


def test_push_endpoint_signs_like_the_platform(client, sandbox_http, pdd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sandbox/pdd/push/{pdd.shop.code}/?count=3")
    assert response.status_code == 200
    assert {row["status"] for row in response.json()["pushed"]} == {200}


def test_sandbox_is_off_unless_enabled(client, settings, taobao):
    settings.SANDBOX_ENABLED = False
    assert client.post("/sandbox/taobao/router/rest").status_code == 404


def test_demo_shops_are_connected_to_the_sandbox_once(world):
    from integrations.sandbox.setup import sandbox_connections_ensure

    assert sandbox_connections_ensure(base_url="http://127.0.0.1:8000") == 2
    assert sandbox_connections_ensure() == 0
    tmall = ShopConnection.objects.get(shop=world["shop_a"])
    assert tmall.base_url == "http://127.0.0.1:8000/sandbox/taobao" and tmall.webhook_secret and tmall.poll_cursor
