"""Health: the daily count check, alerts (raised once, stored), and DingTalk / WeCom robot formats."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations import transport
from integrations.health import count_check, health_alert_raise, health_check_run
from integrations.mapping import SHANGHAI
from integrations.models import CountCheck, ShopConnection, WebhookRejection
from integrations.platforms.taobao.client import TaobaoClient
from integrations.sandbox import data
from integrations.selectors import shop_health
from orders.models import Alert, NotificationChannel
from tests.factories import make_order

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 11)


@pytest.fixture
def sent(monkeypatch):
    """Robots answer like the real ones; every request is kept."""
    requests = []

    def send(method, url, *, params=None, body=None, headers=None, timeout=None):
        requests.append({"url": url, "body": json.loads(body)})
        return transport.Response(200, b'{"errcode":0,"errmsg":"ok"}')

    monkeypatch.setattr(transport, "send", send)
    return requests


def _orders_on(shop, day, count):
    for index in range(count):
        placed = dt.datetime.combine(day, dt.time(10, index), tzinfo=SHANGHAI)
        make_order(shop=shop, external_id=f"T{day:%m%d}{index}", placed_at=placed)


def test_count_check_without_gap_raises_nothing(taobao, monkeypatch, sent):
    _orders_on(taobao.shop, DAY, 3)
    make_order(shop=taobao.shop, external_id="OTHER-DAY", placed_at=dt.datetime(2026, 11, 12, 0, 0, 1, tzinfo=SHANGHAI))
    monkeypatch.setattr(TaobaoClient, "order_count", lambda self, start, end: 3)

    check = count_check(connection=taobao, day=DAY)

    assert (check.platform_count, check.hub_count, check.gap_ratio) == (3, 3, Decimal("0.0000"))
    assert Alert.objects.count() == 0


def test_count_gap_over_one_percent_alerts_and_pulls_the_day_again(
    taobao, monkeypatch, sent, django_capture_on_commit_callbacks
):
    _orders_on(taobao.shop, DAY, 3)
    cursor = dt.datetime(2026, 11, 13, tzinfo=SHANGHAI)
    ShopConnection.objects.filter(pk=taobao.pk).update(poll_cursor=cursor)
    taobao.refresh_from_db()
    NotificationChannel.objects.create(
        name="运营群", kind="wecom", webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    )
    monkeypatch.setattr(TaobaoClient, "order_count", lambda self, start, end: 4)

    with django_capture_on_commit_callbacks(execute=True):
        check = count_check(connection=taobao, day=DAY)
        count_check(connection=taobao, day=DAY)  # checked again: still one alert

    assert check.gap_ratio == Decimal("0.2500")
    alert = Alert.objects.get()
    assert alert.kind == "count_gap" and "平台报告 4 单，订单中枢有 3 单" in alert.message
    assert alert.notified_severity == "warning" and alert.shop == taobao.shop
    assert len(sent) == 1 and "平台报告 4 单" in sent[0]["body"]["markdown"]["content"]
    taobao.refresh_from_db()
    assert taobao.poll_cursor == dt.datetime(2026, 11, 11, tzinfo=SHANGHAI)
    assert CountCheck.objects.get().hub_count == 3


def test_count_check_reads_the_platform_count_from_the_sandbox(taobao, sandbox_http, settings):
    settings.SANDBOX_ORDERS_PER_HOUR = 6
    yesterday = timezone.localdate(timezone.now(), SHANGHAI) - dt.timedelta(days=1)
    check = count_check(connection=taobao, day=yesterday)
    start = dt.datetime.combine(yesterday, dt.time.min, tzinfo=SHANGHAI)
    assert check.platform_count == data.created_between(taobao.app_key, start, start + dt.timedelta(days=1)) == 144
    assert check.hub_count == 0 and Alert.objects.get().kind == "count_gap"


def test_expiring_token_and_repeated_failures_alert_once(taobao, sent, django_capture_on_commit_callbacks):
    # Mid-morning in Shanghai: the failures alert is raised once per Shanghai day, and the second check an
    # hour later must fall on the same day whatever time the test runs.
    now = timezone.localtime(timezone.now(), SHANGHAI).replace(hour=10, minute=0)
    ShopConnection.objects.filter(pk=taobao.pk).update(
        token_expires_at=now + dt.timedelta(days=10),
        certificate_expires_at=now + dt.timedelta(days=40),
        consecutive_failures=3,
        last_error="PlatformUnavailable: HTTP 503",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert health_check_run(now=now) == 2
        assert health_check_run(now=now + dt.timedelta(hours=1)) == 0

    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert kinds == {"token_expiry", "failures"}
    assert "访问令牌将在 10 天后过期" in Alert.objects.get(kind="token_expiry").message


def test_callback_failure_rate_counts_rejections(taobao):
    for _ in range(25):
        WebhookRejection.objects.create(
            shop=taobao.shop, platform="taobao", shop_code=taobao.shop.code, reason="sign does not match."
        )
    health = shop_health(taobao)
    assert health["callbacks"]["total"] == 25 and health["callbacks"]["failure_rate"] == Decimal("1.0000")
    assert health_check_run() == 1
    assert Alert.objects.get().kind == "callback_failures"


def test_dingtalk_robot_signs_the_url_and_sends_markdown(taobao, sent, django_capture_on_commit_callbacks):
    robot = NotificationChannel.objects.create(
        name="值班群",
        kind="dingtalk",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret="SEC123",
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert = health_alert_raise(
            shop=taobao.shop, kind="lag", dedup_key="d1", message="tmall-1: orders pulled only up to 30 minutes ago."
        )

    assert list(alert.deliveries.values_list("channel", "status")) == [(robot.pk, "sent")]

    (request,) = sent
    query = urllib.parse.parse_qs(urllib.parse.urlparse(request["url"]).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{timestamp}\nSEC123".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert request["body"]["msgtype"] == "markdown"
    assert "orders pulled only up to 30 minutes ago" in request["body"]["markdown"]["text"]
    assert request["body"]["markdown"]["title"].startswith("[黄色] ")  # amber, in the reader's language
    assert robot.pk


def test_a_robot_that_refuses_parks_the_delivery_with_its_errcode(
    taobao, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        transport, "send", lambda *a, **k: transport.Response(200, b'{"errcode":310000,"errmsg":"sign not match"}')
    )
    NotificationChannel.objects.create(
        name="群", kind="dingtalk", webhook_url="https://oapi.dingtalk.com/robot/send?access_token=x", secret="S"
    )
    with django_capture_on_commit_callbacks(execute=True):
        alert = health_alert_raise(shop=taobao.shop, kind="lag", dedup_key="d2", message="m")

    delivery = alert.deliveries.get()  # a wrong signature needs a person: parked at once, for staff to replay
    assert (delivery.status, delivery.error_code, delivery.attempts) == ("parked", "310000", 1)
    assert "sign not match" in delivery.last_error


def test_a_health_alert_resolved_by_staff_is_not_raised_again_for_the_same_key(taobao):
    from orders.services.alerts import alert_resolve

    first = health_alert_raise(shop=taobao.shop, kind="lag", dedup_key="20261111", message="lagging")
    assert alert_resolve(alert_ids=[first.pk]) == 1
    assert health_alert_raise(shop=taobao.shop, kind="lag", dedup_key="20261111", message="lagging") is None
    again = health_alert_raise(shop=taobao.shop, kind="lag", dedup_key="20261112", message="lagging")
    assert again is not None and again.resolved_at is None
