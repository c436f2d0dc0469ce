"""Buyer notification fixtures: the providers' sandbox reached through the transport (signatures checked with
the sandbox credentials below), the default templates given provider template codes, and an own-website shop
(a platform that does not tell its buyers itself)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from integrations.notify.models import NotificationTemplate
from integrations.notify.services import notification_templates_ensure
from tests.factories import ShopFactory

SANDBOX = "http://127.0.0.1:8000/sandbox/notify"


@pytest.fixture
def providers(sandbox_http, settings):
    settings.NOTIFY_PUBLIC_BASE_URL = "https://oms.example.com"
    settings.NOTIFY_SMS_PROVIDER = "aliyun"
    settings.NOTIFY_PHONE_MAX_PER_HOUR = 5
    settings.NOTIFY_ALIYUN_ENDPOINT = f"{SANDBOX}/aliyun/"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_ID = "test-aliyun-id"
    settings.NOTIFY_ALIYUN_ACCESS_KEY_SECRET = "test-aliyun-secret"
    settings.NOTIFY_ALIYUN_SIGN_NAME = "测试店"
    settings.NOTIFY_TENCENT_ENDPOINT = f"{SANDBOX}/tencent/"
    settings.NOTIFY_TENCENT_SECRET_ID = "test-tencent-id"
    settings.NOTIFY_TENCENT_SECRET_KEY = "test-tencent-key"
    settings.NOTIFY_TENCENT_SDK_APP_ID = "1400006666"
    settings.NOTIFY_TENCENT_SIGN_NAME = "测试店"
    settings.NOTIFY_WECHAT_ENDPOINT = f"{SANDBOX}/wechat/"
    settings.NOTIFY_WECHAT_APP_ID = "wxtest0000000001"
    settings.NOTIFY_WECHAT_APP_SECRET = "test-wechat-secret"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    notification_templates_ensure()  # a transactional test before this one emptied the tables
    NotificationTemplate.objects.filter(channel="sms").update(code="SMS_123456789")
    NotificationTemplate.objects.filter(channel="wechat").update(code="tmpl-wx-1")
    return sandbox_http


@pytest.fixture
def website(db):
    return ShopFactory(code="own-site", name="品牌官网", platform="website")


@pytest.fixture
def mini(db):
    return ShopFactory(code="mini", name="微信小程序商城", platform="wechat")


@pytest.fixture
def templates(db):
    notification_templates_ensure()


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued by the notification services, as (task, args), instead of queueing them."""
    from integrations.notify import services

    calls: list[tuple[str, tuple]] = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda func, *args, **kw: calls.append((func, args)))
    return calls
